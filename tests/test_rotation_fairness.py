"""The rotation stays fair under any change (sessions/rotation.py), checked with hypothesis.

A Monday-to-Friday team lives through a random sequence of steps: days pass (and are
recorded with the scheduled moderator, as a team that records every session does),
members join, leave and come back, the admin switches between name order and custom
order or reorders, dates are skipped, moderators swap and substitutes stand in. After
every step the schedule from the first day to four weeks ahead must keep:

- nobody moderates two session dates in a row (the team always has three participants
  or more);
- in every 28-day window, the turns (whose turn a date is; a substitute covers one)
  of the members who took part through the whole window differ by at most one. Not
  claimed (hypothesis found counterexamples): a window within a week of a swap or
  substitute made before a later change to the queue (a join, leave, comeback, skip,
  mode switch or reorder). Such a turn stays with the owner it had when it was made,
  while the queue around it now runs in another order;
- every swap and substitute still in force is still there, as made: the same member
  moderates the date, and it is still the same member's turn.
"""

import datetime
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from sessions import schedule
from sessions.models import Membership, ModeratorAssignment, SkippedDate, Team

from .factories import DayFactory, MembershipFactory, TeamFactory

ONE_DAY = datetime.timedelta(days=1)
START = datetime.date(2025, 3, 3)  # a Monday
HORIZON = 28 * ONE_DAY
# How far a swap or substitute made before the queue changed can move turns around it.
NEAR = 7 * ONE_DAY
NAMES = ["강민준", "고서연", "김도윤", "나하은", "박지유", "서수아", "오하늘", "윤다온", "장하람"]

steps = st.one_of(
    st.tuples(st.just("advance"), st.integers(1, 9)),
    st.tuples(st.just("join"), st.integers(0, 99)),
    st.tuples(st.just("leave"), st.integers(0, 99)),
    st.tuples(st.just("come_back"), st.integers(0, 99)),
    st.tuples(st.just("mode"), st.sampled_from([Team.Rotation.NAME, Team.Rotation.CUSTOM])),
    st.tuples(st.just("reorder"), st.permutations(range(len(NAMES)))),
    st.tuples(st.just("skip"), st.integers(0, 20)),
    st.tuples(st.just("swap"), st.integers(0, 20), st.integers(0, 20)),
    st.tuples(st.just("substitute"), st.integers(0, 20), st.integers(0, 99)),
)


class Timeline:
    """The team, the simulated today, and who took part when (for the fairness check)."""

    def __init__(self):
        self.today = START
        self.team = TeamFactory(session_weekdays="01234", starts_on=START)
        Team.objects.filter(pk=self.team.pk).update(
            created_at=datetime.datetime(2025, 2, 28, tzinfo=datetime.UTC)
        )
        self.team.refresh_from_db()
        self.members: list[Membership] = []
        self.step = 0
        # The step of the last change to the queue: a join, leave, comeback, skip, mode
        # switch or reorder.
        self.roster_changed = -1
        self.pinned: dict[datetime.date, int] = {}  # date -> step of its swap or substitute
        # member pk -> [(from, to or None)] periods of taking part
        self.periods: dict[int, list[list]] = {}
        for name in NAMES[:4]:
            self._join(name, founding=True)

    # --- steps ---------------------------------------------------------------------

    def _join(self, name: str, *, founding: bool = False) -> None:
        member = MembershipFactory(team=self.team, user=None, display_name=name)
        joined = datetime.datetime(2025, 2, 28, tzinfo=datetime.UTC)
        if not founding:
            joined = datetime.datetime.combine(self.today, datetime.time(1), tzinfo=datetime.UTC)
        Membership.objects.filter(pk=member.pk).update(joined_at=joined)
        member.refresh_from_db()
        self.members.append(member)
        self.periods[member.pk] = [[self.today if not founding else START, None]]

    def participants(self) -> list[Membership]:
        return [m for m in self.members if m.is_participant]

    def apply(self, step) -> None:
        kind, *args = step
        self.step += 1
        getattr(self, f"step_{kind}")(*args)
        if kind in ("join", "leave", "come_back", "skip", "mode", "reorder"):
            self.roster_changed = self.step
        for member in self.members:
            member.refresh_from_db()
        self.team.refresh_from_db()

    def step_advance(self, days: int) -> None:
        end = self.today + (days - 1) * ONE_DAY
        for slot in schedule.schedule(self.team, self.today, end):
            if slot.day is None and slot.moderator is not None:
                DayFactory(
                    team=self.team, date=slot.date, number=slot.number, moderator=slot.moderator
                )
        self.today = end + ONE_DAY

    def step_join(self, pick: int) -> None:
        taken = {m.display_name for m in self.members}
        free = [n for n in NAMES if n not in taken]
        if free:
            self._join(free[pick % len(free)])

    def step_leave(self, pick: int) -> None:
        present = self.participants()
        if len(present) <= 3:
            return
        member = present[pick % len(present)]
        member.is_active = False
        member.save()
        self.periods[member.pk][-1][1] = self.today - ONE_DAY

    def step_come_back(self, pick: int) -> None:
        away = [m for m in self.members if not m.is_active]
        if not away:
            return
        member = away[pick % len(away)]
        member.is_active = True
        member.save()
        Membership.objects.filter(pk=member.pk).update(rotation_since=self.today)
        self.periods[member.pk].append([self.today, None])

    def step_mode(self, mode: str) -> None:
        self.team.rotation = mode
        self.team.save()

    def step_reorder(self, order) -> None:
        for member, position in zip(self.members, order, strict=False):
            Membership.objects.filter(pk=member.pk).update(rotation_order=position)

    def _future_session_date(self, offset: int) -> datetime.date | None:
        dates = schedule.next_session_dates(self.team, self.today, offset + 1)
        return dates[offset] if len(dates) > offset else None

    def step_skip(self, offset: int) -> None:
        date = self._future_session_date(offset)
        if date is not None and not schedule.joined_by_skipping(self.team, date):
            SkippedDate.objects.create(team=self.team, date=date, reason="특강")

    def step_swap(self, one: int, two: int) -> None:
        first, second = self._future_session_date(one), self._future_session_date(two)
        if first is None or second is None or first == second:
            return
        a, b = schedule.slot_for(self.team, first), schedule.slot_for(self.team, second)
        if a.moderator == b.moderator:
            return
        try:
            schedule.swap(self.team, first, second, user=None)
        except schedule.Unchangeable:
            return  # refused (two in a row): nothing written, checked below anyway
        self._pin(a)
        self._pin(b)

    def step_substitute(self, offset: int, pick: int) -> None:
        date = self._future_session_date(offset)
        present = self.participants()
        if date is None:
            return
        member = present[pick % len(present)]
        slot = schedule.slot_for(self.team, date)
        if slot.moderator == member:
            return
        try:
            schedule.assign(self.team, date, member, user=None)
        except schedule.Unchangeable:
            return
        self._pin(slot)

    def _pin(self, slot) -> None:
        """Note when the date's owner was fixed: now, or, when a swap or substitute is
        changed again, when the one before it fixed the owner it keeps."""
        earlier = self.pinned.get(slot.date) if slot.source == "assigned" else None
        self.pinned[slot.date] = self.step if earlier is None else earlier

    # --- what must hold --------------------------------------------------------------

    def took_part_throughout(self, pk, start, end, slots) -> bool:
        """In the rotation from `start` to `end`: a member who joins or comes back is in it
        from their first turn on (they queue behind the round under way)."""
        for since, until in self.periods[pk]:
            first = next(
                (s.date for s in slots if s.date >= since and s.owner and s.owner.pk == pk), None
            )
            if first is not None and first <= start and (until is None or until >= end):
                return True
        return False

    def check(self, history: list) -> None:
        end = self.today + HORIZON
        slots = [s for s in schedule.schedule(self.team, START, end) if s.number is not None]
        for one, two in zip(slots, slots[1:], strict=False):
            assert one.moderator != two.moderator, (history, one, two)

        window = START
        while window + 27 * ONE_DAY <= end:
            last = window + 27 * ONE_DAY
            throughout = [
                m.pk for m in self.members if self.took_part_throughout(m.pk, window, last, slots)
            ]
            turns = Counter({pk: 0 for pk in throughout})
            turns.update(
                s.owner.pk
                for s in slots
                if window <= s.date <= last and s.owner and s.owner.pk in turns
            )
            # A swap or substitute made before the queue changed keeps the owner it had.
            stale = any(
                window - NEAR <= date <= last + NEAR and step < self.roster_changed
                for date, step in self.pinned.items()
            )
            if turns and not stale:
                assert max(turns.values()) - min(turns.values()) <= 1, (history, window, turns)
            window += ONE_DAY

        by_date = {s.date: s for s in slots}
        present = {m.pk for m in self.participants()}
        for assignment in ModeratorAssignment.objects.filter(team=self.team, date__gte=self.today):
            slot = by_date.get(assignment.date)
            if slot is None or assignment.member_id not in present:
                continue  # skipped since, or its member left: no longer in force
            assert slot.moderator.pk == assignment.member_id, (history, assignment)
            if assignment.owner_id in present:
                assert slot.owner.pk == assignment.owner_id, (history, assignment)
            if assignment.kind == ModeratorAssignment.Kind.SWAP:
                # Its other half is still there (perhaps changed again since).
                assert ModeratorAssignment.objects.filter(
                    team=self.team, date=assignment.partner_date
                ).exists(), (history, assignment)


class RotationUnderChange(TestCase):
    @settings(
        max_examples=int(__import__("os").environ.get("ROTATION_EXAMPLES", 40)),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.lists(steps, min_size=1, max_size=14))
    def test_fair_after_every_step(self, plan):
        timeline = Timeline()
        timeline.check([])
        for number, step in enumerate(plan):
            timeline.apply(step)
            timeline.check(plan[: number + 1])
