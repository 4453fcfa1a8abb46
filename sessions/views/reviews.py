"""Assigning the day's review presenters: the fair suggestion and applying it.

Only the day's moderator and team admins use these, and only while the day is open.
The suggestion is a form, one presenter per review still without one, set to the
fairest choice; the moderator can change any of them and accepts with one click.
"""

import json

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from .. import reviewers
from ..access import get_day_for, require_moderator, require_open
from ..decorators import refuse_when_closed
from ..forms.base import parse_id
from ..forms.items import AssignPresentersForm
from ..models import AssignmentReview, Attendance, Membership
from ..services import Conflict


def _moderated_day(request, team, date):
    team, membership, day = get_day_for(request, team, date, write=True)
    require_moderator(day, membership)
    require_open(day)
    return team, membership, day


def _plan(team, membership, day, data=None, *, reviews=None, **extra) -> dict:
    """The suggestion's context: its form (bound to `data` when given) and the reviews
    that already have presenters."""
    all_reviews = list(AssignmentReview.objects.filter(day=day).prefetch_related("presenters"))
    assigned = [r for r in all_reviews if r.presenters.all()]
    if reviews is None:
        reviews = [r for r in all_reviews if not r.presenters.all()]
    away = {
        a.member_id: a.get_status_display()
        for a in Attendance.objects.filter(day=day, status__in=reviewers.AWAY)
    }
    form = AssignPresentersForm(
        data,
        reviews=reviews,
        people=Membership.objects.participants().filter(team=team),
        proposal=reviewers.suggest(day, reviews) if data is None else {},
        away=away,
        allow_doubles=reviewers.doubles_allowed(day, len(all_reviews)),
    )
    return {
        "team": team,
        "membership": membership,
        "day": day,
        "form": form,
        "assigned": assigned,
        **extra,
    }


@login_required
@require_GET
@refuse_when_closed
def suggest(request, team, date):
    team, membership, day = _moderated_day(request, team, date)
    context = {"team": team, "membership": membership, "day": day}
    if "cancel" in request.GET:
        return render(request, "peer/edit/_reviews_slot.html", context)
    return render(request, "peer/edit/_reviews_suggest.html", _plan(team, membership, day))


def _posted_review_pks(data) -> list[int]:
    pks = []
    for key in data:
        prefix, _, pk = key.partition("-")
        if prefix == "review" and (pk := parse_id(pk)) is not None:
            pks.append(pk)
    return pks


@login_required
@require_POST
@refuse_when_closed
def assign(request, team, date):
    team, membership, day = _moderated_day(request, team, date)
    pks = _posted_review_pks(request.POST)
    if not pks:
        return HttpResponse("no reviews to assign", status=400)
    # The reviews the moderator saw, as they are now (one deleted meanwhile is missing,
    # and the version check below turns that into a conflict).
    reviews = list(AssignmentReview.objects.filter(day=day, pk__in=pks))
    context = _plan(team, membership, day, request.POST, reviews=reviews)
    form = context["form"]
    if not form.is_valid():
        return render(request, "peer/edit/_reviews_suggest.html", context, status=422)
    versions = form.versions()
    versions |= {pk: -1 for pk in pks if pk not in versions}  # gone: always a conflict
    try:
        reviewers.assign(day, form.assignments(), user=request.user, versions=versions)
    except reviewers.DoubleBooked as booked:
        form.double_booked(booked.member)
        return render(request, "peer/edit/_reviews_suggest.html", context, status=422)
    except Conflict:
        fresh = _plan(team, membership, day, changed=True)
        return render(request, "peer/edit/_reviews_suggest.html", fresh, status=409)
    response = render(
        request,
        "peer/edit/_reviews_slot.html",
        {"team": team, "membership": membership, "day": day, "assigned_now": True},
    )
    response["HX-Trigger"] = json.dumps({"studylog:list-changed": {"kind": "review"}})
    return response
