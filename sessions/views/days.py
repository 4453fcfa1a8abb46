"""Reading days: the archive, a day's learning record, one member's record; creating days."""

import datetime
import itertools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import comments, followups, fragments, page_cache, page_patch, schedule, services
from ..access import get_day_for, get_team_for, require_open
from ..forms.day import DayForm
from ..forms.followups import attach_resolve_forms
from ..models import Day, Membership
from ..models.validators import validate_date_range

DAYS_PER_PAGE = 20


@page_cache.cached
@login_required
def archive(request, team):
    team, membership = get_team_for(request, team)
    paginator = Paginator(Day.objects.for_team(team).with_counts(), DAYS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    weeks = [
        {"year": year, "week": week, "days": list(days)}
        for (year, week), days in itertools.groupby(
            page.object_list, key=lambda d: d.date.isocalendar()[:2]
        )
    ]
    for week in weeks:
        first = week["days"][0].date
        week["start"] = first - datetime.timedelta(days=first.weekday())  # that week's Monday
    return page_cache.render(
        request,
        team,
        "peer/archive.html",
        {"team": team, "membership": membership, "page": page, "weeks": weeks},
    )


@login_required
def day_create(request, team):
    team, membership = get_team_for(request, team, write=True)
    # The schedule links here with ?date=; otherwise the day is today (the team's today).
    try:
        date = datetime.date.fromisoformat(request.GET.get("date") or "")
        validate_date_range(date)
    except (ValueError, ValidationError):  # 0001-01-01 would overflow the schedule's steps
        date = schedule.local_today(team)
    initial = {
        "date": date,
        "number": services.new_day_number(team, date),
        "moderator": schedule.scheduled_moderator(team, date),
    }
    form = DayForm(request.POST or None, team=team, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            day = services.create_day(form, team=team, user=request.user)
        except IntegrityError:  # a teammate created the same date a moment ago
            form.add_error("date", _("This team already has a day on that date."))
        else:
            return redirect("peer:day_edit", team=team.slug, date=day.date)
    return render(
        request, "peer/day_new.html", {"team": team, "membership": membership, "form": form}
    )


def _record_context(team, membership, day):
    logs = [log for log in day.logs.all() if log.visible_to(membership)]
    neighbours = Day.objects.for_team(team).only("date", "number", "team_id")
    return {
        "team": team,
        "membership": membership,
        "day": day,
        "participants": [a.member for a in day.attendances.all() if a.took_part],
        "attendances": day.attendances.all(),
        "logs": logs,
        "study": [log for log in logs if log.links.all() or log.study_notes.strip()],
        "retros": [log for log in logs if log.retrospective.strip()],
        "previous": neighbours.filter(date__lt=day.date).order_by("-date").first(),
        "next": neighbours.filter(date__gt=day.date).order_by("date").first(),
        "can_write": membership.can_write,
        "items_html": fragments.render_items(day, team),
    }


@page_cache.cached
@login_required
def day_record(request, team, date):
    team, membership, day = get_day_for(request, team, date, queryset=Day.objects.for_record())
    context = _record_context(team, membership, day)
    # Follow-ups from earlier days still open (and those resolved on this date): 2 queries.
    carried = followups.carried_over(day)
    context["carried"] = attach_resolve_forms(carried, can_write=membership.can_write)
    context["threads"] = comments.threads_for_record(day, membership)  # 1 query
    refs = page_patch.refs_of(carried)  # shown outside their slots: no patch for them
    return page_cache.render(request, team, "peer/day_record.html", context, day=day, refs=refs)


@page_cache.cached
@login_required
def member_record(request, team, date, member):
    team, membership, day = get_day_for(request, team, date, queryset=Day.objects.for_record())
    subject = get_object_or_404(Membership, team=team, pk=member)
    context = _record_context(team, membership, day)
    context["subject"] = subject
    context["log"] = next((log for log in context["logs"] if log.member_id == subject.pk), None)
    return page_cache.render(request, team, "peer/member_record.html", context)


@login_required
@require_POST
def day_delete(request, team, date):
    team, membership, day = get_day_for(request, team, date, write=True)
    if not membership.is_admin:
        raise PermissionDenied
    require_open(day)  # a closed record is kept as it was; reopen it first
    day.delete()
    messages.success(request, _("The day was deleted."))
    return redirect("peer:archive", team=team.slug)
