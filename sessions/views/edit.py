"""Editing a day together: the edit page and one small endpoint per part of the day.

Each part saves on its own and answers with its re-rendered fragment (htmx).
Validation errors answer 422 with the form as typed; a save from a stale
version answers 409 with both versions; neither writes anything.

Reviews are changed only by the day's moderator and admins. A closed day refuses
every write here with 403; each member's own log (views/logs.py) stays editable.
"""

import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Value
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .. import page_cache, reviewers, services
from ..access import (
    get_day_for,
    may_edit_items,
    require_item_writer,
    require_open,
)
from ..day_templates import item_start
from ..decorators import refuse_when_closed
from ..forms.day import SessionForm, attendance_formset
from ..kinds import KINDS
from ..live.names import colour_of
from ..models import Day, MemberLog


def _kind(slug: str):
    try:
        return KINDS[slug]
    except KeyError:
        raise Http404("No such kind of item") from None


def _list_changed(response: HttpResponse, kind) -> HttpResponse:
    """Ask the page to refresh a list (after a create, move or delete)."""
    response["HX-Trigger"] = json.dumps({"studylog:list-changed": {"kind": kind.slug}})
    return response


def state_of(day: Day) -> dict:
    """What the page compares against to see others' changes: versions, order, closing.
    One query for the items of every kind."""
    rows = [
        kind.model.objects.filter(day=day)
        .order_by()
        .annotate(k=Value(slug))
        .values_list("k", "position", "pk", "version")
        for slug, kind in KINDS.items()
    ]
    lists = {slug: [] for slug in KINDS}
    for slug, _position, pk, version in (
        rows[0].union(*rows[1:], all=True).order_by("k", "position", "pk")
    ):
        lists[slug].append(f"{pk}:{version}")
    return {
        "session": day.version,
        "lists": {slug: ",".join(each) for slug, each in lists.items()},
        "closed": day.is_closed,
    }


def live_editing(request, day, membership, my_log) -> dict | None:
    """What the editor's live layer needs (static/js/live.js), or None without it."""
    if not settings.LIVE_EDITING:
        return None
    args = [day.team.slug, day.iso]
    return {
        "url": f"/ws/teams/{args[0]}/days/{args[1]}/",
        "log_url": f"/ws/teams/{args[0]}/days/{args[1]}/log/" if my_log and my_log.pk else "",
        "user": json.dumps(
            {
                "id": membership.pk,
                "name": membership.display_name,
                "color": colour_of(membership.pk),
                "colorLight": colour_of(membership.pk) + "33",
            },
            ensure_ascii=False,
        ),
        "can_write": membership.can_write and not day.is_closed,
    }


@page_cache.cached
@login_required
def day_edit(request, team, date):
    team, membership, day = get_day_for(
        request, team, date, write=True, queryset=Day.objects.for_record()
    )
    sections = [
        {
            "kind": kind,
            "items": getattr(day, kind.related).all(),
            "editable": may_edit_items(kind.slug, day, membership),
        }
        for kind in KINDS.values()
    ]
    can_moderate = day.can_moderate(membership)
    my_log = MemberLog.objects.own(day, membership) if membership.can_write else None
    context = {
        "team": team,
        "membership": membership,
        "day": day,
        "sections": sections,
        "can_moderate": can_moderate,
        "state": json.dumps(state_of(day)),
        "live": live_editing(request, day, membership, my_log),
        "my_log": my_log,
        # Members with no account: their logs are written by an admin or the moderator.
        "name_only": list(team.memberships.participants().filter(user=None))
        if can_moderate
        else [],
    }
    return page_cache.render(request, team, "peer/day_edit.html", context)


@page_cache.cached
@login_required
@require_GET
def day_state(request, team, date):
    team, membership, day = get_day_for(request, team, date)
    return page_cache.render_json(team, state_of(day))


def _session_context(team, membership, day, **extra):
    return {"team": team, "membership": membership, "day": day, **extra}


@login_required
@require_GET
def session_panel(request, team, date):
    team, membership, day = get_day_for(request, team, date, queryset=Day.objects.for_record())
    return render(request, "peer/edit/_session.html", _session_context(team, membership, day))


def _refuse_handover(form, *, moderator_id, can_moderate: bool) -> bool:
    """A member who does not run the day may not hand it to someone else (and so take
    its moderator's rights); a day without a moderator may be given one by anyone.
    `moderator_id` and `can_moderate` are from before validation, which overwrites them."""
    chosen = form.cleaned_data.get("moderator")
    if moderator_id is None or can_moderate or (chosen and chosen.pk) == moderator_id:
        return False
    form.add_error("moderator", _("Only the day's moderator or an admin can change it."))
    return True


@login_required
@refuse_when_closed
def session_edit(request, team, date):
    team, membership, day = get_day_for(request, team, date, write=True)
    require_open(day)
    moderator_id = day.moderator_id  # the form's validation overwrites day.moderator
    can_moderate = day.can_moderate(membership)
    data = request.POST if request.method == "POST" else None
    form = SessionForm(data, instance=day, team=team)
    formset = attendance_formset(day, data)
    status = 200
    if data is not None:
        if (
            form.is_valid()
            and formset.is_valid()
            and not _refuse_handover(form, moderator_id=moderator_id, can_moderate=can_moderate)
        ):
            try:
                services.save_session(
                    form, formset, expected_version=form.expected_version, user=request.user
                )
            except services.Conflict:
                theirs = Day.objects.for_record().get(pk=day.pk)
                data = data.copy()
                data["version"] = theirs.version  # saving again now is a deliberate overwrite
                mine = Day.objects.get(pk=day.pk)
                form = SessionForm(data, instance=mine, team=team)
                formset = attendance_formset(mine, data)
                form.is_valid() and formset.is_valid()
                return render(
                    request,
                    "peer/edit/_session_form.html",
                    _session_context(
                        team, membership, mine, form=form, formset=formset, theirs=theirs
                    ),
                    status=409,
                )
            day = Day.objects.for_record().get(pk=day.pk)
            return render(
                request, "peer/edit/_session.html", _session_context(team, membership, day)
            )
        status = 422
    return render(
        request,
        "peer/edit/_session_form.html",
        _session_context(team, membership, day, form=form, formset=formset),
        status=status,
    )


def _item_context(team, membership, day, kind, **extra):
    return {
        "team": team,
        "membership": membership,
        "day": day,
        "kind": kind,
        "editable": may_edit_items(kind.slug, day, membership),
        **extra,
    }


def _item_writer(request, team, date, kind, *, closed_ok: bool = False):
    """The day for a change to one kind of item: a writer, the moderator or an admin
    for reviews, and the day open (unless `closed_ok`)."""
    team, membership, day = get_day_for(request, team, date, write=True)
    require_item_writer(day, membership, kind, closed_ok=closed_ok)
    return team, membership, day


def _save(kind, form, *, expected_version, user):
    """Save an item (refused if the day closed meanwhile); a review also goes through
    the presenters' double-booking check."""
    return reviewers.save_any(kind, form, expected_version=expected_version, user=user)


def _get_item(kind, day, pk):
    return get_object_or_404(kind.queryset(day), pk=pk)


@login_required
@require_GET
def item_list(request, team, date, kind):
    kind = _kind(kind)
    team, membership, day = get_day_for(request, team, date)
    return render(
        request,
        "peer/edit/_list.html",
        _item_context(team, membership, day, kind, items=kind.queryset(day)),
    )


@login_required
@require_GET
def item_detail(request, team, date, kind, pk):
    kind = _kind(kind)
    team, membership, day = get_day_for(request, team, date)
    item = kind.queryset(day).filter(pk=pk).first()
    if item is None:  # deleted meanwhile (or never here): the page drops the card
        return _list_changed(_gone(HttpResponse("")), kind)
    return render(
        request, "peer/edit/_item.html", _item_context(team, membership, day, kind, item=item)
    )


@login_required
@refuse_when_closed
def item_create(request, team, date, kind):
    kind = _kind(kind)
    cancel = request.method == "GET" and "cancel" in request.GET
    # Cancelling writes nothing: on a day closed meanwhile it just gives back an empty slot.
    team, membership, day = _item_writer(request, team, date, kind, closed_ok=cancel)
    if cancel:
        return render(request, "peer/edit/_add.html", _item_context(team, membership, day, kind))
    data = request.POST if request.method == "POST" else None
    form = kind.form(data, team=team, instance=kind.model(day=day, **item_start(kind.slug, day)))
    if data is not None:
        if form.is_valid():
            try:
                _save(kind, form, expected_version=None, user=request.user)
            except reviewers.DoubleBooked as booked:
                form.double_booked(booked.member)
            else:
                response = render(
                    request, "peer/edit/_add.html", _item_context(team, membership, day, kind)
                )
                return _list_changed(response, kind)
        status = 422
    else:
        status = 200
    return render(
        request,
        "peer/edit/_item_form.html",
        _item_context(team, membership, day, kind, form=form, item=None),
        status=status,
    )


@login_required
@refuse_when_closed
def item_edit(request, team, date, kind, pk):
    kind = _kind(kind)
    team, membership, day = _item_writer(request, team, date, kind)
    data = request.POST if request.method == "POST" else None
    item = kind.queryset(day).filter(pk=pk).first()
    if item is None:
        if data is None:
            raise Http404("No such item")
        # Deleted while this person was editing: show their text, ready to add again.
        context = _item_context(team, membership, day, kind, item=None)
        return _conflict(request, context, kind, day, data, services.Conflict(None))
    form = kind.form(data, team=team, instance=item)
    context = _item_context(team, membership, day, kind, form=form, item=item)
    if data is None:
        return render(request, "peer/edit/_item_form.html", context)
    if not form.is_valid():
        return render(request, "peer/edit/_item_form.html", context, status=422)
    try:
        item = _save(kind, form, expected_version=form.expected_version, user=request.user)
    except reviewers.DoubleBooked as booked:
        form.double_booked(booked.member)
        return render(request, "peer/edit/_item_form.html", context, status=422)
    except services.Conflict as conflict:
        return _conflict(request, context, kind, day, data, conflict)
    item = _get_item(kind, day, item.pk)
    return render(request, "peer/edit/_item.html", {**context, "item": item})


def _gone(response: HttpResponse) -> HttpResponse:
    """404 for an item that is not (or no longer) in this day. X-Item-Gone tells the
    page to swap the body in anyway, so whoever was editing it keeps their text."""
    response.status_code = 404
    response["X-Item-Gone"] = "1"
    return response


def _saved_by(team, item) -> str | None:
    """The name the team knows whoever last saved `item` by (their membership's
    display name), not their username; None if nobody in the team is known for it."""
    if item is None or item.updated_by_id is None:
        return None
    return (
        team.memberships.filter(user_id=item.updated_by_id)
        .values_list("display_name", flat=True)
        .first()
    )


def _conflict(request, context, kind, day, data, conflict):
    """Show both versions: theirs as saved, and the user's form as typed."""
    current = conflict.current
    if current is not None:
        current = _get_item(kind, day, current.pk)
        data = data.copy()
        data["version"] = current.version  # saving again now is a deliberate overwrite
        mine = _get_item(kind, day, current.pk)
        form = kind.form(data, team=context["team"], instance=mine)
    else:
        form = kind.form(data, team=context["team"], instance=kind.model(day=day))
    form.is_valid()
    response = render(
        request,
        "peer/edit/_conflict.html",
        {
            **context,
            "form": form,
            "current": current,
            "saved_by": _saved_by(context["team"], current),
        },
        status=409,
    )
    return response if current is not None else _gone(response)


@login_required
@require_POST
@refuse_when_closed
def item_delete(request, team, date, kind, pk):
    kind = _kind(kind)
    team, membership, day = _item_writer(request, team, date, kind)
    item = _get_item(kind, day, pk)
    try:
        expected = int(request.POST.get("version", ""))
    except ValueError:
        return HttpResponse("version required", status=400)
    try:
        services.delete_item(item, expected_version=expected, user=request.user)
    except services.Conflict:
        item = kind.queryset(day).filter(pk=pk).first()
        if item is None:
            return _list_changed(HttpResponse(""), kind)
        return render(
            request,
            "peer/edit/_item.html",
            _item_context(team, membership, day, kind, item=item, stale_delete=True),
            status=409,
        )
    return _list_changed(HttpResponse(""), kind)


@login_required
@require_POST
@refuse_when_closed
def item_move(request, team, date, kind, pk):
    kind = _kind(kind)
    team, membership, day = _item_writer(request, team, date, kind)
    item = _get_item(kind, day, pk)
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        return HttpResponse("direction must be up or down", status=400)
    services.move_item(item, direction)
    return _list_changed(HttpResponse(""), kind)
