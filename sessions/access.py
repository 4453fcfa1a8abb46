"""The one way views reach team-owned objects: through the team, membership first.

Anonymous users are sent to log in (by @login_required on every view), people
outside the team get 404 so nothing leaks, and read-only members get 403 on writes.
A day's reviews are run by its moderator or an admin, and a closed day is read-only
for everyone (each member's own log excepted). A member's log is theirs alone; a member
with no account (a name only) has theirs written by an admin or the day's moderator.
"""

import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from .closing import DayClosed
from .kinds import MODERATED
from .models import Day, MemberLog, Membership, Team


def get_team_for(
    request: HttpRequest, slug: str, *, write: bool = False, admin: bool = False
) -> tuple[Team, Membership]:
    # One query: the membership with its team. No team and no membership are the same
    # 404, so nothing leaks.
    membership = (
        Membership.objects.select_related("team")
        .filter(team__slug=slug, user=request.user, is_active=True)
        .first()
        if request.user.is_authenticated
        else None
    )
    if membership is None:
        raise Http404("No such team")
    team = membership.team
    if admin and not membership.is_admin:
        raise PermissionDenied
    if write and not membership.can_write:
        raise PermissionDenied
    return team, membership


def get_day_for(
    request: HttpRequest, slug: str, date: datetime.date, *, write: bool = False, queryset=None
) -> tuple[Team, Membership, Day]:
    team, membership = get_team_for(request, slug, write=write)
    qs = queryset if queryset is not None else Day.objects.select_related("moderator")
    day = get_object_or_404(qs, team=team, date=date)
    day.team = team
    return team, membership, day


def require_moderator(day: Day, membership: Membership) -> None:
    if not day.can_moderate(membership):
        raise PermissionDenied


def require_open(day: Day) -> None:
    if day.is_closed:
        raise DayClosed


def require_item_writer(day: Day, membership: Membership, kind, *, closed_ok=False) -> None:
    """What a change to one kind of item asks beyond a writer (which the day's lookup
    checked): the moderator or an admin for a moderated kind (reviews), and the day
    open, unless `closed_ok`. The editor and the HTTP API both ask it."""
    if kind.moderated:
        require_moderator(day, membership)
    if not closed_ok:
        require_open(day)


def may_write_log(day: Day, membership: Membership, subject: Membership) -> bool:
    """Whether `membership` may write `subject`'s log of the day: their own, or, for a
    member with no account, as an admin or the day's moderator. Once an invitation binds
    the name to an account, the log is its member's alone. (A log is not frozen by
    closing the day, whoever writes it.)"""
    if not membership.can_write:
        return False
    if subject.pk == membership.pk:
        return True
    return subject.user_id is None and day.can_moderate(membership)


def writable_logs(day: Day, membership: Membership):
    """The logs of the day `membership` may write (and so restore): see may_write_log."""
    if not membership.can_write:
        return MemberLog.objects.none()
    whose = Q(member=membership)
    if day.can_moderate(membership):
        whose |= Q(member__user__isnull=True)
    return MemberLog.objects.filter(whose, day=day)


def require_log_writer(day: Day, membership: Membership, subject: Membership) -> None:
    if not may_write_log(day, membership, subject):
        raise PermissionDenied


def may_edit_items(kind_slug: str, day: Day, membership: Membership) -> bool:
    """Whether the controls for one kind of item show (and its write endpoints answer)."""
    if day.is_closed or not membership.can_write:
        return False
    return kind_slug not in MODERATED or day.can_moderate(membership)
