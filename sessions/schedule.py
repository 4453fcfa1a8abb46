"""The session calendar and the moderator rotation.

Session dates are the team's weekdays from its first session day on, less its
skipped dates; a date's day number is its place among them. The rotation walks
the team's participants in order, one per session date, so any run of n
consecutive session dates gives each of k participants ⌊n/k⌋ or ⌈n/k⌉ turns.
A ModeratorAssignment (a swap or a substitute) overrides the rotation on its
date, and a recorded day's own moderator overrides both.
"""

import datetime
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import AssignmentReview, Day, Membership, ModeratorAssignment, SkippedDate, Team

ONE_DAY = datetime.timedelta(days=1)


def local_today(team: Team) -> datetime.date:
    """Today where the team meets: a Seoul team's Monday starts at midnight in Seoul."""
    return timezone.localdate(timezone=team.tz)


def anchor(team: Team) -> datetime.date:
    """The date the rotation counts from: the first session day, else the first day recorded."""
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


def _walk(
    team: Team, start: datetime.date, end: datetime.date, skipped: set[datetime.date]
) -> list[datetime.date]:
    """Session dates in [start, end], given the skipped dates of that range."""
    if team.starts_on and start < team.starts_on:
        start = team.starts_on
    weekdays = team.weekdays
    dates, date = [], start
    while date <= end:
        if date.weekday() in weekdays and date not in skipped:
            dates.append(date)
        if date == datetime.date.max:
            break
        date += ONE_DAY
    return dates


def session_dates(team: Team, start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """Every session date in [start, end], in order."""
    if end < start:
        return []
    return _walk(team, start, end, _skipped(team, start, end))


def is_session_date(team: Team, date: datetime.date) -> bool:
    if team.starts_on and date < team.starts_on:
        return False
    return (
        team.is_session_weekday(date)
        and not SkippedDate.objects.filter(team=team, date=date).exists()
    )


def next_session_dates(team: Team, after: datetime.date, count: int) -> list[datetime.date]:
    """The next `count` session dates on or after `after` (none if the team has no weekdays)."""
    if not team.weekdays:
        return []
    start = max(after, team.starts_on) if team.starts_on else after
    span = datetime.timedelta(days=max(14, count * 3))
    dates: list[datetime.date] = []
    while len(dates) < count:
        end = start + span if start <= datetime.date.max - span else datetime.date.max
        dates += session_dates(team, start, end)
        if end == datetime.date.max:  # the calendar itself ends here
            break
        start = end + ONE_DAY
    return dates[:count]


def day_number(team: Team, date: datetime.date) -> int | None:
    """DayN of a date: its place among session dates from the first session day.

    None when no session falls on the date, and when the team has not set its first
    session day: such a team numbers its days as it records them.
    """
    if team.starts_on is None or not is_session_date(team, date):
        return None
    return len(session_dates(team, team.starts_on, date))


def name_key(name: str) -> str:
    """Sort key for 가나다 order of display names.

    Precomposed Hangul syllables are encoded in dictionary order, so code-point order
    is 가나다 order once a name is NFC-normalised (some keyboards send decomposed
    jamo); casefold keeps Latin names in one case-blind order.
    """
    return unicodedata.normalize("NFC", name).casefold()


def rotation(team: Team) -> list[Membership]:
    """The participants in the team's rotation order ([] when rotation is manual)."""
    if team.rotation == Team.Rotation.MANUAL:
        return []
    members = list(Membership.objects.participants().filter(team=team))
    if team.rotation == Team.Rotation.NAME:
        return sorted(members, key=lambda m: (name_key(m.display_name), m.pk))
    return sorted(members, key=lambda m: (m.rotation_order, name_key(m.display_name), m.pk))


@dataclass(frozen=True)
class Slot:
    date: datetime.date
    number: int | None
    moderator: Membership | None
    source: str  # "recorded" (the day's own), "assigned" (swap/substitute), "rotation", ""
    day: Day | None = None  # the day recorded on this date, if any


def schedule(team: Team, start: datetime.date, end: datetime.date) -> list[Slot]:
    """Who moderates each session date in [start, end], oldest first.

    A recorded day's moderator wins, then an assignment, then the rotation. A day
    recorded off the calendar (a Saturday, a skipped date) is listed too, but takes
    no rotation turn.
    """
    if end < start:
        return []
    origin = anchor(team)
    members = rotation(team)
    skipped = _skipped(team, min(origin, start), end)
    # Turns taken before `start`: the session dates from the anchor up to it.
    turn = len(_walk(team, origin, start - ONE_DAY, skipped))
    on_calendar = set(_walk(team, start, end, skipped))
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
    for date in sorted(on_calendar | days.keys()):
        index = None
        if date in on_calendar and date >= origin:
            index, turn = turn, turn + 1
        day = days.get(date)
        number = day.number if day else _number(team, index)
        if day is not None and day.moderator_id:
            slots.append(Slot(date, number, day.moderator, "recorded", day))
        elif date in assigned and date in on_calendar:
            slots.append(Slot(date, number, assigned[date], "assigned", day))
        elif members and index is not None:
            slots.append(Slot(date, number, members[index % len(members)], "rotation", day))
        else:
            slots.append(Slot(date, number, None, "", day))
    return slots


def _number(team: Team, index: int | None) -> int | None:
    # Without a first session day the calendar has no day numbers (see day_number).
    return None if index is None or team.starts_on is None else index + 1


def slot_for(team: Team, date: datetime.date) -> Slot | None:
    """The date's slot, or None when there is neither a session nor a recorded day."""
    slots = schedule(team, date, date)
    return slots[0] if slots else None


def scheduled_moderator(team: Team, date: datetime.date) -> Membership | None:
    slot = slot_for(team, date)
    return slot.moderator if slot else None


def upcoming_duties(
    membership: Membership, today: datetime.date, count: int = 10
) -> Iterator[Slot]:
    """The member's moderator days among the team's next `count` session dates."""
    team = membership.team
    dates = next_session_dates(team, today, count)
    if not dates:
        return iter(())
    wanted = set(dates)  # leaves out days recorded off the calendar in between
    return (
        s
        for s in schedule(team, dates[0], dates[-1])
        if s.moderator == membership and s.date in wanted
    )


def upcoming_reviews(membership: Membership, today: datetime.date) -> list[AssignmentReview]:
    """Reviews the member presents on days dated today or later, soonest first."""
    return list(AssignmentReview.objects.presented_by(membership, since=today))


# --- writes ------------------------------------------------------------------------------


class AlreadySkipped(Exception):
    """Another admin skipped the same date a moment ago."""


def skip(form) -> SkippedDate:
    """Save a valid SkipForm: the date gets no session."""
    try:
        with transaction.atomic():
            return form.save()
    except IntegrityError as exc:
        raise AlreadySkipped from exc


class Unchangeable(ValueError):
    """The date's moderator cannot change: its day is closed, or nobody is scheduled."""


def _lock(team: Team) -> None:
    # Every schedule write locks the team row first, so two swaps (or a swap and a
    # substitute) on one team run one after the other and each sees the other's result.
    Team.objects.select_for_update().only("pk").get(pk=team.pk)


def _set_moderator(team: Team, date: datetime.date, member: Membership, user) -> None:
    day = Day.objects.select_for_update().filter(team=team, date=date).first()
    if day is not None and day.is_closed:
        raise Unchangeable(f"the day of {date} is closed")
    ModeratorAssignment.objects.update_or_create(
        team=team, date=date, defaults={"member": member, "set_by": user}
    )
    # A day already recorded on the date shows its own moderator, so it changes too; as
    # a new version, so an editor still holding the old one gets a conflict, not a revert.
    Day.objects.filter(team=team, date=date).exclude(moderator=member).update(
        moderator=member, version=F("version") + 1, updated_by=user, updated_at=timezone.now()
    )


def assign(team: Team, date: datetime.date, member: Membership, *, user) -> None:
    """Make `member` the moderator of `date` (a substitute), whoever was scheduled.

    Raises Unchangeable, writing nothing, if the date's day is closed."""
    with transaction.atomic():
        _lock(team)
        _set_moderator(team, date, member, user)


def swap(team: Team, first: datetime.date, second: datetime.date, *, user) -> None:
    """Exchange the moderators of two session dates.

    Raises Unchangeable, writing nothing, if either date has no moderator or a closed day."""
    with transaction.atomic():
        _lock(team)
        a, b = scheduled_moderator(team, first), scheduled_moderator(team, second)
        if a is None or b is None:
            raise Unchangeable("both dates need a moderator to swap")
        _set_moderator(team, first, b, user)
        _set_moderator(team, second, a, user)
