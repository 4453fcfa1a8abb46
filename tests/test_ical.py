"""The member's iCalendar feed: which duties, at what time, under which UID.

Team "alpha" meets Monday to Friday from Monday 2024-03-04 and rotates moderators in
name order among its participants (김관리, 이멤버); "today" is Wednesday 2024-03-20.
"""

import datetime
import zoneinfo

import icalendar
import pytest
from django.utils.translation import gettext, override

from sessions import ical
from sessions.models import ModeratorAssignment, SkippedDate
from sessions.schedule import next_session_dates, schedule

from .factories import DayFactory, MembershipFactory, ReviewFactory

pytestmark = pytest.mark.django_db

START = datetime.date(2024, 3, 4)
TODAY = datetime.date(2024, 3, 20)
SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "http://127.0.0.1:8000"


@pytest.fixture
def alpha(team, team_admin, team_member, team_observer):
    team.starts_on = START
    team.session_weekdays = "01234"
    team.language = "en"
    team.save()
    team.admin = team_admin.memberships.get()
    team.member = team_member.memberships.get()
    team.observer = team_observer.memberships.get()
    return team


def feed(membership, today=TODAY) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(ical.member_calendar(membership, today))


def events(cal: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def moderator_uid(date: datetime.date) -> str:
    return f"moderator-alpha-{date.isoformat()}@studylog"


def test_the_calendar_names_itself(alpha):
    cal = feed(alpha.member)
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["PRODID"]) == ical.PRODID
    assert str(cal["X-WR-CALNAME"]) == "Peer session duties · 알파팀"
    assert str(cal["X-WR-TIMEZONE"]) == "Asia/Seoul"
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Asia/Seoul"]


def test_upcoming_moderator_days_follow_the_schedule(alpha):
    dates = next_session_dates(alpha, TODAY, ical.NEXT_SESSIONS)
    mine = {s.date for s in schedule(alpha, dates[0], dates[-1]) if s.moderator == alpha.member}
    theirs = {s.date for s in schedule(alpha, dates[0], dates[-1]) if s.moderator == alpha.admin}

    member_uids = set(events(feed(alpha.member)))
    admin_uids = set(events(feed(alpha.admin)))

    assert member_uids == {moderator_uid(d) for d in mine}
    assert admin_uids == {moderator_uid(d) for d in theirs}
    # Two participants share the 40 upcoming dates; each sees only their own.
    assert len(mine) == len(theirs) == ical.NEXT_SESSIONS // 2
    assert not member_uids & admin_uids
    # The observer takes no turns.
    assert events(feed(alpha.observer)) == {}


def test_events_run_at_session_time_in_the_teams_zone(alpha):
    (first, *_rest) = sorted(events(feed(alpha.member)).values(), key=lambda e: e["DTSTART"].dt)
    start, end = first["DTSTART"].dt, first["DTEND"].dt
    assert start.tzinfo.key == "Asia/Seoul"
    assert (start.hour, start.minute, end.hour, end.minute) == (16, 0, 17, 30)
    assert first["DTSTART"].params["TZID"] == "Asia/Seoul"
    assert str(first["SUMMARY"]) == "Peer session moderator · 알파팀"


def test_another_time_zone(alpha):
    alpha.timezone = "America/New_York"
    alpha.save()
    cal = feed(alpha.member)
    event = next(iter(events(cal).values()))
    assert event["DTSTART"].dt.tzinfo.key == "America/New_York"
    assert event["DTSTART"].dt.hour == 16
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["America/New_York"]


def test_uids_are_stable_across_calls(alpha):
    ReviewFactory(day=DayFactory(team=alpha, date=TODAY, number=13), presenters=[alpha.member])
    assert list(events(feed(alpha.member))) == list(events(feed(alpha.member)))


def test_recorded_past_days_are_kept_for_sixty_days(alpha):
    recent = DayFactory(
        team=alpha, date=datetime.date(2024, 3, 5), number=2, moderator=alpha.member
    )
    DayFactory(team=alpha, date=datetime.date(2024, 3, 6), number=3, moderator=alpha.admin)
    much_later = TODAY + datetime.timedelta(days=ical.PAST_DAYS + 1)

    uids = events(feed(alpha.member))
    assert moderator_uid(recent.date) in uids
    assert moderator_uid(datetime.date(2024, 3, 6)) not in uids
    assert str(uids[moderator_uid(recent.date)]["URL"]).endswith("/teams/alpha/days/2024-03-05/")

    assert moderator_uid(recent.date) not in events(feed(alpha.member, today=much_later))


def test_a_recorded_moderator_and_an_assignment_override_the_rotation(alpha):
    dates = next_session_dates(alpha, TODAY, 4)
    slots = schedule(alpha, dates[0], dates[-1])
    admins = [s.date for s in slots if s.moderator == alpha.admin]
    DayFactory(team=alpha, date=admins[0], number=20, moderator=alpha.member)
    ModeratorAssignment.objects.create(team=alpha, date=admins[1], member=alpha.member)

    member_uids = events(feed(alpha.member))
    admin_uids = events(feed(alpha.admin))
    for date in admins[:2]:
        assert moderator_uid(date) in member_uids
        assert moderator_uid(date) not in admin_uids


def test_skipped_dates_have_no_event(alpha):
    date = next(
        s.date
        for s in schedule(alpha, TODAY, TODAY + datetime.timedelta(days=14))
        if s.moderator == alpha.member
    )
    SkippedDate.objects.create(team=alpha, date=date)
    assert moderator_uid(date) not in events(feed(alpha.member))


def test_reviews_the_member_presents(alpha):
    day = DayFactory(team=alpha, date=TODAY + datetime.timedelta(days=1), number=14)
    mine = ReviewFactory(day=day, assignment="과제 7", topic="DFS", presenters=[alpha.member])
    ReviewFactory(day=day, assignment="과제 8", presenters=[alpha.admin])
    old_day = DayFactory(team=alpha, date=TODAY - datetime.timedelta(days=61), number=1)
    ReviewFactory(day=old_day, presenters=[alpha.member])
    past_day = DayFactory(team=alpha, date=TODAY - datetime.timedelta(days=60), number=2)
    past = ReviewFactory(day=past_day, presenters=[alpha.member])

    reviews = {u: e for u, e in events(feed(alpha.member)).items() if u.startswith("review-")}

    assert set(reviews) == {f"review-alpha-{mine.pk}@studylog", f"review-alpha-{past.pk}@studylog"}
    event = reviews[f"review-alpha-{mine.pk}@studylog"]
    assert str(event["SUMMARY"]) == "Assignment review presentation: 과제 7 · 알파팀"
    assert event["DTSTART"].dt == datetime.datetime(2024, 3, 21, 16, 0, tzinfo=SEOUL)
    assert "DFS" in str(event["DESCRIPTION"])
    assert str(event["URL"]) == "http://127.0.0.1:8000/teams/alpha/days/2024-03-21/"


def test_an_unrecorded_day_links_to_the_team(alpha):
    event = next(iter(events(feed(alpha.member)).values()))
    assert str(event["URL"]) == "http://127.0.0.1:8000/teams/alpha/"


def test_links_use_the_given_base_url(alpha):
    cal = icalendar.Calendar.from_ical(
        ical.member_calendar(alpha.member, TODAY, base_url="https://study.example/")
    )
    assert all(
        str(e["URL"]).startswith("https://study.example/teams/alpha/") for e in cal.walk("VEVENT")
    )


def test_summaries_follow_the_teams_language(alpha):
    alpha.language = "ko"
    alpha.save()
    with override("ko"):
        expected = gettext("Peer session moderator · %(team)s") % {"team": "알파팀"}
    event = next(iter(events(feed(alpha.member)).values()))
    assert str(event["SUMMARY"]) == expected


def test_duties_of_other_teams_stay_out(alpha, other_team):
    twin = MembershipFactory(team=other_team, user=alpha.member.user, display_name="이멤버")
    other_team.starts_on = START
    other_team.save()
    ReviewFactory(day=DayFactory(team=other_team, date=TODAY, number=5), presenters=[twin])
    assert all("-alpha-" in uid for uid in events(feed(alpha.member)))


def test_revoking_changes_the_token(alpha):
    old = alpha.member.calendar_token
    new = ical.revoke_token(alpha.member)
    alpha.member.refresh_from_db()
    assert alpha.member.calendar_token == new != old
    assert len(new) == len(old)


def test_a_team_with_no_weekdays_left_still_gets_a_feed(alpha):
    # next_session_dates gives up on a team with no weekdays; the feed is then empty.
    type(alpha).objects.filter(pk=alpha.pk).update(session_weekdays="")
    assert events(feed(alpha.member)) == {}
