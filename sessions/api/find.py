"""Looking things up: search (as the search page finds it) and the team's open
follow-ups, with resolving one."""

from html import unescape as unescape_entities

from django.http import HttpRequest
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from ninja import Router, Schema

from .. import followups
from ..forms.followups import ResolveForm
from ..schedule import local_today
from ..search import search as find_days
from ..search.criteria import KIND_CHOICES, Filters
from . import serialize
from .auth import team_for
from .errors import ApiError
from .items import text_ok

router = Router(tags=["search and follow-ups"])

KINDS = {kind for kind, _label in KIND_CHOICES}


@router.get("/teams/{team}/search", summary="The days that hold every word")
def search(request: HttpRequest, team: str, q: str = "", kind: str = "", page: int = 1):
    team, membership = team_for(request, team)
    if not text_ok(q):
        raise ApiError(422, "invalid", _("q holds characters no text may hold."))
    if kind and kind not in KINDS:
        raise ApiError(
            422,
            "invalid",
            _("kind must be one of: %(kinds)s.") % {"kinds": ", ".join(sorted(KINDS))},
        )
    if not 1 <= page <= 1000:
        raise ApiError(422, "invalid", _("page must be from 1 to 1000."))
    result = find_days(team, membership, q[:200], filters=Filters(kind=kind), page=page)
    days = [
        {
            **serialize.day_summary(found.day),
            "hits": [
                {
                    "kind": hit.kind,
                    "label": hit.label,
                    "text": unescape_entities(strip_tags(hit.snippet)),
                }
                for hit in found.hits
            ],
        }
        for found in result.days
    ]
    more = bool(result.page and result.page.has_next)
    data = {"terms": result.terms, "count": result.count, "count_capped": result.count_capped,
            "days": days, "next_page": page + 1 if more else None}  # fmt: skip
    return serialize.answer(request, data)


def _follow_up(f: followups.FollowUp) -> dict:
    return {
        "kind": f.kind,
        "id": f.pk,
        "text": f.text,
        "day": {"date": f.day_date.isoformat(), "number": f.day_number},
        "due_date": serialize.value(f.due_date),
        "overdue": f.is_overdue,
        "person": serialize.member(f.person),
    }


@router.get("/teams/{team}/follow-ups", summary="Open follow-ups, overdue first")
def follow_ups(request: HttpRequest, team: str, kind: str = ""):
    team, _membership = team_for(request, team)
    if kind and kind not in followups.KINDS:
        raise ApiError(422, "invalid", _("kind must be question or action."))
    rows = followups.open_items(team, kind=kind or None)
    return serialize.answer(request, {"follow_ups": [_follow_up(f) for f in rows]})


class Resolution(Schema):
    resolution: str = ""


@router.post("/teams/{team}/follow-ups/{kind}/{pk}/resolve", summary="Resolve a follow-up")
def resolve(request: HttpRequest, team: str, kind: str, pk: int, body: Resolution):
    team, membership = team_for(request, team, write=True)
    item = followups.get_follow_up(team, kind, pk)
    if not text_ok(body.resolution):
        raise ApiError(422, "invalid", _("resolution holds characters no text may hold."))
    form = ResolveForm({"resolution": body.resolution}, kind=kind, item_id=pk)
    if not form.is_valid():
        errors = {name: [str(m) for m in ms] for name, ms in form.errors.items()}
        raise ApiError(422, "invalid", _("The resolution was refused."), errors=errors)
    try:
        item = followups.resolve(item, membership, form.cleaned_data["resolution"])
    except followups.AlreadyResolved as refused:
        raise ApiError(409, "already_resolved", refused.message) from None
    today = local_today(team)
    data = _follow_up(followups.FollowUp.of(item, today))
    data["resolution"], data["resolved_at"] = item.resolution, serialize.value(item.resolved_at)
    return serialize.answer(request, data)
