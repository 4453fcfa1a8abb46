"""The one way views reach team-owned objects: through the team, membership first.

Anonymous users are sent to log in (by @login_required on every view), people
outside the team get 404 so nothing leaks, and read-only members get 403 on writes.
"""

import datetime

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from .models import Day, Membership, Team


def get_team_for(
    request: HttpRequest, slug: str, *, write: bool = False, admin: bool = False
) -> tuple[Team, Membership]:
    team = get_object_or_404(Team, slug=slug)
    membership = (
        Membership.objects.filter(team=team, user=request.user, is_active=True).first()
        if request.user.is_authenticated
        else None
    )
    if membership is None:
        raise Http404("No such team")
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
