"""The archive by date: a year of months, a month's calendar, one week, and the decision log.

Every page here only reads, so every active member sees it, observers included. Each
runs a fixed number of queries: the days of the range with their counts annotated
(DayQuerySet.with_counts), the range's skipped dates, and for the month and the week
the moderator schedule of the range, which names who moderates a date not yet recorded.
"""

import calendar
import datetime
import itertools
from collections import Counter
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import schedule, weeks
from ..access import get_team_for
from ..forms.weeks import WeekRetroForm
from ..jekyll import week_post as jekyll_week
from ..models import Attendance, Day, SkippedDate, Suggestion, WeekRetro
from ..services import Conflict

# Years a page may show: far enough either way for any real team, and a week's
# neighbours (a date ± 7 days) never leave the range Python's dates can hold.
FIRST_YEAR, LAST_YEAR = 1900, 2200
ONE_WEEK = datetime.timedelta(days=7)
DECISIONS_PER_PAGE = 50
DECIDED = (Suggestion.Status.ACCEPTED, Suggestion.Status.REJECTED)

# Monday first, as Korean calendars are printed (월화수목금토일).
_calendar = calendar.Calendar(firstweekday=calendar.MONDAY)


@dataclass
class Cell:
    """One date of a calendar and what the team has on it."""

    date: datetime.date
    in_range: bool = True  # False for the neighbouring months' dates that fill a grid
    day: Day | None = None  # the recorded day, with its counts annotated
    slot: schedule.Slot | None = None  # a session date not recorded (yet)
    skipped: SkippedDate | None = None
    local_today: datetime.date | None = None  # the team's today

    @property
    def has_content(self) -> bool:
        return self.in_range and bool(self.day or self.slot or self.skipped)

    @property
    def today(self) -> bool:
        return self.date == self.local_today

    @property
    def past(self) -> bool:
        return self.local_today is not None and self.date < self.local_today

    @property
    def future(self) -> bool:
        return self.local_today is not None and self.date > self.local_today


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404("No such year")


def _days(team, start: datetime.date, end: datetime.date):
    return Day.objects.for_team(team).filter(date__range=(start, end)).with_counts()


def _skipped(team, start: datetime.date, end: datetime.date) -> dict[datetime.date, SkippedDate]:
    return {s.date: s for s in SkippedDate.objects.filter(team=team, date__range=(start, end))}


def _cells(team, start: datetime.date, end: datetime.date, days) -> dict[datetime.date, Cell]:
    """Every date of [start, end] with its recorded day, skip, or scheduled session.

    A session date with no record is shown from the rotation's first day on only
    (schedule.anchor): before the team began, a weekday is just a weekday.
    """
    today = schedule.local_today(team)
    dates = (start + datetime.timedelta(days=i) for i in range((end - start).days + 1))
    cells = {date: Cell(date, local_today=today) for date in dates}
    for day in days:
        cells[day.date].day = day
    for date, skipped in _skipped(team, start, end).items():
        cells[date].skipped = skipped
    for slot in schedule.schedule(team, start, end):
        # Before the rotation's first day a slot has neither number nor moderator.
        if slot.day is None and (slot.number or slot.moderator):
            cells[slot.date].slot = slot
    return cells


def _adjacent_month(first: datetime.date, step: int) -> datetime.date | None:
    """The first of the month `step` months from `first`'s, if it is in range."""
    year, month = divmod(first.year * 12 + first.month - 1 + step, 12)
    return datetime.date(year, month + 1, 1) if FIRST_YEAR <= year <= LAST_YEAR else None


def _months_of(year: int, days: dict, skipped: dict, today: datetime.date) -> list[dict]:
    """The year's twelve small calendars: for each month its weeks of cells and its count."""
    months = []
    for number in range(1, 13):
        weeks = [
            [
                Cell(date, local_today=today)
                if date.month == number
                else Cell(date, in_range=False)
                for date in week
            ]
            for week in _calendar.monthdatescalendar(year, number)
        ]
        for cell in itertools.chain.from_iterable(weeks):
            if cell.in_range:
                cell.day, cell.skipped = days.get(cell.date), skipped.get(cell.date)
        recorded = sum(1 for date in days if date.month == number)
        months.append(
            {"first": datetime.date(year, number, 1), "weeks": weeks, "recorded": recorded}
        )
    return months


@login_required
def year(request, team, year):
    team, membership = get_team_for(request, team)
    _check_year(year)
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    days = {d.date: d for d in Day.objects.for_team(team).filter(date__range=(start, end))}
    for day in days.values():
        day.team = team  # display_title reads the team: no query per day
    skipped = _skipped(team, start, end)
    months = _months_of(year, days, skipped, schedule.local_today(team))
    return render(
        request,
        "peer/archive/year.html",
        {
            "team": team,
            "membership": membership,
            "year": year,
            "months": months,
            "weekdays": _calendar.monthdatescalendar(year, 1)[0],
            "total": len(days),
            "years": Day.objects.for_team(team).dates("date", "year", order="DESC"),
            "previous": year - 1 if year > FIRST_YEAR else None,
            "next": year + 1 if year < LAST_YEAR else None,
        },
    )


@login_required
def month(request, team, year, month):
    team, membership = get_team_for(request, team)
    _check_year(year)
    if not 1 <= month <= 12:
        raise Http404("No such month")
    first = datetime.date(year, month, 1)
    last = first.replace(day=calendar.monthrange(year, month)[1])
    days = list(_days(team, first, last).order_by("date"))
    cells = _cells(team, first, last, days)
    weeks = [
        {
            "start": week[0],
            "cells": [cells.get(date) or Cell(date, in_range=False) for date in week],
        }
        for week in _calendar.monthdatescalendar(year, month)
    ]
    for week in weeks:
        week["has_content"] = any(c.has_content for c in week["cells"])
    return render(
        request,
        "peer/archive/month.html",
        {
            "team": team,
            "membership": membership,
            "first": first,
            "weeks": weeks,
            "weekdays": weeks[0]["cells"],
            "days": days,
            "n_skipped": sum(1 for c in cells.values() if c.skipped),
            "previous": _adjacent_month(first, -1),
            "next": _adjacent_month(first, +1),
        },
    )


def _attendance_summary(day: Day) -> list[tuple[str, int]]:
    """(status label, count) for each attendance status the day has, in the model's order.

    Empty when everyone was present: the "n/m" beside the moderator says it all then.
    """
    counts = Counter(a.status for a in day.attendances.all())
    if set(counts) <= {Attendance.Status.PRESENT}:
        return []
    return [(label, counts[value]) for value, label in Attendance.Status.choices if counts[value]]


@login_required
def week(request, team, date):
    team, membership = get_team_for(request, team)
    _check_year(date.year)
    form = WeekRetroForm(instance=None, team=team) if membership.can_write else None
    return _week_page(request, team, membership, date, form)


def _week_page(request, team, membership, date, form, *, status=200, theirs=None):
    """The week's days and its roll-up (sessions/weeks.py), with the team retrospective's
    form for writers (bound to what was typed when a save came back)."""
    monday = date - datetime.timedelta(days=date.weekday())
    sunday = monday + datetime.timedelta(days=6)
    days = list(weeks.days_of(team, monday).with_counts())
    for day in days:
        day.attendance_summary = _attendance_summary(day)
    cells = _cells(team, monday, sunday, days)
    rollup = weeks.week_of(team, membership, date, days)
    if form is not None and not form.is_bound:
        form = WeekRetroForm(instance=rollup.retro, team=team)
    # The neighbouring weeks keep the weekday: "last week" from a Wednesday is that Wednesday.
    previous, following = date - ONE_WEEK, date + ONE_WEEK
    return render(
        request,
        "peer/archive/week.html",
        {
            "team": team,
            "membership": membership,
            "date": date,
            "monday": monday,
            "sunday": sunday,
            "cells": list(cells.values()),
            "week": rollup,
            "form": form,
            "theirs": theirs,
            "previous": previous if previous.year >= FIRST_YEAR else None,
            "next": following if following.year <= LAST_YEAR else None,
        },
        status=status,
    )


@login_required
def week_post(request, team, date):
    """The week as a "N주차 팀 회고" Jekyll post to download (sessions/jekyll/week_post.py)."""
    team, membership = get_team_for(request, team)
    _check_year(date.year)
    text = jekyll_week.render_week_post(team, membership, date)
    response = HttpResponse(text, content_type="text/markdown; charset=utf-8")
    name = jekyll_week.filename(team, weeks.monday_of(date))
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@login_required
@require_POST
def week_retro(request, team, date):
    """Save the week's team retrospective (any writing member)."""
    team, membership = get_team_for(request, team, write=True)
    _check_year(date.year)
    monday = weeks.monday_of(date)
    form = WeekRetroForm(request.POST, instance=None, team=team)
    if not form.is_valid():
        return _week_page(request, team, membership, date, form, status=422)
    try:
        weeks.save_retro(
            form,
            team=team,
            monday=monday,
            expected_version=form.expected_version,
            user=request.user,
        )
    except (Conflict, IntegrityError):  # saved from another window since this one loaded
        theirs = WeekRetro.objects.filter(team=team, monday=monday).first()
        data = request.POST.copy()
        data["version"] = str(theirs.version if theirs else 0)
        form = WeekRetroForm(data, instance=None, team=team)
        form.is_valid()
        return _week_page(request, team, membership, date, form, status=409, theirs=theirs)
    messages.success(request, _("The team retrospective is saved."))
    return redirect(reverse("peer:archive_week", args=[team.slug, date]) + "#team-retro")


@login_required
def decisions(request, team):
    team, membership = get_team_for(request, team)
    status = request.GET.get("status")
    statuses = (status,) if status in DECIDED else DECIDED
    if status not in DECIDED:
        status = ""
    suggestions = (
        Suggestion.objects.filter(day__team=team, status__in=statuses)
        .select_related("day")
        .order_by("-day__date", "position", "pk")
    )
    page = Paginator(suggestions, DECISIONS_PER_PAGE).get_page(request.GET.get("page"))
    months = [
        {"first": first, "items": list(items)}
        for first, items in itertools.groupby(
            page.object_list, key=lambda s: s.day.date.replace(day=1)
        )
    ]
    counts = Suggestion.objects.filter(day__team=team).aggregate(
        accepted=Count("pk", filter=Q(status=Suggestion.Status.ACCEPTED)),
        rejected=Count("pk", filter=Q(status=Suggestion.Status.REJECTED)),
    )
    return render(
        request,
        "peer/archive/decisions.html",
        {
            "team": team,
            "membership": membership,
            "page": page,
            "months": months,
            "status": status,
            "counts": counts,
        },
    )
