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


def days_of(team, monday: datetime.date):
    """The week's days, with their attendance and its members: what week_of needs."""
    span = (monday, monday + datetime.timedelta(days=6))
    attendance = Attendance.objects.select_related("member")
    return (
        Day.objects.filter(team=team, date__range=span)
        .prefetch_related(Prefetch("attendances", queryset=attendance))
        .order_by("date")
    )


def week_of(team, membership, date: datetime.date, days: list | None = None) -> Week:
    """The week of `date`; `days` are days_of's for it, if the caller has them."""
    monday = monday_of(date)
    span = (monday, monday + datetime.timedelta(days=6))
    days = list(days_of(team, monday)) if days is None else days
    in_week = {"day__team": team, "day__date__range": span}
    order = ("day__date", "position", "pk")
    suggestions = list(Suggestion.objects.filter(**in_week).select_related("day").order_by(*order))
    decisions = [s for s in suggestions if s.status in DECIDED]
    questions = list(
        Question.objects.filter(**in_week)
        .select_related("day", "asked_by", "answered_by")
        .order_by(*order)
    )
    actions = list(
        ActionItem.objects.filter(**in_week).select_related("day", "owner").order_by(*order)
    )
    attendance = _attendance(days)
    logs = MemberLog.objects.filter(**in_week).select_related("day", "member").order_by("day__date")
    retros: dict = {}
    for log in logs:
        if log.retrospective.strip() and log.visible_to(membership):
            retros.setdefault(log.member, []).append(log)
    retro = WeekRetro.objects.filter(team=team, monday=monday).first()
    retro_by = ""
    if retro is not None and retro.updated_by_id is not None:
        saver = Membership.objects.filter(team=team, user_id=retro.updated_by_id)
        retro_by = saver.values_list("display_name", flat=True).first() or ""
    return Week(
        monday=monday,
        days=days,
        suggestions=suggestions,
        decisions=decisions,
        questions=questions,
        actions=actions,
        attendance=attendance,
        retros=sorted(retros.items(), key=lambda pair: pair[0].display_name),
        retro=retro or WeekRetro(team=team, monday=monday, version=0),
        retro_by=retro_by,
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
