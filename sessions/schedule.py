"""The session calendar and the moderator rotation.

Session dates are the team's weekdays from its first session day, less skipped
dates. The rotation walks the team's participants in order, one per session
date; a ModeratorAssignment (a swap or a substitute) overrides a date.
"""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import transaction

from .models import Day, Membership, ModeratorAssignment, SkippedDate, Team


def anchor(team: Team) -> datetime.date:
    """The date rotation and day numbers count from."""
    if team.starts_on:
        return team.starts_on
    first = Day.objects.filter(team=team).order_by("date").values_list("date", flat=True).first()
    return first or team.created_at.astimezone(team.tz).date()


def _skipped(team: Team, start: datetime.date, end: datetime.date) -> set[datetime.date]:
    return set(
        SkippedDate.objects.filter(team=team, date__range=(start, end)).values_list(
            "date", flat=True
        )
    )


def session_dates(team: Team, start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """Every session date in [start, end], in order."""
    if end < start:
        return []
    skipped = _skipped(team, start, end)
    weekdays = team.weekdays
    dates, date = [], start
    while date <= end:
        if date.weekday() in weekdays and date not in skipped:
            dates.append(date)
        date += datetime.timedelta(days=1)
    return dates


def is_session_date(team: Team, date: datetime.date) -> bool:
    return (
        team.is_session_weekday(date)
        and not SkippedDate.objects.filter(team=team, date=date).exists()
    )


def next_session_dates(team: Team, after: datetime.date, count: int) -> list[datetime.date]:
    """The next `count` session dates on or after `after` (none if the team has no weekdays)."""
    if not team.weekdays:
        return []
    dates: list[datetime.date] = []
    start = after
    while len(dates) < count:
        end = start + datetime.timedelta(days=max(14, count * 3))
        dates += session_dates(team, start, end)
        start = end + datetime.timedelta(days=1)
    return dates[:count]


def day_number(team: Team, date: datetime.date) -> int | None:
    """DayN of a date on the calendar: its place among session dates since the anchor."""
    start = anchor(team)
    if date < start:
        return None
    return len(session_dates(team, start, date)) or None


def rotation(team: Team) -> list[Membership]:
    """The participants in the team's rotation order ([] when rotation is manual)."""
    members = list(Membership.objects.participants().filter(team=team))
    if team.rotation == Team.Rotation.MANUAL:
        return []
    if team.rotation == Team.Rotation.NAME:
        # Hangul syllables are encoded in 가나다 order, so code-point order is Korean order.
        return sorted(members, key=lambda m: (m.display_name, m.pk))
    return sorted(members, key=lambda m: (m.rotation_order, m.display_name, m.pk))


@dataclass(frozen=True)
class Slot:
    date: datetime.date
    number: int | None
    moderator: Membership | None
    source: str  # "recorded" (the day's own), "assigned" (swap/substitute), "rotation", ""


def schedule(team: Team, start: datetime.date, end: datetime.date) -> list[Slot]:
    """Who moderates each session date in [start, end].

    A recorded day's moderator wins, then an assignment, then the rotation.
    """
    origin = anchor(team)
    members = rotation(team)
    # Count the session dates between the anchor and `start` once, then walk forward.
    before = len(session_dates(team, origin, start - datetime.timedelta(days=1)))
    dates = session_dates(team, start, end)
    days = {
        d.date: d
        for d in Day.objects.filter(team=team, date__range=(start, end)).select_related("moderator")
    }
    assigned = {
        a.date: a.member
        for a in ModeratorAssignment.objects.filter(
            team=team, date__range=(start, end)
        ).select_related("member")
    }
    slots = []
    for offset, date in enumerate(dates):
        index = before + offset if date >= origin else None
        day = days.get(date)
        if day is not None and day.moderator_id:
            slots.append(Slot(date, day.number, day.moderator, "recorded"))
        elif date in assigned:
            slots.append(Slot(date, _number(index), assigned[date], "assigned"))
        elif members and index is not None:
            slots.append(Slot(date, _number(index), members[index % len(members)], "rotation"))
        else:
            slots.append(Slot(date, _number(index), None, ""))
    return slots


def _number(index: int | None) -> int | None:
    return None if index is None else index + 1


def scheduled_moderator(team: Team, date: datetime.date) -> Membership | None:
    slots = schedule(team, date, date)
    return slots[0].moderator if slots else None


def upcoming_duties(
    membership: Membership, today: datetime.date, count: int = 10
) -> Iterator[Slot]:
    """The member's moderator days among the team's next `count` session dates."""
    team = membership.team
    dates = next_session_dates(team, today, count)
    if not dates:
        return iter(())
    return (s for s in schedule(team, dates[0], dates[-1]) if s.moderator == membership)


def assign(team: Team, date: datetime.date, member: Membership, *, user) -> None:
    ModeratorAssignment.objects.update_or_create(
        team=team, date=date, defaults={"member": member, "set_by": user}
    )


def swap(team: Team, first: datetime.date, second: datetime.date, *, user) -> None:
    """Exchange the moderators of two session dates."""
    with transaction.atomic():
        # Lock the team's assignments so two swaps at once cannot interleave.
        list(ModeratorAssignment.objects.select_for_update().filter(team=team))
        a, b = (scheduled_moderator(team, first), scheduled_moderator(team, second))
        if a is None or b is None:
            raise ValueError("both dates need a moderator to swap")
        assign(team, first, b, user=user)
        assign(team, second, a, user=user)
        Day.objects.filter(team=team, date=first).update(moderator=b)
        Day.objects.filter(team=team, date=second).update(moderator=a)
