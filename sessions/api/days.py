"""Reading: the teams of the token's account, a team's days (by date range, a page at a
time), one day with every item, and the caller's own log of a day."""

import base64
import binascii
import datetime

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from ..models import Day, MemberLog, Membership
from . import serialize, stored
from .auth import check_token, day_for, team_for
from .errors import ApiError

router = Router(tags=["days"])

MAX_PAGE = 100


@router.get("/teams", summary="The teams I belong to")
def teams(request: HttpRequest):
    memberships = Membership.objects.filter(user=request.user, is_active=True).select_related(
        "team"
    )
    if request.auth.team_id is not None:
        memberships = memberships.filter(team_id=request.auth.team_id)
    rows = [
        {
            "slug": m.team.slug,
            "name": m.team.name,
            "role": m.role,
            "me": serialize.member(m),
        }
        for m in memberships.order_by("team__name")
    ]
    return serialize.answer(request, {"teams": rows})


class DayRange(Schema):
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    cursor: str = ""
    limit: int = 20


def _cursor(date: datetime.date) -> str:
    return base64.urlsafe_b64encode(f"d:{date.isoformat()}".encode()).decode().rstrip("=")


def _after(cursor: str) -> datetime.date:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        return datetime.date.fromisoformat(text.removeprefix("d:"))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ApiError(422, "invalid_cursor", _("This cursor is not one the API gave.")) from None


@router.get("/teams/{team}/days", summary="A team's days, newest first, a page at a time")
def days(request: HttpRequest, team: str, where: Query[DayRange]):
    team, _membership = team_for(request, team)
    if not 1 <= where.limit <= MAX_PAGE:
        raise ApiError(422, "invalid", _("limit must be from 1 to %(max)s.") % {"max": MAX_PAGE})
    found = Day.objects.filter(team=team).select_related("team").order_by("-date")
    if where.date_from:
        found = found.filter(date__gte=where.date_from)
    if where.date_to:
        found = found.filter(date__lte=where.date_to)
    if where.cursor:
        found = found.filter(date__lt=_after(where.cursor))
    page = list(found[: where.limit + 1])
    more = len(page) > where.limit
    page = page[: where.limit]
    data = {
        "days": [serialize.day_summary(d) for d in page],
        "next": _cursor(page[-1].date) if more else None,
    }
    return serialize.answer(request, data)


@router.get("/teams/{team}/days/{date}", summary="One day with every item")
def day(request: HttpRequest, team: str, date: datetime.date):
    """Kept in the shared cache until the team changes, with who may read it
    (stored.py)."""
    slug = team
    check_token(request, slug)

    def build():
        team, _membership = team_for(request, slug)
        found = get_object_or_404(Day.objects.for_record(), team=team, date=date)
        return serialize.day(found)

    name = f"day:{date.isoformat()}"
    return serialize.answer(request, encoded=stored.kept(slug, name, request.user.pk, build))


@router.get("/teams/{team}/days/{date}/log", summary="My log of the day")
def my_log(request: HttpRequest, team: str, date: datetime.date):
    _team, membership, found = day_for(request, team, date)
    mine = (
        MemberLog.objects.filter(day=found, member=membership)
        .select_related("member")
        .prefetch_related("links")
        .first()
    )
    if mine is None:
        raise ApiError(404, "not_found", _("You have no log of this day yet."))
    return serialize.answer(request, serialize.log(mine))
