"""The team's follow-ups list, resolving and reopening follow-ups, and the mentoring queue.

Anyone in the team reads both lists. Resolving and reopening are writes (members and
admins; observers get 403), allowed on closed days too (see sessions/followups.py).
The mentor answers the mentoring queue, and the mentor is usually an observer, so any
active member may answer a question flagged for the mentor.

Each form works with htmx (the answer is the item's re-rendered fragment, 422 with the
error beside the field, 409 when someone was first) and without it (a redirect back
to the page it came from, or the form again with its error).
"""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .. import followups
from ..access import get_team_for
from ..forms.followups import (
    FollowUpFilterForm,
    MentorAnswerForm,
    ResolveForm,
    attach_resolve_forms,
)
from ..models import Question
from ..schedule import local_today

RESOLVED_PER_PAGE = 25
ANSWERED_SHOWN = 30  # the mentoring queue lists this many answered questions, newest first


def _next_url(request, fallback: str) -> str:
    """Where a plain form post returns to: the page it came from, if it is ours."""
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@login_required
@require_GET
def follow_up_list(request, team):
    team, membership = get_team_for(request, team)
    filter_form = FollowUpFilterForm(request.GET, team=team)
    filters = filter_form.filters()
    owner, kind, state = filters["owner"], filters["kind"], filters["state"]
    page = None
    if state == "resolved":
        rows = followups.resolved_rows(team, kind=kind, owner=owner)
        page = Paginator(rows, RESOLVED_PER_PAGE).get_page(request.GET.get("page"))
        items = followups.resolved_page_items(team, list(page.object_list))
        groups = [{"key": "resolved", "items": items}] if items else []
    else:
        items = followups.open_items(team, kind=kind, owner=owner)
        groups = _group_open(items)
    attach_resolve_forms(items, can_write=membership.can_write)
    return render(
        request,
        "peer/followups/list.html",
        {
            "team": team,
            "membership": membership,
            "filter_form": filter_form,
            "filters": filters,
            "groups": groups,
            "count": len(items) if page is None else page.paginator.count,
            "page": page,
            "can_write": membership.can_write,
            "next": request.get_full_path(),
        },
    )


def _group_open(items) -> list[dict]:
    """Open items in three groups, in the order they need attention."""
    overdue = [f for f in items if f.is_overdue]
    due = [f for f in items if f.due_date and not f.is_overdue]
    rest = [f for f in items if not f.due_date]
    groups = [("overdue", overdue), ("due", due), ("open", rest)]
    return [{"key": key, "items": group} for key, group in groups if group]


def _item_response(request, team, membership, f, *, status=200, notice=None, form=None):
    if form is None and not f.is_resolved and membership.can_write:
        form = ResolveForm(kind=f.kind, item_id=f.pk, initial={"resolution": f.item.resolution})
    f.form = form
    context = {
        "team": team,
        "membership": membership,
        "f": f,
        "can_write": membership.can_write,
        "notice": notice,
        "next": request.POST.get("next", ""),
    }
    return render(request, "peer/followups/_item.html", context, status=status)


@login_required
@require_POST
def resolve(request, team, kind, pk):
    team, membership = get_team_for(request, team, write=True)
    item = followups.get_follow_up(team, kind, pk)
    back = _next_url(request, reverse("peer:follow_ups", args=[team.slug]))
    today = local_today(team)
    form = ResolveForm(request.POST, kind=kind, item_id=item.pk)
    if not form.is_valid():
        f = followups.FollowUp.of(item, today)
        if request.htmx:
            return _item_response(request, team, membership, f, status=422, form=form)
        f.form = form
        context = {"team": team, "membership": membership, "f": f, "next": back}
        return render(request, "peer/followups/resolve.html", context, status=422)
    fragment = partial(_item_response, request, team, membership)
    try:
        item = followups.resolve(item, membership, form.cleaned_data["resolution"])
    except followups.AlreadyResolved as refused:
        f = followups.FollowUp.of(refused.item, today)
        return _outcome(request, back, fragment, f, notice=refused.message)
    return _outcome(request, back, fragment, followups.FollowUp.of(item, today), _("Resolved."))


def _outcome(request, back, fragment, f, message="", *, notice=None):
    """How a write on one follow-up answers: htmx gets the item's fragment (409, with the
    notice, when someone got there first); a plain post goes back with a message."""
    if request.htmx:
        return fragment(f, status=409 if notice else 200, notice=notice)
    if notice:
        messages.warning(request, notice)
    else:
        messages.success(request, message)
    return redirect(back)


@login_required
@require_POST
def reopen(request, team, kind, pk):
    team, membership = get_team_for(request, team, write=True)
    item = followups.get_follow_up(team, kind, pk)
    back = _next_url(request, reverse("peer:follow_ups", args=[team.slug]))
    today = local_today(team)
    fragment = partial(_item_response, request, team, membership)
    try:
        item = followups.reopen(item, membership)
    except followups.NotResolved as refused:
        f = followups.FollowUp.of(refused.item, today)
        return _outcome(request, back, fragment, f, notice=_("Someone reopened this already."))
    return _outcome(request, back, fragment, followups.FollowUp.of(item, today), _("Reopened."))


# --- the mentoring queue ----------------------------------------------------------------


@login_required
@require_GET
def mentor_queue(request, team):
    team, membership = get_team_for(request, team)
    waiting, answered = followups.mentor_queue(team)
    today = local_today(team)
    waiting = [followups.FollowUp.of(q, today) for q in waiting]
    for f in waiting:
        f.form = MentorAnswerForm(item_id=f.pk)
    answered = list(answered[: ANSWERED_SHOWN + 1])
    return render(
        request,
        "peer/followups/mentoring.html",
        {
            "team": team,
            "membership": membership,
            "waiting": waiting,
            "answered": [followups.FollowUp.of(q, today) for q in answered[:ANSWERED_SHOWN]],
            "more_answered": len(answered) > ANSWERED_SHOWN,
            "next": request.get_full_path(),
        },
    )


def _mentor_response(request, team, membership, f, *, status=200, notice=None):
    context = {
        "team": team,
        "membership": membership,
        "f": f,
        "notice": notice,
        "next": request.POST.get("next", ""),
    }
    return render(request, "peer/followups/_mentor_item.html", context, status=status)


@login_required
@require_POST
def mentor_answer(request, team, pk):
    # Any active member answers, observers included: the mentor usually is one.
    team, membership = get_team_for(request, team)
    question = get_object_or_404(
        Question.objects.select_related("day", "asked_by", "answered_by", "resolved_by"),
        pk=pk,
        day__team=team,
        for_mentor=True,
    )
    back = _next_url(request, reverse("peer:mentor_queue", args=[team.slug]))
    today = local_today(team)
    form = MentorAnswerForm(request.POST, item_id=question.pk)
    if not form.is_valid():
        f = followups.FollowUp.of(question, today)
        f.form = form
        if request.htmx:
            return _mentor_response(request, team, membership, f, status=422)
        context = {"team": team, "membership": membership, "f": f, "next": back}
        return render(request, "peer/followups/mentor_answer.html", context, status=422)
    fragment = partial(_mentor_response, request, team, membership)
    try:
        question = followups.answer_for_mentor(question, membership, form.cleaned_data["answer"])
    except followups.AlreadyResolved as refused:
        notice = _("Already answered by %(name)s.") % {
            "name": refused.item.resolved_by or _("someone")
        }
        f = followups.FollowUp.of(refused.item, today)
        return _outcome(request, back, fragment, f, notice=notice)
    f = followups.FollowUp.of(question, today)
    return _outcome(request, back, fragment, f, _("Answer saved."))
