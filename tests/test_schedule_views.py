"""The schedule page, its changes (swap, substitute, skip), the home page's duties and
the calendar settings: who may do what, what gets saved, and what an error leaves.

Team alpha meets Monday to Friday from MONDAY in name order. Its participants are
김관리 (admin), 이멤버 (member) and 최셋째 (member); 박참관 observes. "Today" is
fixed at the next Monday, so the rotation is known: turns 0, 1, 2… go to 김관리,
이멤버, 최셋째, 김관리…, and every change is made to dates from today on.
"""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sessions import schedule
from sessions.models import Day, Membership, ModeratorAssignment, SkippedDate, Team

from .factories import DayFactory, MembershipFactory, ReviewFactory, TeamFactory, UserFactory
from .rows import every_row

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


ONE_DAY = datetime.timedelta(days=1)
MONDAY = datetime.date(2024, 3, 4)
TODAY = MONDAY + 7 * ONE_DAY  # turn 5: 최셋째
LOGIN_PREFIX = "/accounts/login/"


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(schedule, "local_today", lambda team: TODAY)


@pytest.fixture
def alpha(team, team_admin, team_member, team_observer):
    team.starts_on = MONDAY
    team.save()
    return team


@pytest.fixture
def third(alpha):
    """A second ordinary member, with an account."""
    user = UserFactory(username="alpha-third")
    MembershipFactory(team=alpha, user=user, display_name="최셋째")
    return user


@pytest.fixture
def as_third(third):
    client = Client()
    client.force_login(third)
    return client


def member(name: str) -> Membership:
    return Membership.objects.get(team__slug="alpha", display_name=name)


def dates_of(name: str, count: int = 15) -> list[datetime.date]:
    """The upcoming session dates `name` is scheduled to moderate."""
    m = member(name)
    return [s.date for s in schedule.upcoming_duties(m, TODAY, count)]


def url(name: str, **kwargs) -> str:
    return reverse(f"peer:{name}", kwargs={"team": "alpha", **kwargs})


def snapshot() -> dict:
    """Every row of every Studylog table, and the users (tests/rows.py)."""
    return every_row()


def swap_body(first, second) -> dict:
    return {"swap-first": first.isoformat(), "swap-second": second.isoformat()}


def sub_body(date, who: Membership) -> dict:
    return {"sub-date": date.isoformat(), "sub-member": str(who.pk)}


def skip_body(date, reason="추석 연휴") -> dict:
    return {"skip-date": date.isoformat(), "skip-reason": reason}


def test_the_fixture_rotation(alpha, third):
    assert [
        s.moderator.display_name for s in schedule.schedule(alpha, TODAY, TODAY + 2 * ONE_DAY)
    ] == [
        "최셋째",
        "김관리",
        "이멤버",
    ]


# --- who may open what ---------------------------------------------------------------


@pytest.fixture
def skipped(alpha):
    return SkippedDate.objects.create(team=alpha, date=TODAY + 3 * ONE_DAY, reason="특강")


def requests_for(alpha, skipped):
    """Every schedule URL with a body an admin could send successfully."""
    return [
        ("get", url("schedule"), None),
        ("post", url("schedule_swap"), swap_body(TODAY, TODAY + ONE_DAY)),
        ("post", url("schedule_substitute"), sub_body(TODAY, member("이멤버"))),
        ("post", url("schedule_skip"), skip_body(TODAY + 4 * ONE_DAY)),
        ("post", url("schedule_unskip", pk=skipped.pk), {}),
    ]


def send(client, method, path, body):
    return client.get(path) if method == "get" else client.post(path, body)


def test_anonymous_is_sent_to_log_in(alpha, third, skipped, anon):
    before = snapshot()
    for method, path, body in requests_for(alpha, skipped):
        response = send(anon, method, path, body)
        assert response.status_code == 302, path
        assert response["Location"].startswith(LOGIN_PREFIX)
    assert snapshot() == before


def test_outsider_gets_404(alpha, third, skipped, as_outsider):
    before = snapshot()
    for method, path, body in requests_for(alpha, skipped):
        assert send(as_outsider, method, path, body).status_code == 404, path
    assert snapshot() == before


def test_observer_reads_the_schedule_but_changes_nothing(alpha, third, skipped, as_observer):
    before = snapshot()
    statuses = [send(as_observer, *r).status_code for r in requests_for(alpha, skipped)]
    assert statuses == [200, 403, 403, 403, 403]
    assert snapshot() == before


def test_member_may_not_skip_or_unskip(alpha, third, skipped, as_member):
    before = snapshot()
    assert as_member.post(url("schedule_skip"), skip_body(TODAY + 4 * ONE_DAY)).status_code == 403
    assert as_member.post(url("schedule_unskip", pk=skipped.pk)).status_code == 403
    assert snapshot() == before


def test_member_may_not_swap_dates_that_are_not_theirs(alpha, third, as_member):
    others = [d for d in dates_of("최셋째") + dates_of("김관리")]
    before = snapshot()
    response = as_member.post(url("schedule_swap"), swap_body(others[0], others[1]))
    assert response.status_code == 403
    assert snapshot() == before


def test_member_may_not_name_a_substitute_for_a_date_not_theirs(alpha, third, as_member):
    before = snapshot()
    body = sub_body(dates_of("최셋째")[0], member("이멤버"))
    assert as_member.post(url("schedule_substitute"), body).status_code == 403
    assert snapshot() == before


def test_the_moderator_of_one_date_may_swap_it(alpha, third, as_member):
    mine, theirs = dates_of("이멤버")[0], dates_of("최셋째")[0]
    response = as_member.post(url("schedule_swap"), swap_body(theirs, mine))
    assert response.status_code == 302
    assert response["Location"] == url("schedule")
    assert schedule.scheduled_moderator(alpha, mine) == member("최셋째")
    assert schedule.scheduled_moderator(alpha, theirs) == member("이멤버")
    assert ModeratorAssignment.objects.count() == 2


def test_the_moderator_of_a_date_may_name_a_substitute(alpha, third, as_member):
    mine = dates_of("이멤버")[0]
    response = as_member.post(url("schedule_substitute"), sub_body(mine, member("김관리")))
    assert response.status_code == 302
    assert schedule.scheduled_moderator(alpha, mine) == member("김관리")
    assignment = ModeratorAssignment.objects.get()
    assert assignment.set_by.username == "alpha-member"


def test_admin_may_swap_any_two_dates(alpha, third, as_admin):
    a, b = dates_of("이멤버")[0], dates_of("최셋째")[1]
    assert as_admin.post(url("schedule_swap"), swap_body(a, b)).status_code == 302
    assert schedule.scheduled_moderator(alpha, a) == member("최셋째")
    assert schedule.scheduled_moderator(alpha, b) == member("이멤버")


def test_admin_may_name_a_substitute_for_any_date(alpha, third, as_admin):
    date = dates_of("최셋째")[0]
    response = as_admin.post(url("schedule_substitute"), sub_body(date, member("이멤버")))
    assert response.status_code == 302
    assert schedule.scheduled_moderator(alpha, date) == member("이멤버")


def test_admin_skips_and_unskips_a_date(alpha, third, as_admin):
    friday = TODAY + 4 * ONE_DAY
    following = schedule.scheduled_moderator(alpha, friday + 3 * ONE_DAY)
    response = as_admin.post(url("schedule_skip"), skip_body(friday))
    assert response.status_code == 302
    skipped = SkippedDate.objects.get(team=alpha)
    assert (skipped.date, skipped.reason) == (friday, "추석 연휴")
    assert not schedule.is_session_date(alpha, friday)
    # The rotation moves on: Friday's moderator now takes the following Monday.
    assert schedule.scheduled_moderator(alpha, friday + 3 * ONE_DAY) != following

    response = as_admin.post(url("schedule_unskip", pk=skipped.pk))
    assert response.status_code == 302
    assert not SkippedDate.objects.exists()
    assert schedule.scheduled_moderator(alpha, friday + 3 * ONE_DAY) == following


def test_changes_need_a_post(alpha, third, skipped, as_admin):
    before = snapshot()
    for name, kwargs in [
        ("schedule_swap", {}),
        ("schedule_substitute", {}),
        ("schedule_skip", {}),
        ("schedule_unskip", {"pk": skipped.pk}),
    ]:
        assert as_admin.get(url(name, **kwargs)).status_code == 405
    assert snapshot() == before


def test_another_teams_skipped_date_is_404(alpha, other_team, as_admin):
    foreign = SkippedDate.objects.create(team=other_team, date=TODAY, reason="beta")
    before = snapshot()
    assert as_admin.post(url("schedule_unskip", pk=foreign.pk)).status_code == 404
    assert snapshot() == before


# --- invalid input: errors beside the fields, what was typed kept, nothing saved ------


def post_invalid(client, name, body, field, message=None):
    before = snapshot()
    response = client.post(url(name), body)
    assert response.status_code == 200
    form = response.context[field.split(".")[0]]
    errors = form.errors[field.split(".")[1]]
    assert errors, form.errors
    if message:
        assert message in " ".join(errors)
    assert snapshot() == before
    return response


@pytest.mark.parametrize(
    ("first", "second", "field", "message"),
    [
        (TODAY + ONE_DAY, TODAY + ONE_DAY, "second", "two different dates"),
        (TODAY - ONE_DAY, TODAY + ONE_DAY, "first", "today or a later date"),
        (TODAY + ONE_DAY, TODAY + 5 * ONE_DAY, "second", "no session"),  # a Saturday
        (TODAY + ONE_DAY, TODAY + 4 * ONE_DAY, "second", "moderates on both dates"),
    ],
)
def test_an_invalid_swap_says_why(alpha, third, as_admin, first, second, field, message):
    response = post_invalid(
        as_admin, "schedule_swap", swap_body(first, second), f"swap_form.{field}", message
    )
    content = response.content.decode()
    assert f'value="{first.isoformat()}"' in content
    assert f'value="{second.isoformat()}"' in content


def test_a_swap_of_a_date_without_a_moderator_is_refused(alpha, third, as_admin):
    alpha.rotation = Team.Rotation.MANUAL
    alpha.save()
    post_invalid(
        as_admin,
        "schedule_swap",
        swap_body(TODAY, TODAY + ONE_DAY),
        "swap_form.first",
        "Nobody is scheduled",
    )


def test_a_swap_of_a_closed_day_is_refused(alpha, third, as_admin):
    DayFactory(team=alpha, date=TODAY, number=6, closed_at=timezone.now())
    post_invalid(
        as_admin, "schedule_swap", swap_body(TODAY, TODAY + ONE_DAY), "swap_form.first", "closed"
    )


def test_a_moderator_with_an_invalid_other_date_sees_the_error(alpha, third, as_member):
    """Involved in the request, so not a 403: the form comes back with the error."""
    mine = dates_of("이멤버")[0]
    post_invalid(
        as_member, "schedule_swap", swap_body(mine, TODAY + 5 * ONE_DAY), "swap_form.second"
    )


def test_a_substitute_must_be_a_participant_of_the_team(alpha, third, outsider, as_admin):
    for who in [outsider.memberships.get(), member("박참관")]:
        post_invalid(
            as_admin, "schedule_substitute", sub_body(TODAY, who), "substitute_form.member"
        )


def test_a_substitute_must_differ_from_the_moderator(alpha, third, as_admin):
    post_invalid(
        as_admin,
        "schedule_substitute",
        sub_body(TODAY, member("최셋째")),
        "substitute_form.member",
        "already the moderator",
    )


def test_a_substitute_date_must_parse(alpha, third, as_admin):
    body = {"sub-date": "2024-02-31", "sub-member": str(member("이멤버").pk)}
    response = post_invalid(as_admin, "schedule_substitute", body, "substitute_form.date")
    assert 'value="2024-02-31"' in response.content.decode()


@pytest.mark.parametrize(
    ("offset", "message"),
    [(5, "no session"), (0, "already recorded"), (3, "already skipped")],
)
def test_an_invalid_skip_says_why(alpha, third, skipped, as_admin, offset, message):
    DayFactory(team=alpha, date=TODAY, number=6)
    response = post_invalid(
        as_admin,
        "schedule_skip",
        skip_body(TODAY + offset * ONE_DAY, reason="이유"),
        "skip_form.date",
        message,
    )
    assert 'value="이유"' in response.content.decode()


# --- the schedule page ---------------------------------------------------------------


def test_the_page_lists_past_and_upcoming_moderators(alpha, third, skipped, as_member):
    DayFactory(team=alpha, date=MONDAY, number=1, moderator=member("김관리"))
    response = as_member.get(url("schedule"))
    upcoming = response.context["upcoming"]
    past = response.context["past"]
    assert [r.date for r in past] == [MONDAY + i * ONE_DAY for i in (0, 1, 2, 3, 4)]
    assert past[0].slot.source == "recorded"
    assert upcoming[0].slot.moderator == member("최셋째")
    assert len([r for r in upcoming if r.slot]) == 20
    assert [r.skipped for r in upcoming if r.skipped] == [skipped]
    content = response.content.decode()
    assert "특강" in content
    assert reverse("peer:day", kwargs={"team": "alpha", "date": MONDAY}) in content
    # 이멤버 moderates some upcoming dates, so the change forms are there.
    assert response.context["can_change"]
    assert url("schedule_swap") in content
    assert url("schedule_skip") not in content


def test_observers_do_not_get_the_change_forms(alpha, third, as_observer):
    content = as_observer.get(url("schedule")).content.decode()
    assert url("schedule_swap") not in content
    assert url("schedule_substitute") not in content


def test_admin_gets_every_form(alpha, third, skipped, as_admin):
    content = as_admin.get(url("schedule")).content.decode()
    for name in ("schedule_swap", "schedule_substitute", "schedule_skip"):
        assert url(name) in content
    assert url("schedule_unskip", pk=skipped.pk) in content


def test_a_date_in_the_address_prefills_the_change_forms(alpha, third, as_member):
    mine = dates_of("이멤버")[0]
    response = as_member.get(url("schedule"), {"date": mine.isoformat()})
    assert response.context["swap_form"]["first"].value() == mine
    assert response.context["substitute_form"]["date"].value() == mine


def test_the_schedule_page_runs_a_fixed_number_of_queries(alpha, third, as_admin):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert as_admin.get(url("schedule")).status_code == 200
        return len(queries)

    small = count()
    # More history and more changes must not add queries: days, skips and
    # assignments are each fetched once for the whole range.
    for i in range(10):
        DayFactory(team=alpha, date=MONDAY + i * ONE_DAY, number=i + 1, moderator=member("김관리"))
    for i in range(5):
        SkippedDate.objects.create(team=alpha, date=TODAY + (14 + i) * ONE_DAY)
        ModeratorAssignment.objects.create(
            team=alpha, date=TODAY + (7 + i) * ONE_DAY, member=member("이멤버")
        )
    for _ in range(5):
        MembershipFactory(team=alpha)
    assert count() == small
    # 4 for the session, user, team and membership (the anchor is the first session
    # day: no query), then the next session dates' skips, the rotation, the schedule's
    # skips, days and assignments, the skipped rows, the later skips (admins) and the
    # substitute choices = 12 measured; the bound leaves room for 3 more.
    assert small <= 15


# --- the home page -------------------------------------------------------------------


def test_home_lists_my_moderator_days_and_review_assignments(alpha, third, as_member):
    me = member("이멤버")
    today_day = DayFactory(team=alpha, date=TODAY, number=6)
    ahead = DayFactory(team=alpha, date=TODAY + 3 * ONE_DAY, number=9)
    past = DayFactory(team=alpha, date=TODAY - ONE_DAY, number=5)
    mine_today = ReviewFactory(day=today_day, assignment="필수과제 3번", presenters=[me])
    mine_ahead = ReviewFactory(day=ahead, assignment="선택과제 1번", presenters=[me])
    ReviewFactory(day=past, assignment="지난 과제", presenters=[me])
    ReviewFactory(day=today_day, assignment="남의 과제", presenters=[member("최셋째")])

    response = as_member.get(reverse("peer:home"))

    (membership,) = response.context["memberships"]
    expected = [d for d in dates_of("이멤버", 10)]
    assert [s.date for s in membership.moderator_days] == expected
    assert membership.presenting == [mine_today, mine_ahead]
    content = response.content.decode()
    assert "필수과제 3번" in content and "선택과제 1번" in content
    assert "지난 과제" not in content and "남의 과제" not in content
    assert reverse("peer:schedule", kwargs={"team": "alpha"}) in content
    assert reverse("peer:calendar", kwargs={"team": "alpha"}) in content
    for date in expected:
        assert date.strftime("%-m/%-d") in content


def test_home_shows_a_swap_on_the_new_moderator(alpha, third, as_member):
    mine = dates_of("이멤버")[0]
    theirs = dates_of("최셋째")[0]
    schedule.swap(alpha, mine, theirs, user=None)
    (membership,) = as_member.get(reverse("peer:home")).context["memberships"]
    dates = [s.date for s in membership.moderator_days]
    assert theirs in dates and mine not in dates


def test_home_duties_in_every_team(alpha, third, team_member, as_member):
    beta = TeamFactory(name="하늘팀", slug="gamma", starts_on=MONDAY)
    MembershipFactory(team=beta, user=team_member, display_name="이멤버")
    response = as_member.get(reverse("peer:home"))
    memberships = response.context["memberships"]
    assert [m.team.slug for m in memberships] == ["alpha", "gamma"]
    # Alone in gamma's rotation: every one of its next ten session dates.
    assert len(memberships[1].moderator_days) == 10


def test_home_query_count_grows_only_with_the_number_of_teams(alpha, third, as_member):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert as_member.get(reverse("peer:home")).status_code == 200
        return len(queries)

    one_team = count()
    me = member("이멤버")
    for i in range(5):
        day = DayFactory(team=alpha, date=TODAY + i * ONE_DAY, number=6 + i)
        ReviewFactory(day=day, presenters=[me])
        ModeratorAssignment.objects.create(team=alpha, date=day.date, member=me)
    assert count() == one_team
    # Session and user (2), the memberships (1), then per team the next session dates'
    # skips, the rotation, the schedule's skips, days and assignments, and the reviews
    # (6), and the unseen mentions of all the teams (1) = 10 measured: a few per team,
    # none per duty.
    assert one_team <= 11


# --- calendar settings ---------------------------------------------------------------


def settings_body(**changes) -> dict:
    return {
        "name": "알파팀",
        "slug": "alpha",
        "course": "boostcourse",
        "language": "ko",
        "calendar": "True",
        "starts_on": "2024-04-01",
        "session_weekdays": ["0", "2", "4"],
        "session_start": "19:00",
        "session_end": "20:30",
        "timezone": "Asia/Tokyo",
        "rotation": "custom",
        "webhook_url": "https://hooks.slack.com/services/T000/B000/XXXX",
        **changes,
    }


def test_settings_save_the_calendar(alpha, as_admin):
    response = as_admin.post(url("team_settings"), settings_body())
    assert response.status_code == 302
    team = Team.objects.get(pk=alpha.pk)
    assert team.starts_on == datetime.date(2024, 4, 1)
    assert team.session_weekdays == "024"
    assert (team.session_start, team.session_end) == (datetime.time(19), datetime.time(20, 30))
    assert team.timezone == "Asia/Tokyo"
    assert team.rotation == Team.Rotation.CUSTOM
    assert team.webhook_url.startswith("https://hooks.slack.com/")


def test_settings_show_the_calendar_as_it_is(alpha, as_admin):
    response = as_admin.get(url("team_settings"))
    form = response.context["form"]
    assert form["session_weekdays"].value() == ["0", "1", "2", "3", "4"]
    content = response.content.decode()
    assert 'name="session_weekdays" value="0"' in content
    assert 'value="16:00"' in content and 'value="2024-03-04"' in content
    assert 'name="calendar"' in content


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"session_end": "18:00"}, "session_end"),
        ({"session_weekdays": []}, "session_weekdays"),
        ({"session_weekdays": ["7"]}, "session_weekdays"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"session_start": "25:00"}, "session_start"),
        ({"webhook_url": "not a url"}, "webhook_url"),
        ({"starts_on": "2024-02-31"}, "starts_on"),
    ],
)
def test_invalid_calendar_settings_save_nothing(alpha, as_admin, changes, field):
    before = snapshot()
    response = as_admin.post(url("team_settings"), settings_body(**changes))
    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    assert snapshot() == before


def test_a_settings_post_without_the_calendar_keeps_it(alpha, as_admin):
    """An older form or a script that only renames the team leaves the calendar alone."""
    alpha.webhook_url = "https://example.com/hook"
    alpha.session_weekdays = "13"
    alpha.save()
    body = {"name": "새 이름", "slug": "alpha", "course": "boostcourse", "language": "ko"}
    assert as_admin.post(url("team_settings"), body).status_code == 302
    team = Team.objects.get(pk=alpha.pk)
    assert team.name == "새 이름"
    assert (team.session_weekdays, team.webhook_url, team.starts_on) == (
        "13",
        "https://example.com/hook",
        MONDAY,
    )


def test_creating_a_team_keeps_to_the_basics(db, client):
    client.force_login(UserFactory())
    response = client.get(reverse("peer:team_create"))
    fields = set(response.context["form"].fields)
    assert fields == {"name", "slug", "course", "mentor", "language", "description", "ground_rules"}
    response = client.post(
        reverse("peer:team_create"),
        {"name": "감마팀", "slug": "gamma", "course": "boostcourse", "language": "ko"},
    )
    assert response.status_code == 302
    team = Team.objects.get(slug="gamma")
    assert (team.session_weekdays, team.rotation, team.starts_on) == ("01234", "name", None)


def test_members_cannot_change_the_calendar(alpha, as_member):
    before = snapshot()
    assert as_member.post(url("team_settings"), settings_body()).status_code == 403
    assert snapshot() == before
    assert Day.objects.count() == 0


def test_the_heading_shows_weekday_runs_as_ranges(alpha, third, as_member):
    from django.utils import translation

    from sessions.views.schedule import _weekdays

    with translation.override("en"):
        assert _weekdays({0, 1, 2, 3, 4}) == "Mon–Fri"
        assert _weekdays({0, 2, 4}) == "Mon·Wed·Fri"
        assert _weekdays({0, 1, 3, 4, 5}) == "Mon·Tue·Thu–Sat"
    korean = as_member.get(url("schedule"), HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "월요일–금요일 16:00–17:30 (Asia/Seoul)" in korean


def test_a_swap_shows_whose_turn_each_date_stays(alpha, third, as_member):
    mine, theirs = dates_of("이멤버")[0], dates_of("최셋째")[0]
    schedule.swap(alpha, mine, theirs, user=None)

    content = as_member.get(url("schedule")).content.decode()

    # Each date names who moderates it and whose turn it stays ("in place of <owner>").
    assert "in place of 이멤버" in content and "in place of 최셋째" in content


def test_a_substitute_next_to_their_own_turn_is_covered_by_whoever_it_freed(alpha, third, as_admin):
    # 최셋째 has today; standing in for 김관리 tomorrow, 김관리 covers today instead.
    tomorrow = TODAY + ONE_DAY
    response = as_admin.post(url("schedule_substitute"), sub_body(tomorrow, member("최셋째")))
    assert response.status_code == 302

    today_slot, tomorrow_slot = schedule.schedule(alpha, TODAY, tomorrow)
    assert (today_slot.owner, today_slot.moderator) == (member("최셋째"), member("김관리"))
    assert (tomorrow_slot.owner, tomorrow_slot.moderator) == (member("김관리"), member("최셋째"))
    content = as_admin.get(url("schedule")).content.decode()
    assert "in place of 최셋째" in content and "in place of 김관리" in content


def test_a_substitute_next_to_their_own_fixed_turn_is_refused_beside_the_form(
    alpha, third, as_admin
):
    first, following = schedule.next_session_dates(alpha, TODAY + ONE_DAY, 2)
    kim = member("최셋째")
    if schedule.scheduled_moderator(alpha, following) != kim:
        schedule.assign(alpha, following, kim, user=None)
    before = snapshot()

    response = as_admin.post(url("schedule_substitute"), sub_body(first, kim))

    assert response.status_code == 200
    errors = response.context["substitute_form"].non_field_errors()
    assert errors and "최셋째 would moderate two session days in a row" in errors[0]
    assert snapshot() == before
