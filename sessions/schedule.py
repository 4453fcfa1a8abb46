"""The session calendar and the moderator rotation.

Session dates are the team's weekdays from its first session day on, less its
skipped dates; a date's day number is its place among them. Who moderates each
session date is rotation.py's: the record, then swaps and substitutes
(ModeratorAssignment), then a queue that stays fair whatever changes.
"""

import datetime
import itertools
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from . import rotation as rotation_order
from .models import AssignmentReview, Day, Membership, ModeratorAssignment, SkippedDate, Team
from .webhooks import events as webhook_events

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


def rotation(team: Team, participants=None) -> list[Membership]:
    """The participants in the team's chosen order ([] when rotation is manual)."""
    if team.rotation == Team.Rotation.MANUAL:
        return []
    if participants is None:
        participants = Membership.objects.participants().filter(team=team)
    return sorted(participants, key=rotation_order.tie_key(team))


@dataclass(frozen=True)
class Slot:
    date: datetime.date
    number: int | None
    moderator: Membership | None
    source: str  # "recorded" (the day's own), "assigned" (swap/substitute), "rotation", ""
    day: Day | None = None  # the day recorded on this date, if any
    owner: Membership | None = None  # whose turn the date is (a substitute covers it)

    @property
    def is_fixed(self) -> bool:
        """Set by the record or by people (a recorded day, a swap, a substitute), not by
        the queue, which moves its picks aside by itself (rotation.py)."""
        return self.source in ("recorded", "assigned")

    @property
    def covered(self) -> bool:
        """Someone other than the turn's owner moderates it (a swap or a substitute)."""
        return None not in (self.owner, self.moderator) and self.owner != self.moderator


def schedule(team: Team, start: datetime.date, end: datetime.date) -> list[Slot]:
    """Who moderates each session date in [start, end], oldest first.

    rotation.py decides each date's turn from the first session date on. A day recorded
    off the calendar (a Saturday, a skipped date) is listed too, with its moderator,
    but takes no turn.
    """
    if end < start:
        return []
    origin = anchor(team)
    everyone = {m.pk: m for m in Membership.objects.filter(team=team)}
    participants = {pk: m for pk, m in everyone.items() if m.is_participant}
    queue = rotation(team, participants.values())
    # A date's pick looks one round ahead for turns already fixed (rotation.py).
    ahead = datetime.timedelta(days=7 * (len(participants) + 1))
    last = end + ahead if end <= datetime.date.max - ahead else datetime.date.max
    skipped = _skipped(team, min(origin, start), last)
    dates = _walk(team, origin, last, skipped)
    # The days in range are listed whole; the others only fix turns before and after them.
    fixed_days, days = {}, {}
    for day in Day.objects.filter(team=team, date__range=(min(origin, start), last)):
        if day.moderator_id:
            day.moderator = everyone[day.moderator_id]
        fixed_days[day.date] = day
        if start <= day.date <= end:
            days[day.date] = day
    assigned = {}
    for a in ModeratorAssignment.objects.filter(team=team, date__range=(origin, last)):
        a.member = everyone[a.member_id]
        a.owner = everyone.get(a.owner_id)
        assigned[a.date] = a
    turns = rotation_order.plan(
        team,
        dates,
        members=queue,
        participants=participants,
        days=fixed_days,
        assignments=assigned,
        first_date=dates[0] if dates else None,
    )
    index = {date: i for i, date in enumerate(dates)}
    on_calendar = set(_walk(team, start, end, skipped))
    slots = []
    for date in sorted(on_calendar | days.keys()):
        day = days.get(date)
        position = index.get(date)
        number = day.number if day else _number(team, position)
        if position is not None:
            turn = turns[position]
            slots.append(Slot(date, number, turn.moderator, turn.source, day, turn.owner))
        elif day is not None and day.moderator_id:
            slots.append(Slot(date, number, day.moderator, "recorded", day, day.moderator))
        elif date in assigned and date in on_calendar:
            slots.append(Slot(date, number, assigned[date].member, "assigned", day))
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
    """Save a valid SkipForm: the date gets no session.

    Raises BackToBack, writing nothing, if the session dates on either side of it have
    one and the same fixed moderator (a recorded day, a swap or a substitute)."""
    team, date = form.instance.team, form.cleaned_data["date"]
    try:
        with transaction.atomic():
            _lock(team)
            if clash := joined_by_skipping(team, date):
                raise BackToBack(*clash)
            runs = _runs(team, [date])
            skipped = form.save()
            _refuse_new_runs(team, runs, [date])
            return skipped
    except IntegrityError as exc:
        raise AlreadySkipped from exc


def joined_by_skipping(team: Team, date: datetime.date) -> tuple[Membership, datetime.date] | None:
    """The member who would moderate two session dates in a row if `date` were skipped,
    and the date after it."""
    before = _previous_session_date(team, date)
    after = [d for d in next_session_dates(team, date + ONE_DAY, 2) if d != date][:1]
    if before is None or not after:
        return None
    fixed = _fixed_moderators(team, [before, after[0]])
    if fixed.get(before) is not None and fixed[before] == fixed.get(after[0]):
        return fixed[before], after[0]
    return None


def _previous_session_date(team: Team, date: datetime.date) -> datetime.date | None:
    """The last session date before `date` within two weeks (a long break has none)."""
    dates = session_dates(team, date - 14 * ONE_DAY, date - ONE_DAY)
    return dates[-1] if dates else None


def _fixed_moderators(team: Team, span: list[datetime.date]) -> dict[datetime.date, Membership]:
    """The moderators of the fixed slots (Slot.is_fixed) among these dates."""
    return {s.date: s.moderator for s in schedule(team, span[0], span[-1]) if s.is_fixed}


class Unchangeable(ValueError):
    """The date's moderator cannot change: its day is closed, or nobody is scheduled."""


class BackToBack(Unchangeable):
    """The change would have someone moderate two session dates in a row."""

    def __init__(self, member: Membership, date: datetime.date):
        super().__init__(f"{member} would moderate {date} and the session date next to it")
        self.member = member
        self.date = date


def back_to_back(
    team: Team, changes: dict[datetime.date, Membership]
) -> tuple[Membership, datetime.date] | None:
    """The first member whom these new moderators (by date) would have moderate two
    session dates in a row, and the date, or None. With one participant there is no one
    else, so nothing is refused."""
    if not changes or Membership.objects.participants().filter(team=team).count() < 2:
        return None
    first, last = min(changes), max(changes)
    before = _previous_session_date(team, first)
    after = next_session_dates(team, last + ONE_DAY, 1)
    span = [*([before] if before else []), *session_dates(team, first, last), *after]
    moderator = {**_fixed_moderators(team, span), **changes}
    for one, two in itertools.pairwise(span):
        if (one in changes or two in changes) and moderator.get(one) is not None:
            if moderator[one] == moderator.get(two):
                return moderator[one], one if one in changes else two
    return None


def _runs(team: Team, around: list[datetime.date]) -> dict[tuple, Membership]:
    """Pairs of neighbouring session dates that one member moderates, within three weeks
    of these dates, by (date, next date, member)."""
    span = 21 * ONE_DAY
    start = min(around) - span if min(around) > datetime.date.min + span else min(around)
    end = max(around) + span if max(around) < datetime.date.max - span else max(around)
    on_calendar = set(session_dates(team, start, end))
    slots = [s for s in schedule(team, start, end) if s.date in on_calendar]
    return {
        (one.date, two.date, one.moderator.pk): one.moderator
        for one, two in itertools.pairwise(slots)
        if one.moderator is not None and one.moderator == two.moderator
    }


def _refuse_new_runs(team: Team, before: dict[tuple, Membership], around) -> None:
    """Raise BackToBack (rolling the change back) if it made someone moderate two session
    dates in a row: directly, or because nobody was free to cover a turn next to it
    (rotation.py), as in a team of two."""
    if Membership.objects.participants().filter(team=team).count() < 2:
        return
    after = _runs(team, around)
    if new := sorted(after.keys() - before.keys()):
        one, two, _member = new[0]
        raise BackToBack(after[new[0]], one if one in around else two)


def _lock(team: Team) -> None:
    # Every schedule write locks the team row first, so two swaps (or a swap and a
    # substitute) on one team run one after the other and each sees the other's result.
    Team.objects.select_for_update(no_key=True).only("pk").get(pk=team.pk)


def _set_moderator(
    team: Team, slot: Slot, member: Membership, user, *, kind: str, partner=None
) -> None:
    """`member` moderates the slot's date; the turn stays with its owner."""
    date = slot.date
    day = Day.objects.select_for_update(no_key=True).filter(team=team, date=date).first()
    if day is not None and day.is_closed:
        raise Unchangeable(f"the day of {date} is closed")
    owner = slot.owner or slot.moderator
    # Changing one date of a swap ends the swap: its other date keeps its moderator, who
    # agreed to it, as a substitute.
    ended = ModeratorAssignment.objects.filter(
        team=team, date=date, kind=ModeratorAssignment.Kind.SWAP
    ).values_list("partner_date", flat=True)
    ModeratorAssignment.objects.filter(team=team, date__in=list(ended)).exclude(
        date=partner
    ).update(kind=ModeratorAssignment.Kind.SUBSTITUTE, partner_date=None)
    if member == owner:  # the turn goes back to its owner: nothing is swapped any more
        ModeratorAssignment.objects.filter(team=team, date=date).delete()
    else:
        ModeratorAssignment.objects.update_or_create(
            team=team,
            date=date,
            defaults={
                "member": member,
                "owner": owner,
                "kind": kind,
                "partner_date": partner,
                "set_by": user,
            },
        )
    # A day already recorded on the date shows its own moderator, so it changes too; as
    # a new version, so an editor still holding the old one gets a conflict, not a revert.
    Day.objects.filter(team=team, date=date).exclude(moderator=member).update(
        moderator=member, version=F("version") + 1, updated_by=user, updated_at=timezone.now()
    )
    if day is not None and day.moderator_id != member.pk:
        webhook_events.moderator_changed(day, day.moderator, member)


def assign(team: Team, date: datetime.date, member: Membership, *, user) -> None:
    """Make `member` the moderator of `date` (a substitute), whoever was scheduled.

    The turn stays its owner's. Raises Unchangeable, writing nothing, if the date's day
    is closed, and BackToBack if the member moderates a session date next to it."""
    with transaction.atomic():
        _lock(team)
        slot = slot_for(team, date)
        if slot is None:
            raise Unchangeable(f"no session on {date}")
        if clash := back_to_back(team, {date: member}):
            raise BackToBack(*clash)
        runs = _runs(team, [date])
        _set_moderator(team, slot, member, user, kind=ModeratorAssignment.Kind.SUBSTITUTE)
        _refuse_new_runs(team, runs, [date])


def swap(team: Team, first: datetime.date, second: datetime.date, *, user) -> None:
    """Exchange the moderators of two session dates; each turn stays its owner's.

    Raises Unchangeable, writing nothing, if either date has no moderator or a closed day,
    and BackToBack if someone would moderate two session dates in a row."""
    with transaction.atomic():
        _lock(team)
        a, b = slot_for(team, first), slot_for(team, second)
        if a is None or b is None or a.moderator is None or b.moderator is None:
            raise Unchangeable("both dates need a moderator to swap")
        if clash := back_to_back(team, {first: b.moderator, second: a.moderator}):
            raise BackToBack(*clash)
        runs = _runs(team, [first, second])
        swap_kind = ModeratorAssignment.Kind.SWAP
        _set_moderator(team, a, b.moderator, user, kind=swap_kind, partner=second)
        _set_moderator(team, b, a.moderator, user, kind=swap_kind, partner=first)
        # A date whose turn went back to its owner holds no swap; its other date then
        # stands alone, a substitute.
        halves = ModeratorAssignment.objects.filter(team=team, date__in=(first, second))
        if len(halves) == 1:
            halves.update(kind=ModeratorAssignment.Kind.SUBSTITUTE, partner_date=None)
        _refuse_new_runs(team, runs, [first, second])
