"""The one way views reach team-owned objects: through the team, membership first.

Anonymous users are sent to log in (by @login_required on every view), people
outside the team get 404 so nothing leaks, and read-only members get 403 on writes.
A day's reviews are run by its moderator or an admin, and a closed day is read-only
for everyone (each member's own log excepted).
"""

import datetime

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from .closing import DayClosed
from .kinds import MODERATED
from .models import Day, Membership, Team


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


def may_edit_items(kind_slug: str, day: Day, membership: Membership) -> bool:
    """Whether the controls for one kind of item show (and its write endpoints answer)."""
    if day.is_closed or not membership.can_write:
        return False
    return kind_slug not in MODERATED or day.can_moderate(membership)
