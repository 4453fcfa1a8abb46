"""The archive by date (year, month calendar, week), "this day last week" on a day's
record, and the decision log: what each page marks, where its links go, who may read it,
and that its query count does not grow with the data.

Team alpha meets Monday to Friday from MONDAY (2024-03-04) in name order. Its
participants are 김관리 (admin), 이멤버 (member), 정하나 and 최둘 (name-only members);
박참관 observes. 2024-03-06 is skipped (a holiday), so the session dates run 3/4 김관리
(Day1), 3/5 이멤버 (Day2), 3/7 정하나 (Day3), 3/8 최둘 (Day4), 3/11 김관리 (Day5),
3/12 이멤버 (Day6), 3/13 정하나 (Day7), 3/14 최둘 (Day8)… "Today" is fixed at 3/13.
"""

import datetime
import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from sessions import schedule
from sessions.models import Attendance, Day, Membership, Question, SkippedDate, Suggestion

from .factories import (
    AttendanceFactory,
    DayFactory,
    MembershipFactory,
    QuestionFactory,
    SuggestionFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db

ONE_DAY = datetime.timedelta(days=1)
MONDAY = datetime.date(2024, 3, 4)
HOLIDAY = datetime.date(2024, 3, 6)
TODAY = datetime.date(2024, 3, 13)
LOGIN_PREFIX = "/accounts/login/"
MALICIOUS = "<script>alert(1)</script> 해시 테이블"


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(schedule, "local_today", lambda team: TODAY)


@pytest.fixture
def alpha(team, team_admin, team_member, team_observer):
    team.starts_on = MONDAY
    team.save()
    MembershipFactory(team=team, user=None, display_name="정하나")
    MembershipFactory(team=team, user=None, display_name="최둘")
    SkippedDate.objects.create(team=team, date=HOLIDAY, reason="대체공휴일")
    return team


def member(name: str) -> Membership:
    return Membership.objects.get(team__slug="alpha", display_name=name)


@pytest.fixture
def day1(alpha):
    """Day1 on 3/4, moderated by 이멤버 (not the rotation's pick): 2 present, 1 late,
    1 absent, so 3 of 4 took part; one suggestion and two questions."""
    day = DayFactory(
        team=alpha, date=MONDAY, number=1, title="자료구조 첫날", moderator=member("이멤버")
    )
    statuses = {
        "김관리": Attendance.Status.PRESENT,
        "이멤버": Attendance.Status.PRESENT,
        "정하나": Attendance.Status.LATE,
        "최둘": Attendance.Status.ABSENT,
    }
    for name, status in statuses.items():
        AttendanceFactory(day=day, member=member(name), status=status)
    SuggestionFactory(day=day, status=Suggestion.Status.ACCEPTED)
    QuestionFactory(day=day, question="Xavier 초기화를 쓰는 이유?")
    QuestionFactory(day=day, question="배치 정규화는 언제 쓰나요?")
    return day


def url(name: str, *args) -> str:
    return reverse(f"peer:{name}", args=["alpha", *args])


def cell(html: str, date: datetime.date) -> str:
    """The month calendar's cell for `date` (found by its "n/j (D)" label)."""
    label = f"{date.month}/{date.day} ({date:%a})"
    cells = [c for c in html.split('<li class="cal-cell')[1:] if f">{label}<" in c]
    assert len(cells) == 1, label
    return cells[0].split("</li>")[0]


def text(html: str) -> str:
    """What a reader sees of some HTML: its text, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def week_row(html: str, date: datetime.date) -> str:
    row = html.split(f'id="d-{date.isoformat()}"')[0].rsplit("<li", 1)[1]
    return row + html.split(f'id="d-{date.isoformat()}"')[1].split("</li>")[0]


# --- the month calendar -----------------------------------------------------------------


@pytest.mark.usefixtures("english")
def test_month_marks_a_recorded_day_with_moderator_and_attendance(as_member, day1):
    html = as_member.get(url("archive_month", 2024, 3)).content.decode()
    monday = cell(html, MONDAY)
    assert "has-day" in monday
    assert f'href="{url("day", MONDAY)}"' in monday
    assert "Day1" in monday and "자료구조 첫날" in monday
    assert "이멤버" in monday  # the day's own moderator, not the rotation's 김관리
    assert "3/4 present" in monday  # present + late over everyone with an attendance row


@pytest.mark.usefixtures("english")
def test_month_marks_skipped_scheduled_and_unrecorded_dates(as_member, day1):
    html = as_member.get(url("archive_month", 2024, 3)).content.decode()
    holiday = cell(html, HOLIDAY)
    assert "has-skip" in holiday and "No session" in holiday and "대체공휴일" in holiday
    # 3/12, before today, not recorded: the rotation's 김관리 was due (Day6). (이멤버 took
    # Day1 out of turn, so the queue goes on from the record: 김관리 is behind on turns.)
    missed = cell(html, TODAY - ONE_DAY)
    assert "has-slot" in missed and "Not recorded" in missed
    assert "Day6" in missed and "김관리" in missed
    assert f"{reverse('peer:day_create', args=['alpha'])}?date=2024-03-12" in missed
    # 3/14, after today: scheduled for 최둘 as Day8 (the holiday takes no number).
    ahead = cell(html, TODAY + ONE_DAY)
    assert "has-slot" in ahead and "Scheduled" in ahead and "Day8" in ahead and "최둘" in ahead
    assert "day_create" not in ahead and "days/new" not in ahead  # not recordable yet
    today = cell(html, TODAY)
    assert "is-today" in today and 'aria-current="date"' in today and "정하나" in today
    # Weekends hold no session: nothing but the date.
    assert "is-blank" in cell(html, datetime.date(2024, 3, 9))


@pytest.mark.usefixtures("english")
def test_month_offers_no_new_day_link_to_observers(as_observer, day1):
    html = as_observer.get(url("archive_month", 2024, 3)).content.decode()
    assert "days/new" not in html
    assert "Not recorded" in cell(html, TODAY - ONE_DAY)


@pytest.mark.usefixtures("english")
def test_month_before_the_team_began_shows_no_sessions(as_member, alpha):
    html = as_member.get(url("archive_month", 2024, 2)).content.decode()
    assert "has-slot" not in html and "has-day" not in html
    assert "No sessions recorded this month." in html


@pytest.mark.usefixtures("english")
def test_month_without_a_first_session_day_counts_from_the_first_day_recorded(as_member, day1):
    day1.team.starts_on = None
    day1.team.save()
    html = as_member.get(url("archive_month", 2024, 3)).content.decode()
    assert "is-blank" in cell(html, MONDAY - 3 * ONE_DAY)  # 3/1, before the first day
    # The day after Day1: not 이멤버 again, who moderated Day1; no day numbers.
    after = cell(html, MONDAY + ONE_DAY)
    assert "Not recorded" in after and "김관리" in after and "Day" not in text(after)
    html = as_member.get(url("archive_month", 2024, 2)).content.decode()
    assert "has-slot" not in html


@pytest.mark.usefixtures("english")
def test_month_links_to_neighbours_weeks_year_and_decisions(as_member, alpha):
    html = as_member.get(url("archive_month", 2024, 1)).content.decode()
    assert f'href="{url("archive_month", 2023, 12)}"' in html  # across the year boundary
    assert f'href="{url("archive_month", 2024, 2)}"' in html
    assert f'href="{url("archive_year", 2024)}"' in html
    assert f'href="{url("decisions")}"' in html
    # One link per week row, to the week starting on its Monday (1/1/2024 is a Monday).
    weeks = re.findall(r'class="cal-weeklink" href="([^"]+)"', html)
    assert weeks == [
        url("archive_week", datetime.date(2024, 1, 1) + 7 * i * ONE_DAY) for i in range(5)
    ]


def test_month_names_weekdays_monday_first_in_korean(as_member, alpha):
    html = as_member.get(url("archive_month", 2024, 3), HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert re.findall(r'class="cal-wdname[^"]*">([^<]+)<', html) == list("월화수목금토일")
    assert "2024년 3월" in html


@pytest.mark.parametrize("path", ["/teams/alpha/days/2024/13/", "/teams/alpha/days/2024/0/"])
def test_month_out_of_range_is_404(as_member, alpha, path):
    assert as_member.get(path).status_code == 404


def test_month_at_the_edge_of_the_range_has_no_link_beyond_it(as_member, alpha):
    html = as_member.get(url("archive_month", 2200, 12)).content.decode()
    assert 'rel="next"' not in html and 'rel="prev"' in html
    assert as_member.get(url("archive_month", 2201, 1)).status_code == 404


# --- the year ---------------------------------------------------------------------------


@pytest.mark.usefixtures("english")
def test_year_links_months_days_and_neighbouring_years(as_member, day1):
    html = as_member.get(url("archive_year", 2024)).content.decode()
    for month in range(1, 13):
        assert f'href="{url("archive_month", 2024, month)}"' in html
    assert f'href="{url("archive_year", 2023)}"' in html
    assert f'href="{url("archive_year", 2025)}"' in html
    assert f'<td class="has-day"><a href="{url("day", MONDAY)}"' in html
    assert re.search(r'<td class="has-skip" title="No session: 대체공휴일">6</td>', html)
    assert "1 day recorded" in html


@pytest.mark.parametrize("year", [1899, 2201])
def test_year_out_of_range_is_404(as_member, alpha, year):
    assert as_member.get(f"/teams/alpha/days/{year}/").status_code == 404


# --- the week ---------------------------------------------------------------------------


@pytest.mark.usefixtures("english")
def test_week_lists_each_day_monday_to_sunday(as_member, day1):
    response = as_member.get(url("archive_week", HOLIDAY))
    html = response.content.decode()
    assert [c.date for c in response.context["cells"]] == [MONDAY + i * ONE_DAY for i in range(7)]
    monday = week_row(html, MONDAY)
    assert "자료구조 첫날" in monday and "이멤버" in monday
    assert "1 suggestion" in monday and "2 questions" in monday
    assert "Present 2 · Late 1 · Absent 1" in text(monday)
    assert "No session" in week_row(html, HOLIDAY) and "대체공휴일" in week_row(html, HOLIDAY)
    assert "Not recorded" in week_row(html, MONDAY + ONE_DAY)  # 3/5, 이멤버's turn
    assert "No session" in week_row(html, datetime.date(2024, 3, 10))  # a Sunday
    # The date asked for is the one highlighted.
    assert "is-picked" in week_row(html, HOLIDAY) and "is-picked" not in monday


def test_week_links_to_the_same_weekday_either_side_and_up_to_the_month(as_member, alpha):
    html = as_member.get(url("archive_week", HOLIDAY)).content.decode()
    assert f'href="{url("archive_week", HOLIDAY - 7 * ONE_DAY)}"' in html
    assert f'href="{url("archive_week", HOLIDAY + 7 * ONE_DAY)}"' in html
    assert f'href="{url("archive_month", 2024, 3)}"' in html


def test_week_out_of_range_is_404(as_member, alpha):
    assert as_member.get("/teams/alpha/weeks/1899-12-30/").status_code == 404
    assert as_member.get("/teams/alpha/weeks/2024-02-30/").status_code == 404


# --- "this day last week" on a day's record -------------------------------------------------


def test_record_links_to_last_weeks_week_view_and_the_month(as_member, day1):
    later = DayFactory(team=day1.team, date=TODAY, number=7)
    html = as_member.get(url("day", later.date)).content.decode()
    # The previous day is 3/4, not 3/6 (a holiday): last week's date goes to its week view.
    assert f'href="{url("archive_week", HOLIDAY)}#d-2024-03-06"' in html
    assert f'href="{url("archive_month", 2024, 3)}"' in html


def test_record_links_straight_to_last_weeks_day_when_it_is_the_previous_one(as_member, day1):
    DayFactory(team=day1.team, date=MONDAY + 7 * ONE_DAY, number=5)
    html = as_member.get(url("day", MONDAY + 7 * ONE_DAY)).content.decode()
    assert html.count(f'href="{url("day", MONDAY)}"') == 2  # ← previous, and last week
    assert url("archive_week", MONDAY) not in html


def test_record_nav_runs_no_query(day1, django_assert_num_queries):
    context = {"team": day1.team, "day": day1, "previous": None, "next": None}
    with django_assert_num_queries(0):
        html = render_to_string("peer/record/_nav.html", context)
    assert url("archive_week", MONDAY - 7 * ONE_DAY) in html


# --- the decision log -------------------------------------------------------------------------


@pytest.fixture
def decided(day1):
    """Suggestions on two days, in every status; and one decided in another team."""
    later = DayFactory(team=day1.team, date=TODAY, number=7)
    SuggestionFactory(
        day=later,
        proposal="카메라를 켜고 참여합시다",
        outcome="**다음 주부터** 켜기로 함",
        status=Suggestion.Status.ACCEPTED,
    )
    SuggestionFactory(day=later, proposal="세션을 30분 늘리자", status=Suggestion.Status.REJECTED)
    SuggestionFactory(day=later, proposal="아직 논의 중인 안건", status=Suggestion.Status.PROPOSED)
    SuggestionFactory(
        day=later, proposal="다음 달에 다시 볼 안건", status=Suggestion.Status.DEFERRED
    )
    elsewhere = DayFactory(team=TeamFactory(slug="gamma"), date=TODAY)
    SuggestionFactory(day=elsewhere, proposal="다른 팀의 결정", status=Suggestion.Status.ACCEPTED)
    return later


@pytest.mark.usefixtures("english")
def test_decisions_lists_accepted_and_rejected_newest_day_first(as_member, decided):
    response = as_member.get(url("decisions"))
    html = response.content.decode()
    items = list(response.context["page"].object_list)
    assert [(s.day.date, s.status) for s in items] == [
        (TODAY, "accepted"),
        (TODAY, "rejected"),
        (MONDAY, "accepted"),
    ]
    assert "아직 논의 중인 안건" not in html and "다음 달에 다시 볼 안건" not in html
    assert "다른 팀의 결정" not in html
    assert f'href="{url("day", TODAY)}#suggestions"' in html and "Day7" in html
    assert f'href="{url("day", MONDAY)}#suggestions"' in html
    assert "<strong>다음 주부터</strong>" in html  # the decision goes through the markdown filter
    assert 'class="pill pill-rejected">Rejected<' in html
    assert re.search(r"All <span[^>]*>3<", html) and re.search(r"Accepted <span[^>]*>2<", html)


@pytest.mark.parametrize(
    ("status", "expected"),
    [("accepted", ["accepted", "accepted"]), ("rejected", ["rejected"]), ("proposed", None)],
)
def test_decisions_filter_by_status(as_member, decided, status, expected):
    response = as_member.get(url("decisions"), {"status": status})
    statuses = [s.status for s in response.context["page"].object_list]
    # An unknown filter (or one for undecided suggestions) shows every decision.
    assert statuses == (expected or ["accepted", "rejected", "accepted"])


def test_decisions_paginate_and_keep_the_filter(as_member, day1):
    SuggestionFactory.create_batch(55, day=day1, status=Suggestion.Status.ACCEPTED)
    first = as_member.get(url("decisions"), {"status": "accepted"})
    assert len(first.context["page"].object_list) == 50
    assert "?status=accepted&amp;page=2" in first.content.decode()
    second = as_member.get(url("decisions"), {"status": "accepted", "page": 2})
    assert len(second.context["page"].object_list) == 6  # 55 + day1's own


def test_decisions_escape_the_proposal(as_member, day1):
    SuggestionFactory(day=day1, proposal=MALICIOUS, status=Suggestion.Status.REJECTED)
    html = as_member.get(url("decisions")).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html


# --- escaping, permissions and query counts ------------------------------------------------


@pytest.mark.parametrize(
    ("name", "args"),
    [("archive_month", (2024, 3)), ("archive_year", (2024,)), ("archive_week", (MONDAY,))],
)
def test_titles_are_escaped(as_member, day1, name, args):
    day1.title = MALICIOUS
    day1.save()
    html = as_member.get(url(name, *args)).content.decode()
    assert "&lt;script&gt;alert(1)" in html and "<script>alert" not in html


PAGES = [
    ("archive_year", (2024,)),
    ("archive_month", (2024, 3)),
    ("archive_week", (MONDAY,)),
    ("decisions", ()),
]


@pytest.mark.parametrize(("name", "args"), PAGES)
def test_anonymous_is_sent_to_log_in(anon, alpha, name, args):
    response = anon.get(url(name, *args))
    assert response.status_code == 302 and response["Location"].startswith(LOGIN_PREFIX)


@pytest.mark.parametrize(("name", "args"), PAGES)
def test_outsider_gets_404(as_outsider, alpha, name, args):
    assert as_outsider.get(url(name, *args)).status_code == 404


@pytest.mark.parametrize(("name", "args"), PAGES)
@pytest.mark.parametrize("client", ["as_observer", "as_member", "as_admin"])
def test_every_member_reads(request, day1, name, args, client):
    assert request.getfixturevalue(client).get(url(name, *args)).status_code == 200


def test_an_inactive_member_gets_404(as_member, team_member, alpha):
    team_member.memberships.update(is_active=False)
    assert as_member.get(url("archive_month", 2024, 3)).status_code == 404


def add_days(team, count: int) -> None:
    """`count` more session days from 3/5 on, each with attendance, suggestions, a question."""
    members = list(Membership.objects.participants().filter(team=team))
    dates = schedule.session_dates(team, MONDAY + ONE_DAY, MONDAY + count * 3 * ONE_DAY)[:count]
    days = Day.objects.bulk_create(
        Day(team=team, date=date, number=n, moderator=members[n % len(members)])
        for n, date in enumerate(dates, start=2)
    )
    Attendance.objects.bulk_create(Attendance(day=d, member=m) for d in days for m in members)
    Suggestion.objects.bulk_create(
        Suggestion(day=d, proposal="발표 순서를 정하자", status=status)
        for d in days
        for status in (Suggestion.Status.ACCEPTED, Suggestion.Status.REJECTED)
    )
    Question.objects.bulk_create(
        Question(day=d, question="Xavier 초기화를 쓰는 이유?") for d in days
    )


# Every logged-in page starts with 4 queries (session, user, team, membership). Measured:
# the year 4 + days + skipped dates + years with records = 7; the month 4 + days with
# counts + skipped dates + the schedule (its skipped dates, days, assignments, rotation)
# = 10; the week the same + attendance = 11, and its roll-up (sessions/weeks.py:
# decisions, questions, action items, retrospectives, the team's) = 15; decisions 4 +
# count + page + totals = 7.
# The bound is that plus a little headroom, and must hold for 3 days and for 60.
BOUNDS = {"archive_year": 9, "archive_month": 12, "archive_week": 17, "decisions": 9}


@pytest.mark.parametrize(("name", "args"), PAGES)
@pytest.mark.parametrize("count", [2, 59])
def test_query_count_does_not_grow_with_the_data(
    as_member, day1, name, args, count, django_assert_max_num_queries
):
    add_days(day1.team, count)
    with django_assert_max_num_queries(BOUNDS[name]):
        response = as_member.get(url(name, *args))
    assert response.status_code == 200
