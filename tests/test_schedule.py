"""The session calendar and the moderator rotation (sessions/schedule.py).

Properties are checked with hypothesis over random calendars: any set of session
weekdays, any first session day, any skipped dates, seven active participants plus
some inactive members and observers, name or custom order. Each example builds its
team inside a transaction that is rolled back afterwards (hypothesis' Django TestCase).

The fairness property, precisely: take the rotation's slots (no recorded days, no
swaps) from a week before the first session day to 160 days after it. In EVERY
28-day window of that span, the seven active participants' moderator counts differ
by at most 1, and nobody else moderates. Why it must hold: the rotation hands turns
round-robin over consecutive session dates, and a 28-day window (whatever weekdays
or skipped dates it holds) contains a run of n consecutive session dates, so each of
the 7 gets ⌊n/7⌋ or ⌈n/7⌉ turns. The bound therefore holds for windows of fewer than
7 session dates too (counts 0 or 1); when a window has at least 7 session dates it
also follows that every active participant moderates at least once, which is
asserted separately.
"""

import datetime
import random
import unicodedata
from collections import Counter

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from sessions import schedule, services
from sessions.models import Membership, ModeratorAssignment, SkippedDate, Team

from .factories import DayFactory, MembershipFactory, TeamFactory

ONE_DAY = datetime.timedelta(days=1)
MONDAY = datetime.date(2024, 3, 4)
POOL = [
    "강민준", "고서연", "김도윤", "나하은", "남궁별", "문시우", "박지유", "배예준", "서수아",
    "오하늘", "유채린", "윤다온", "이도윤", "임서율", "장하람", "정이름", "조민서", "최서율",
    "한지호", "홍길동",
]  # fmt: skip


def build_team(
    *,
    weekdays: str = "01234",
    starts_on: datetime.date | None = MONDAY,
    rotation: str = Team.Rotation.NAME,
    skipped=(),
    active=(),
    inactive=(),
    observers=(),
    orders=None,
) -> tuple[Team, list[Membership]]:
    """A team and its active participants (name-only members, in creation order)."""
    team = TeamFactory(session_weekdays=weekdays, starts_on=starts_on, rotation=rotation)
    orders = orders or list(range(len(active)))
    members = [
        MembershipFactory(team=team, user=None, display_name=name, rotation_order=order)
        for name, order in zip(active, orders, strict=True)
    ]
    for name in inactive:
        MembershipFactory(team=team, user=None, display_name=name, is_active=False)
    for name in observers:
        MembershipFactory(team=team, user=None, display_name=name, role=Membership.Role.OBSERVER)
    SkippedDate.objects.bulk_create(SkippedDate(team=team, date=d) for d in skipped)
    return team, members


def reference_dates(weekdays: str, starts_on, skipped, start, end) -> list[datetime.date]:
    """The calendar computed the obvious way, to check schedule.py against."""
    days = {int(c) for c in weekdays}
    count = (end - start).days + 1
    dates = (start + ONE_DAY * i for i in range(max(count, 0)))
    return [d for d in dates if d >= starts_on and d.weekday() in days and d not in skipped]


calendars = st.fixed_dictionaries(
    {
        "weekdays": st.sets(st.integers(0, 6), min_size=1).map(
            lambda days: "".join(str(d) for d in sorted(days))
        ),
        "starts_on": st.dates(datetime.date(2024, 1, 1), datetime.date(2027, 12, 31)),
        "skip_offsets": st.sets(st.integers(-7, 160), max_size=20),
        "rotation": st.sampled_from([Team.Rotation.NAME, Team.Rotation.CUSTOM]),
        "names": st.permutations(POOL),
        "n_inactive": st.integers(0, 3),
        "n_observers": st.integers(0, 2),
        "orders": st.lists(st.integers(0, 9), min_size=7, max_size=7),
    }
)


def team_from(cal) -> tuple[Team, list[Membership], set[datetime.date]]:
    names = cal["names"]
    skipped = {cal["starts_on"] + ONE_DAY * o for o in cal["skip_offsets"]}
    team, members = build_team(
        weekdays=cal["weekdays"],
        starts_on=cal["starts_on"],
        rotation=cal["rotation"],
        skipped=skipped,
        active=names[:7],
        inactive=names[7 : 7 + cal["n_inactive"]],
        observers=names[10 : 10 + cal["n_observers"]],
        orders=cal["orders"],
    )
    return team, members, skipped


PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class RotationProperties(TestCase):
    @PROPERTY
    @given(cal=calendars)
    def test_any_28_day_window_is_fair_to_the_seven_active_participants(self, cal):
        team, members, _skipped = team_from(cal)
        first = cal["starts_on"] - 7 * ONE_DAY
        last = cal["starts_on"] + 160 * ONE_DAY
        slots = schedule.schedule(team, first, last)
        active = {m.pk for m in members}

        assert slots, "a weekday in 160 days is never skipped away entirely"
        assert all(s.source == "rotation" for s in slots)
        # Inactive members and observers are never scheduled.
        assert {s.moderator.pk for s in slots} <= active
        start = first
        while start + 27 * ONE_DAY <= last:
            window = [s for s in slots if start <= s.date <= start + 27 * ONE_DAY]
            counts = Counter({pk: 0 for pk in active})
            counts.update(s.moderator.pk for s in window)
            assert max(counts.values()) - min(counts.values()) <= 1, (start, counts)
            if len(window) >= 7:
                assert min(counts.values()) >= 1
            start += ONE_DAY

    @PROPERTY
    @given(cal=calendars, data=st.data())
    def test_any_part_of_the_schedule_matches_the_whole(self, cal, data):
        """A page showing one range sees the same slots as a page showing another."""
        team, _members, _skipped = team_from(cal)
        first = cal["starts_on"] - 7 * ONE_DAY
        whole = schedule.schedule(team, first, first + 100 * ONE_DAY)
        a = data.draw(st.integers(0, 100), label="start offset")
        b = data.draw(st.integers(a, 100), label="end offset")
        start, end = first + a * ONE_DAY, first + b * ONE_DAY
        assert schedule.schedule(team, start, end) == [s for s in whole if start <= s.date <= end]

    @settings(max_examples=40, deadline=None)
    @given(cal=calendars)
    def test_day_numbers_follow_the_weekdays_and_skip_the_skipped_dates(self, cal):
        team, _members, skipped = team_from(cal)
        starts_on = cal["starts_on"]
        first, last = starts_on - 5 * ONE_DAY, starts_on + 40 * ONE_DAY
        expected = reference_dates(cal["weekdays"], starts_on, skipped, first, last)

        assert schedule.session_dates(team, first, last) == expected
        numbers = {d: n for n, d in enumerate(expected, start=1)}
        date = first
        while date <= last:
            assert schedule.day_number(team, date) == numbers.get(date), date
            assert schedule.is_session_date(team, date) == (date in numbers)
            date += ONE_DAY
        assert [s.number for s in schedule.schedule(team, first, last)] == list(
            range(1, len(expected) + 1)
        )
        after = starts_on + 3 * ONE_DAY
        # Skipped dates all fall within 160 days, so a year holds five session dates.
        later = reference_dates(cal["weekdays"], starts_on, skipped, after, after + 400 * ONE_DAY)
        assert schedule.next_session_dates(team, after, 5) == later[:5]

    @PROPERTY
    @given(cal=calendars, data=st.data())
    def test_a_swap_exchanges_exactly_the_two_dates(self, cal, data):
        team, _members, _skipped = team_from(cal)
        start = cal["starts_on"]
        end = start + 60 * ONE_DAY
        before = schedule.schedule(team, start, end)
        pairs = [
            (i, j)
            for i in range(len(before))
            for j in range(i + 1, len(before))
            if before[i].moderator != before[j].moderator
        ]
        if not pairs:
            return  # one session date in two months: nothing to swap
        i, j = data.draw(st.sampled_from(pairs), label="dates")
        first, second = before[i].date, before[j].date

        try:
            schedule.swap(team, first, second, user=None)
        except schedule.BackToBack as refused:
            # Someone would moderate two session dates in a row: refused, nothing written.
            assert refused.date in (first, second)
            assert schedule.schedule(team, start, end) == before
            return

        after = schedule.schedule(team, start, end)
        assert [s.date for s in after] == [s.date for s in before]
        assert after[i].moderator == before[j].moderator
        assert after[j].moderator == before[i].moderator
        assert after[i].source == after[j].source == "assigned"
        # Every turn stays its owner's: the order of turns is the queue's, as before.
        assert [s.owner for s in after] == [s.moderator for s in before]
        # A neighbour of the two whose owner moderates next to it is covered; nothing
        # further away changes.
        near = {k for k in (i - 1, i, i + 1, j - 1, j, j + 1) if 0 <= k < len(after)}
        assert all(after[k] == before[k] for k in range(len(after)) if k not in near)
        assert all(after[k - 1].moderator != after[k].moderator for k in range(1, len(after)))


# --- the rotation's order ------------------------------------------------------------


def test_name_order_is_gana_da_order(db):
    names = ["홍길동", "최서율", "이도윤", "박지유", "김도윤", "강민준"]
    random.Random(4).shuffle(names)
    team, _ = build_team(active=names)
    assert [m.display_name for m in schedule.rotation(team)] == [
        "강민준",
        "김도윤",
        "박지유",
        "이도윤",
        "최서율",
        "홍길동",
    ]


def test_name_order_reads_decomposed_hangul_as_the_same_syllables(db):
    # macOS can send "나" as the two jamo ㄴ + ㅏ; code points alone would put it last.
    decomposed = unicodedata.normalize("NFD", "나하은")
    team, _ = build_team(active=["박지유", decomposed, "김도윤"])
    names = [unicodedata.normalize("NFC", m.display_name) for m in schedule.rotation(team)]
    assert names == ["김도윤", "나하은", "박지유"]


def test_custom_order_follows_rotation_order_then_name(db):
    team, _ = build_team(
        rotation=Team.Rotation.CUSTOM,
        active=["강민준", "홍길동", "김도윤", "박지유"],
        orders=[3, 1, 2, 1],
    )
    assert [m.display_name for m in schedule.rotation(team)] == [
        "박지유",
        "홍길동",
        "김도윤",
        "강민준",
    ]


def test_manual_rotation_schedules_nobody_until_assigned(db):
    team, (kang, kim) = build_team(rotation=Team.Rotation.MANUAL, active=["강민준", "김도윤"])
    slots = schedule.schedule(team, MONDAY, MONDAY + 4 * ONE_DAY)
    assert [s.moderator for s in slots] == [None] * 5
    schedule.assign(team, MONDAY + ONE_DAY, kim, user=None)
    assert schedule.scheduled_moderator(team, MONDAY + ONE_DAY) == kim
    assert schedule.scheduled_moderator(team, MONDAY) is None


def test_inactive_members_and_observers_are_left_out(db):
    team, (kang, kim, park) = build_team(
        active=["강민준", "김도윤", "박지유"], inactive=["고서연"], observers=["나하은"]
    )
    slots = schedule.schedule(team, MONDAY, MONDAY + 13 * ONE_DAY)
    assert [s.moderator for s in slots[:4]] == [kang, kim, park, kang]
    kim.is_active = False
    kim.save()
    slots = schedule.schedule(team, MONDAY, MONDAY + 13 * ONE_DAY)
    assert [s.moderator for s in slots[:4]] == [kang, park, kang, park]


# --- the calendar --------------------------------------------------------------------


def test_day_numbers_on_a_monday_wednesday_friday_calendar(db):
    wednesday = MONDAY + 2 * ONE_DAY
    team, _ = build_team(weekdays="024", skipped=[wednesday], active=["강민준"])
    assert schedule.day_number(team, MONDAY) == 1
    assert schedule.day_number(team, MONDAY + ONE_DAY) is None  # a Tuesday
    assert schedule.day_number(team, wednesday) is None  # skipped
    assert schedule.day_number(team, MONDAY + 4 * ONE_DAY) == 2  # Friday
    assert schedule.day_number(team, MONDAY + 7 * ONE_DAY) == 3  # next Monday
    assert schedule.day_number(team, MONDAY - 7 * ONE_DAY) is None  # before the first day


def test_without_a_first_session_day_there_are_no_calendar_numbers(db):
    team, (kang, kim) = build_team(starts_on=None, active=["강민준", "김도윤"])
    DayFactory(team=team, date=MONDAY, number=4)
    assert schedule.day_number(team, MONDAY + ONE_DAY) is None
    # The rotation still counts from the first recorded day.
    tuesday = schedule.slot_for(team, MONDAY + ONE_DAY)
    assert (tuesday.number, tuesday.moderator) == (None, kim)


def test_a_skipped_date_moves_the_rotation_on(db):
    team, (kang, kim, park) = build_team(active=["강민준", "김도윤", "박지유"])
    tuesday = MONDAY + ONE_DAY
    assert [s.moderator for s in schedule.schedule(team, MONDAY, MONDAY + 2 * ONE_DAY)] == [
        kang,
        kim,
        park,
    ]
    SkippedDate.objects.create(team=team, date=tuesday, reason="특강")
    slots = schedule.schedule(team, MONDAY, MONDAY + 2 * ONE_DAY)
    assert [(s.date, s.number, s.moderator) for s in slots] == [
        (MONDAY, 1, kang),
        (MONDAY + 2 * ONE_DAY, 2, kim),
    ]


def test_a_recorded_day_wins_and_off_calendar_days_take_no_turn(db):
    team, (kang, kim, park) = build_team(active=["강민준", "김도윤", "박지유"])
    saturday = MONDAY + 5 * ONE_DAY
    DayFactory(team=team, date=MONDAY + ONE_DAY, number=2, moderator=park)
    DayFactory(team=team, date=saturday, number=9, moderator=kim)
    slots = schedule.schedule(team, MONDAY, MONDAY + 7 * ONE_DAY)
    # Park moderated Tuesday instead of Kim, so the queue goes on from the record: Kim
    # (whose turn it was) on Wednesday, and Park not two days running.
    assert [(s.date.weekday(), s.number, s.moderator, s.source) for s in slots] == [
        (0, 1, kang, "rotation"),
        (1, 2, park, "recorded"),
        (2, 3, kim, "rotation"),
        (3, 4, kang, "rotation"),
        (4, 5, park, "rotation"),
        (5, 9, kim, "recorded"),  # Saturday: listed, but takes no turn: next Monday is 6
        (0, 6, kim, "rotation"),
    ]
    assert not schedule.is_session_date(team, saturday)
    assert schedule.scheduled_moderator(team, saturday) == kim


def test_next_session_dates_start_at_the_first_session_day(db):
    team, _ = build_team(starts_on=MONDAY + 7 * ONE_DAY, active=["강민준"])
    assert schedule.next_session_dates(team, MONDAY, 2) == [
        MONDAY + 7 * ONE_DAY,
        MONDAY + 8 * ONE_DAY,
    ]


# --- swaps and substitutes -----------------------------------------------------------


def test_a_substitute_overrides_one_date_only(db, django_user_model):
    team, (kang, kim, park) = build_team(active=["강민준", "김도윤", "박지유"])
    user = django_user_model.objects.create(username="setter")
    before = schedule.schedule(team, MONDAY, MONDAY + 13 * ONE_DAY)

    schedule.assign(team, MONDAY + 2 * ONE_DAY, kang, user=user)

    after = schedule.schedule(team, MONDAY, MONDAY + 13 * ONE_DAY)
    changed = [
        (b.date, b.moderator, a.moderator) for b, a in zip(before, after, strict=True) if b != a
    ]
    # Kang stands in for Park on Wednesday; his own turn on Thursday would make two days
    # running, so Park, whom Wednesday freed, covers it. Nobody else's date moves.
    assert changed == [
        (MONDAY + 2 * ONE_DAY, park, kang),
        (MONDAY + 3 * ONE_DAY, kang, park),
    ]
    # Both turns stay their owners': the order of turns is the queue's, as before.
    assert [s.owner for s in after] == [s.owner for s in before]
    assert (after[2].owner, after[3].owner) == (park, kang)
    assignment = ModeratorAssignment.objects.get()
    assert (assignment.member, assignment.owner, assignment.set_by) == (kang, park, user)
    assert assignment.kind == ModeratorAssignment.Kind.SUBSTITUTE


def test_a_substitute_also_changes_a_day_already_recorded(db):
    team, (kang, kim) = build_team(active=["강민준", "김도윤"])
    day = DayFactory(team=team, date=MONDAY, number=1, moderator=kang)
    schedule.assign(team, MONDAY, kim, user=None)
    day.refresh_from_db()
    # A new version, so an editor holding the old one gets a conflict, not a revert.
    assert (day.moderator, day.version) == (kim, 2)
    assert schedule.scheduled_moderator(team, MONDAY) == kim


def test_a_closed_day_keeps_its_moderator(db):
    from django.utils import timezone

    team, (kang, kim) = build_team(active=["강민준", "김도윤"])
    day = DayFactory(team=team, date=MONDAY, number=1, moderator=kang, closed_at=timezone.now())
    with pytest.raises(schedule.Unchangeable):
        schedule.swap(team, MONDAY, MONDAY + ONE_DAY, user=None)
    with pytest.raises(schedule.Unchangeable):
        schedule.assign(team, MONDAY, kim, user=None)
    day.refresh_from_db()
    assert day.moderator == kang
    assert not ModeratorAssignment.objects.exists()


def test_upcoming_duties_are_the_members_dates_among_the_next_ones(db):
    team, (kang, kim, park) = build_team(active=["강민준", "김도윤", "박지유"])
    duties = list(schedule.upcoming_duties(kim, MONDAY, 6))
    assert [s.date for s in duties] == [MONDAY + ONE_DAY, MONDAY + 4 * ONE_DAY]


# --- the new-day form ----------------------------------------------------------------


@pytest.fixture
def scheduled(team, team_admin, team_member, monkeypatch):
    """Team alpha on a Mon-Fri calendar from MONDAY; "today" is the next Monday."""
    team.starts_on = MONDAY
    team.save()
    monkeypatch.setattr(schedule, "local_today", lambda team: MONDAY + 7 * ONE_DAY)
    return team


def test_new_day_is_prefilled_with_the_scheduled_moderator_and_calendar_number(
    scheduled, as_member
):
    thursday = MONDAY + 10 * ONE_DAY
    response = as_member.get(
        reverse("peer:day_create", kwargs={"team": "alpha"}), {"date": thursday.isoformat()}
    )
    form = response.context["form"]
    assert form["date"].value() == thursday
    assert form["number"].value() == 9
    moderator = schedule.scheduled_moderator(scheduled, thursday)
    assert moderator is not None
    assert form["moderator"].value() == moderator.pk


def test_new_day_defaults_to_the_teams_today(scheduled, team_admin, as_member):
    # The rotation (김관리, 박셋째, 이멤버) gives that Monday to 이멤버; the admin
    # substitutes. (In a team of two it would be refused: see below.)
    MembershipFactory(team=scheduled, user=None, display_name="박셋째")
    substitute = team_admin.memberships.get()
    schedule.assign(scheduled, MONDAY + 7 * ONE_DAY, substitute, user=None)
    response = as_member.get(reverse("peer:day_create", kwargs={"team": "alpha"}))
    form = response.context["form"]
    assert form["date"].value() == MONDAY + 7 * ONE_DAY
    assert form["number"].value() == 6
    assert form["moderator"].value() == substitute.pk
    assert f'<option value="{substitute.pk}" selected>' in response.content.decode()


def test_new_day_off_the_calendar_falls_back_to_the_next_number(scheduled, as_member):
    DayFactory(team=scheduled, date=MONDAY, number=3)
    saturday = MONDAY + 12 * ONE_DAY
    response = as_member.get(
        reverse("peer:day_create", kwargs={"team": "alpha"}), {"date": saturday.isoformat()}
    )
    form = response.context["form"]
    assert form["number"].value() == services.next_day_number(scheduled) == 4
    assert form["moderator"].value() is None


def test_new_day_ignores_a_date_that_does_not_parse(scheduled, as_member):
    response = as_member.get(
        reverse("peer:day_create", kwargs={"team": "alpha"}), {"date": "2024-02-31"}
    )
    assert response.status_code == 200
    assert response.context["form"]["date"].value() == MONDAY + 7 * ONE_DAY


def test_a_first_day_at_the_end_of_the_calendar_does_not_overflow(db):
    # Found in review: the schedule, calendar and feed pages 500ed on such a team.
    team = TeamFactory(starts_on=datetime.date(9999, 12, 20))
    dates = schedule.next_session_dates(team, datetime.date(9999, 12, 1), 12)
    assert dates and all(d >= datetime.date(9999, 12, 20) for d in dates)
    assert len(dates) < 12  # the calendar ends before twelve session days fit


def test_a_substitute_next_to_their_own_turn_is_refused_and_nothing_written(db):
    team, (kang, kim, park) = build_team(active=["강민준", "김도윤", "박지유"])
    DayFactory(team=team, date=MONDAY, number=1, moderator=kang)  # Kang had Monday
    before = schedule.schedule(team, MONDAY, MONDAY + 13 * ONE_DAY)
    assert [s.moderator for s in before[:3]] == [kang, kim, park]

    with pytest.raises(schedule.BackToBack) as refused:
        schedule.assign(team, MONDAY + ONE_DAY, kang, user=None)  # Kang has Monday

    assert (refused.value.member, refused.value.date) == (kang, MONDAY + ONE_DAY)
    assert not ModeratorAssignment.objects.exists()
    assert schedule.schedule(team, MONDAY, MONDAY + 13 * ONE_DAY) == before


def test_skipping_a_date_between_two_fixed_turns_of_one_member_is_refused(db):
    team, (kang, kim, park) = build_team(active=["강민준", "김도윤", "박지유"])
    wednesday = MONDAY + 2 * ONE_DAY
    DayFactory(team=team, date=MONDAY + ONE_DAY, number=2, moderator=kang)
    DayFactory(team=team, date=MONDAY + 3 * ONE_DAY, number=4, moderator=kang)

    assert schedule.joined_by_skipping(team, wednesday) == (kang, MONDAY + 3 * ONE_DAY)
    assert schedule.joined_by_skipping(team, MONDAY + 4 * ONE_DAY) is None


def test_in_a_team_of_two_a_substitute_is_refused_when_nobody_could_cover(db):
    # Kang and Kim alternate; Kang standing in for Kim on the second Monday would leave
    # Kang's own Friday and Tuesday next to it with nobody else to cover them.
    team, (kang, kim) = build_team(active=["강민준", "김도윤"])
    before = schedule.schedule(team, MONDAY, MONDAY + 13 * ONE_DAY)
    assert [s.moderator for s in before[4:7]] == [kang, kim, kang]

    with pytest.raises(schedule.BackToBack) as refused:
        schedule.assign(team, MONDAY + 7 * ONE_DAY, kang, user=None)

    assert refused.value.member == kang
    assert not ModeratorAssignment.objects.exists()
    assert schedule.schedule(team, MONDAY, MONDAY + 13 * ONE_DAY) == before
