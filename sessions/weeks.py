"""A team's week rolled up: its days, the decisions made, the questions asked (and those
still open), the action items, attendance, each member's retrospectives as the viewer
may see them, and the team's own retrospective of the week (models.WeekRetro).

A fixed number of queries whatever the week holds.
"""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Prefetch

from .models import (
    ActionItem,
    Attendance,
    Day,
    MemberLog,
    Membership,
    Question,
    Suggestion,
    WeekRetro,
)

DECIDED = (Suggestion.Status.ACCEPTED, Suggestion.Status.REJECTED, Suggestion.Status.DEFERRED)


def monday_of(date: datetime.date) -> datetime.date:
    return date - datetime.timedelta(days=date.weekday())


@dataclass
class MemberWeek:
    member: object
    statuses: list = field(default_factory=list)  # per day of the week, in order
    took_part: int = 0


@dataclass
class Week:
    monday: datetime.date
    days: list
    suggestions: list  # all of the week's
    decisions: list  # those decided (accepted, rejected, deferred)
    questions: list
    actions: list
    attendance: list  # MemberWeek, by member
    retros: list  # (member, [log, …]) with the logs the viewer may see
    retro: WeekRetro
    retro_by: str = ""  # the name in the team of who saved the team retrospective last

    @property
    def open_questions(self) -> list:
        return [q for q in self.questions if q.needs_follow_up and not q.is_resolved]


def days_of(team, monday: datetime.date, last: datetime.date | None = None):
    """The days from `monday` to that week's Sunday (or to `last`), with their attendance
    and its members: what week_of needs."""
    span = (monday, last or monday + datetime.timedelta(days=6))
    attendance = Attendance.objects.select_related("member")
    return (
        Day.objects.filter(team=team, date__range=span)
        .select_related("team", "moderator")  # a day's title names its team
        .prefetch_related(Prefetch("attendances", queryset=attendance))
        .order_by("date")
    )


def week_of(team, membership, date: datetime.date, days: list | None = None) -> Week:
    """The week of `date`; `days` are days_of's for it, if the caller has them."""
    monday = monday_of(date)
    [week] = _weeks(team, [monday], membership, days=days, with_logs=True).values()
    retro = week.retro
    if retro.pk is not None and retro.updated_by_id is not None:
        saver = Membership.objects.filter(team=team, user_id=retro.updated_by_id)
        week.retro_by = saver.values_list("display_name", flat=True).first() or ""
    return week


def weeks_of(team, mondays) -> dict[datetime.date, Week]:
    """Several weeks at once, in a fixed number of queries however many (the member's
    zip holds a post of each): without the members' retrospectives."""
    return _weeks(team, sorted(set(mondays)), None)


def _weeks(team, mondays: list, membership, *, days=None, with_logs=False) -> dict:
    if not mondays:
        return {}
    first, last = mondays[0], mondays[-1] + datetime.timedelta(days=6)
    days = list(days_of(team, first, last)) if days is None else days
    in_span = {"day__team": team, "day__date__range": (first, last)}
    order = ("day__date", "position", "pk")
    suggestions = Suggestion.objects.filter(**in_span).select_related("day").order_by(*order)
    questions = Question.objects.filter(**in_span).select_related("day", "asked_by", "answered_by")
    actions = ActionItem.objects.filter(**in_span).select_related("day", "owner")
    logs = MemberLog.objects.filter(**in_span).select_related("day", "member")
    parts = {
        "days": [(day.date, day) for day in days],
        "suggestions": [(s.day.date, s) for s in suggestions],
        "questions": [(q.day.date, q) for q in questions.order_by(*order)],
        "actions": [(a.day.date, a) for a in actions.order_by(*order)],
        "logs": [(log.day.date, log) for log in logs.order_by("day__date")] if with_logs else [],
    }
    retros = {r.monday: r for r in WeekRetro.objects.filter(team=team, monday__in=mondays)}
    found = {}
    for monday in mondays:
        sunday = monday + datetime.timedelta(days=6)
        of = {
            name: [row for date, row in rows if monday <= date <= sunday]
            for name, rows in parts.items()
        }
        found[monday] = _week(team, monday, of, retros.get(monday), membership)
    return found


def _week(team, monday, of: dict, retro, membership) -> Week:
    retros: dict = {}
    for log in of["logs"]:
        if log.retrospective.strip() and log.visible_to(membership):
            retros.setdefault(log.member, []).append(log)
    return Week(
        monday=monday,
        days=of["days"],
        suggestions=of["suggestions"],
        decisions=[s for s in of["suggestions"] if s.status in DECIDED],
        questions=of["questions"],
        actions=of["actions"],
        attendance=_attendance(of["days"]),
        retros=sorted(retros.items(), key=lambda pair: pair[0].display_name),
        retro=retro or WeekRetro(team=team, monday=monday, version=0),
    )


def _attendance(days: list) -> list[MemberWeek]:
    members: dict = {}
    for n, day in enumerate(days):
        for row in day.attendances.all():
            week = members.setdefault(row.member, MemberWeek(row.member, [None] * len(days)))
            week.statuses[n] = row
            week.took_part += row.took_part
    return sorted(members.values(), key=lambda week: week.member.display_name)


def save_retro(form, *, team, monday: datetime.date, expected_version: int, user) -> WeekRetro:
    """Save the week's team retrospective from a valid WeekRetroForm, refusing a save
    from a version someone else has moved on from (services.Conflict)."""
    from .services import Conflict  # services reaches the blog's catalogue, which reads weeks

    with transaction.atomic():
        current = (
            WeekRetro.objects.select_for_update(no_key=True)
            .filter(team=team, monday=monday)
            .first()
        )
        if (current.version if current else 0) != expected_version:
            raise Conflict(current)
        retro = current or WeekRetro(team=team, monday=monday, version=0)
        retro.retrospective = form.cleaned_data["retrospective"]
        retro.version += 1
        retro.updated_by = user
        retro.save()
        return retro
