"""Team and member statistics: figures checked against a small data set counted by hand,
the charts and CSV downloads built from them, who may see them, and their query counts.

The hand-made team (see `crafted`) meets three times over two ISO weeks:

    day   date        moderator  김관리    이멤버    정하나 (name only)
    D1    2024-03-04  김관리     present  late     absent
    D2    2024-03-06  이멤버     present  present  excused
    D3    2024-03-12  김관리     late     absent   present

Reviews: D1 presented by 김관리 and 이멤버, D2 by 정하나 and 김관리, D3 by 이멤버.
Questions (asked → answered): D1 q1 이멤버 → 김관리 (follow-up, resolved 2024-03-10
15:30 UTC, which is Monday 2024-03-11 00:30 in Seoul), D1 q2 정하나 → 이멤버, D2 q3
김관리 → 박참관 the observer (follow-up, open), D3 q4 이멤버 → nobody.
Action items: D2 a1 (resolved 2024-03-13 01:00 UTC), D3 a2 (open).
Team "beta" has a day with attendance and questions of its own, which must not count.
"""

import csv
import datetime
import io

import pytest
from django.urls import reverse

from sessions import search_index, stats
from sessions.charts import Chart, Point, Series, ticks
from sessions.models import ActionItem, Attendance, Membership, Question

from .factories import (
    AttendanceFactory,
    DayFactory,
    MembershipFactory,
    QuestionFactory,
    ReviewFactory,
)

pytestmark = pytest.mark.django_db

P, L, A, E = (
    Attendance.Status.PRESENT,
    Attendance.Status.LATE,
    Attendance.Status.ABSENT,
    Attendance.Status.EXCUSED,
)
UTC = datetime.UTC


def when(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


@pytest.fixture
def crafted(team, team_admin, team_member, team_observer, other_team, outsider):
    admin, member, observer = (
        u.memberships.get() for u in (team_admin, team_member, team_observer)
    )
    for order, m in enumerate((admin, member, observer), start=1):
        Membership.objects.filter(pk=m.pk).update(rotation_order=order)
    hana = MembershipFactory(team=team, user=None, display_name="정하나", rotation_order=4)
    # An inactive member's old records count for the team, but they get no row.
    gone = MembershipFactory(team=team, user=None, display_name="퇴장한", is_active=False)

    d1 = DayFactory(team=team, date=datetime.date(2024, 3, 4), number=1, moderator=admin)
    d2 = DayFactory(team=team, date=datetime.date(2024, 3, 6), number=2, moderator=member)
    d3 = DayFactory(team=team, date=datetime.date(2024, 3, 12), number=3, moderator=admin)
    for day, statuses in ((d1, (P, L, A)), (d2, (P, P, E)), (d3, (L, A, P))):
        for who, status in zip((admin, member, hana), statuses, strict=True):
            AttendanceFactory(day=day, member=who, status=status)
    AttendanceFactory(day=d1, member=gone, status=P)

    ReviewFactory(day=d1, presenters=[admin, member])
    ReviewFactory(day=d2, presenters=[hana, admin])
    ReviewFactory(day=d3, presenters=[member])

    q1 = QuestionFactory(
        day=d1,
        question="Xavier 초기화를 쓰는 이유?",
        asked_by=member,
        answered_by=admin,
        needs_follow_up=True,
    )
    q1.resolved_at = when(2024, 3, 10, 15, 30)
    q1.save()
    QuestionFactory(
        day=d1, question="제너레이터와 이터레이터 차이?", asked_by=hana, answered_by=member
    )
    QuestionFactory(
        day=d2,
        question="배치 정규화는 어디에?",
        asked_by=admin,
        answered_by=observer,
        needs_follow_up=True,
    )
    QuestionFactory(day=d3, question="LSTM 게이트 개수?", asked_by=member, answer="")
    ActionItem.objects.create(day=d2, text="자료 공유하기", resolved_at=when(2024, 3, 13, 1))
    ActionItem.objects.create(day=d3, text="발표 준비하기")

    # Another team's activity, on the same dates.
    beta_day = DayFactory(team=other_team, date=d1.date, number=1)
    stranger = outsider.memberships.get()
    AttendanceFactory(day=beta_day, member=stranger, status=A)
    QuestionFactory(day=beta_day, asked_by=stranger, needs_follow_up=True)
    ActionItem.objects.create(day=beta_day, text="남의 팀 할 일")
    return {"admin": admin, "member": member, "observer": observer, "hana": hana, "gone": gone}


def figures(row: stats.MemberStats) -> tuple:
    return (
        row.member.display_name,
        row.attended,
        row.present,
        row.late,
        row.absent,
        row.excused,
        row.rate,
        row.moderated,
        row.reviews,
        row.asked,
        row.answered,
    )


def stats_url(name: str = "stats", **kwargs) -> str:
    return reverse(f"peer:{name}", kwargs={"team": "alpha", **kwargs})


def csv_rows(response) -> list[list[str]]:
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


# -- The figures ------------------------------------------------------------------------------


def test_member_figures_match_the_hand_count(crafted, team):
    rows = stats.member_stats(team)
    # name, attended, present, late, absent, excused, rate %, moderated, reviews, asked, answered
    assert [figures(r) for r in rows] == [
        ("김관리", 3, 2, 1, 0, 0, 100, 2, 2, 1, 1),
        ("이멤버", 2, 1, 1, 1, 0, 67, 1, 2, 2, 1),
        # The observer answered a question, so they are listed; they attend nothing.
        ("박참관", 0, 0, 0, 0, 0, None, 0, 0, 0, 1),
        ("정하나", 1, 1, 0, 1, 1, 33, 0, 1, 1, 0),
    ]


def test_an_observer_with_nothing_to_show_is_left_out(crafted, team):
    Question.objects.filter(answered_by=crafted["observer"]).update(answered_by=None)
    names = [r.member.display_name for r in stats.member_stats(team)]
    assert names == ["김관리", "이멤버", "정하나"]


def test_one_members_figures_include_an_inactive_member(crafted, team):
    (row,) = stats.member_stats(team, member=crafted["gone"])
    assert figures(row) == ("퇴장한", 1, 1, 0, 0, 0, 100, 0, 0, 0, 0)


def test_attendance_by_day(crafted, team):
    days = stats.attendance_by_day(team)
    assert [
        (d.date.isoformat(), d.number, d.present, d.late, d.absent, d.excused) for d in days
    ] == [
        ("2024-03-04", 1, 2, 1, 1, 0),  # the inactive member was there too
        ("2024-03-06", 2, 2, 0, 0, 1),
        ("2024-03-12", 3, 1, 1, 1, 0),
    ]
    assert [d.rate for d in days] == [75, 67, 67]


def test_questions_per_iso_week(crafted, team):
    weeks = stats.questions_by_week(team)
    assert [(w.week.isoformat(), w.count) for w in weeks] == [("2024-03-04", 3), ("2024-03-11", 1)]


def test_weeks_without_questions_are_shown_as_zero(crafted, team):
    DayFactory(team=team, date=datetime.date(2024, 3, 27), number=4)
    weeks = stats.questions_by_week(team)
    assert [(w.week.isoformat(), w.count) for w in weeks] == [
        ("2024-03-04", 3),
        ("2024-03-11", 1),
        ("2024-03-18", 0),
        ("2024-03-25", 0),
    ]


def test_follow_ups_open_in_their_days_week_and_close_in_the_teams_time_zone(crafted, team):
    follow_ups = stats.follow_ups_by_week(team)
    # q1 closed at 15:30 UTC on Sunday 3/10: already Monday 3/11 in Seoul, the next week.
    assert [(w.week.isoformat(), w.opened, w.closed) for w in follow_ups.weeks] == [
        ("2024-03-04", 3, 0),  # q1, q3, a1
        ("2024-03-11", 1, 2),  # a2 opened; q1 and a1 closed
    ]
    assert follow_ups.still_open == 2  # q3 and a2


def test_a_team_in_utc_closes_the_same_follow_up_a_week_earlier(crafted, team):
    team.timezone = "UTC"
    team.save()
    weeks = stats.follow_ups_by_week(team).weeks
    assert [(w.week.isoformat(), w.opened, w.closed) for w in weeks] == [
        ("2024-03-04", 3, 1),
        ("2024-03-11", 1, 1),
    ]


def test_a_period_narrows_every_figure(crafted, team):
    period = stats.Period(datetime.date(2024, 3, 5), datetime.date(2024, 3, 12))
    assert [figures(r) for r in stats.member_stats(team, period)] == [
        ("김관리", 2, 1, 1, 0, 0, 100, 1, 1, 1, 0),
        ("이멤버", 1, 1, 0, 1, 0, 50, 1, 1, 1, 0),
        ("박참관", 0, 0, 0, 0, 0, None, 0, 0, 0, 1),
        ("정하나", 1, 1, 0, 0, 1, 50, 0, 1, 0, 0),
    ]
    assert [d.number for d in stats.attendance_by_day(team, period)] == [2, 3]
    assert [(w.week.isoformat(), w.count) for w in stats.questions_by_week(team, period)] == [
        ("2024-03-04", 1),
        ("2024-03-11", 1),
    ]
    # Opened: a1 and q3 (D2), a2 (D3). Closed in the period: q1 (3/11 in Seoul), not a1 (3/13).
    follow_ups = stats.follow_ups_by_week(team, period)
    assert [(w.week.isoformat(), w.opened, w.closed) for w in follow_ups.weeks] == [
        ("2024-03-04", 2, 0),
        ("2024-03-11", 1, 1),
    ]


def test_member_weeks(crafted, team):
    weeks = stats.member_weeks(team, crafted["member"])
    assert [
        (w.week.isoformat(), w.present, w.late, w.absent, w.excused, w.asked, w.answered)
        for w in weeks
    ] == [
        ("2024-03-04", 1, 1, 0, 0, 1, 1),
        ("2024-03-11", 0, 0, 1, 0, 1, 0),
    ]


def test_a_team_without_days_has_empty_series(team):
    assert stats.attendance_by_day(team) == []
    assert stats.questions_by_week(team) == []
    assert stats.follow_ups_by_week(team).weeks == []


# -- The pages ----------------------------------------------------------------------------------


def test_team_page_shows_the_figures_and_links_each_member(crafted, as_member):
    response = as_member.get(stats_url())
    assert response.status_code == 200
    assert [figures(r) for r in response.context["members"]][1] == (
        "이멤버", 2, 1, 1, 1, 0, 67, 1, 2, 2, 1
    )  # fmt: skip
    summary = response.context["summary"]
    assert (summary["days"], summary["rate"], summary["questions"]) == (3, 70, 4)
    assert (summary["follow_ups_open"], summary["follow_ups_opened"]) == (2, 4)
    page = response.content.decode()
    hana = crafted["hana"].pk
    assert f'href="{stats_url("member_stats", member=hana)}"' in page
    # Every chart has its accessible name and table, and a CSV link that keeps the period.
    for chart_id in ("attendance", "member-attendance", "questions", "member-questions"):
        assert f'aria-labelledby="chart-{chart_id}-title chart-{chart_id}-desc"' in page
    assert page.count('role="img"') == 5
    assert page.count('<details class="chart-data" id="chart-') == 5
    assert f'href="{stats_url("stats_csv", table="follow-ups")}"' in page


def test_the_attendance_chart_draws_one_bar_segment_per_nonzero_count(crafted, as_member, english):
    chart = as_member.get(stats_url()).context["charts"]["attendance"]
    svg = str(chart.svg)
    # D1: 2 present, 1 late, 1 absent; D2: 2 present, 1 excused; D3: 1 of each but excused.
    assert svg.count("<rect ") == 3 + 2 + 3
    assert "2024-03-06 · Day2 · Excused: 1" in svg


def test_a_period_in_the_query_string_filters_the_page(crafted, as_member):
    response = as_member.get(stats_url(), {"from": "2024-03-05", "to": "2024-03-12"})
    assert response.context["summary"]["days"] == 2
    assert 'href="/teams/alpha/stats/attendance.csv?from=2024-03-05&amp;to=2024-03-12"' in (
        response.content.decode()
    )


def test_a_reversed_period_is_an_error_beside_the_form_and_shows_all_time(
    crafted, as_member, english
):
    response = as_member.get(stats_url(), {"from": "2024-03-12", "to": "2024-03-01"})
    assert response.status_code == 200
    assert "The start date is after the end date." in response.content.decode()
    assert response.context["summary"]["days"] == 3


def test_member_page_shows_that_members_numbers(crafted, as_observer):
    response = as_observer.get(stats_url("member_stats", member=crafted["member"].pk))
    assert response.status_code == 200
    assert figures(response.context["row"]) == ("이멤버", 2, 1, 1, 1, 0, 67, 1, 2, 2, 1)
    page = response.content.decode()
    assert page.count('role="img"') == 2
    assert f"member-weeks.csv?member={crafted['member'].pk}" in page


def test_member_page_of_another_teams_member_is_404(crafted, as_member, outsider):
    stranger = outsider.memberships.get()
    response = as_member.get(stats_url("member_stats", member=stranger.pk))
    assert response.status_code == 404


def test_a_display_name_is_escaped_in_the_charts_and_tables(team, day, as_member):
    evil = MembershipFactory(team=team, display_name='<script>alert("x")</script>')
    AttendanceFactory(day=day, member=evil, status=P)
    page = as_member.get(stats_url()).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    member_page = as_member.get(stats_url("member_stats", member=evil.pk)).content.decode()
    assert "<script>alert" not in member_page


def test_chart_builder_escapes_titles_and_labels():
    chart = Chart(
        id="c",
        title="<b>제목</b>",
        description='"설명" & more',
        category="Member",
        series=(Series("asked", "<i>질문</i>"),),
        points=[Point("<x>", "<img src=x onerror=alert(1)>", (3,))],
        layout="bars",
    )
    svg = str(chart.svg)
    assert "<b>" not in svg and "<img" not in svg and "<i>" not in svg
    assert "&lt;img src=x onerror=alert(1)&gt;" in svg
    assert '<title id="c-title">&lt;b&gt;제목&lt;/b&gt;</title>' in svg
    assert "&quot;설명&quot; &amp; more" in svg


def test_ticks_are_round_and_reach_the_top():
    assert ticks(0) == [0, 1]
    assert ticks(1) == [0, 1]
    assert ticks(3) == [0, 1, 2, 3]
    assert ticks(7) == [0, 2, 4, 6, 8]
    assert ticks(10) == [0, 5, 10]
    assert ticks(37) == [0, 10, 20, 30, 40]


def test_a_chart_with_nothing_recorded_says_so(team, team_member, as_member, english):
    page = as_member.get(stats_url()).content.decode()
    assert page.count("Nothing recorded in this period yet.") == 5
    assert 'role="img"' not in page


# -- CSV ------------------------------------------------------------------------------------------


def test_members_csv(crafted, as_member, english):
    response = as_member.get(stats_url("stats_csv", table="members"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="alpha-members.csv"'
    rows = csv_rows(response)
    assert rows[0] == [
        "Member",
        "Sessions attended",
        "Present",
        "Late",
        "Absent",
        "Excused",
        "Attendance rate (%)",
        "Days moderated",
        "Reviews presented",
        "Questions asked",
        "Questions answered",
    ]
    assert rows[1:] == [
        ["김관리", "3", "2", "1", "0", "0", "100", "2", "2", "1", "1"],
        ["이멤버", "2", "1", "1", "1", "0", "67", "1", "2", "2", "1"],
        ["박참관", "0", "0", "0", "0", "0", "", "0", "0", "0", "1"],
        ["정하나", "1", "1", "0", "1", "1", "33", "0", "1", "1", "0"],
    ]


def test_series_csvs(crafted, as_member, english):
    attendance = csv_rows(as_member.get(stats_url("stats_csv", table="attendance")))
    assert attendance == [
        ["Date", "Day", "Present", "Late", "Absent", "Excused", "Attendance rate (%)"],
        ["2024-03-04", "1", "2", "1", "1", "0", "75"],
        ["2024-03-06", "2", "2", "0", "0", "1", "67"],
        ["2024-03-12", "3", "1", "1", "1", "0", "67"],
    ]
    questions = csv_rows(as_member.get(stats_url("stats_csv", table="questions")))
    assert questions == [["Week of", "Questions"], ["2024-03-04", "3"], ["2024-03-11", "1"]]
    response = as_member.get(stats_url("stats_csv", table="follow-ups"), {"to": "2024-03-08"})
    assert response["Content-Disposition"] == 'attachment; filename="alpha-follow-ups.csv"'
    assert csv_rows(response) == [["Week of", "Opened", "Resolved"], ["2024-03-04", "3", "0"]]


def test_member_weeks_csv(crafted, as_member):
    member = crafted["member"].pk
    response = as_member.get(stats_url("stats_csv", table="member-weeks"), {"member": member})
    assert csv_rows(response)[1:] == [
        ["2024-03-04", "1", "1", "0", "0", "1", "1"],
        ["2024-03-11", "0", "0", "1", "0", "1", "0"],
    ]


@pytest.mark.parametrize("query", [{}, {"member": "x"}, {"member": "999999"}])
def test_member_weeks_csv_needs_a_member_of_the_team(crafted, as_member, query):
    assert as_member.get(stats_url("stats_csv", table="member-weeks"), query).status_code == 404


def test_member_weeks_csv_of_another_teams_member_is_404(crafted, as_member, outsider):
    query = {"member": outsider.memberships.get().pk}
    assert as_member.get(stats_url("stats_csv", table="member-weeks"), query).status_code == 404


def test_unknown_table_is_404(crafted, as_member):
    assert as_member.get(stats_url("stats_csv", table="passwords")).status_code == 404


@pytest.mark.parametrize("name", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd"])
def test_csv_cells_that_look_like_formulas_are_defused(team, day, as_member, name):
    MembershipFactory(team=team, display_name=name)
    rows = csv_rows(as_member.get(stats_url("stats_csv", table="members")))
    names = [row[0] for row in rows[1:]]
    assert "'" + name in names
    assert name not in names


def test_safe_cell_leaves_numbers_and_ordinary_text_alone():
    assert stats.safe_cell(0) == "0"
    assert stats.safe_cell("김관리") == "김관리"
    assert stats.safe_cell("2024-03-04") == "2024-03-04"


# -- Who may see them ------------------------------------------------------------------------------


def all_urls(member_pk: int) -> list[str]:
    return [
        stats_url(),
        stats_url("member_stats", member=member_pk),
        stats_url("stats_csv", table="members"),
        stats_url("stats_csv", table="member-weeks") + f"?member={member_pk}",
    ]


def test_anonymous_visitors_are_sent_to_log_in(team_member, anon):
    for url in all_urls(team_member.memberships.get().pk):
        response = anon.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_outsiders_get_404(team_member, as_outsider):
    for url in all_urls(team_member.memberships.get().pk):
        assert as_outsider.get(url).status_code == 404


def test_an_inactive_member_gets_404(team_member, as_member):
    Membership.objects.filter(user=team_member).update(is_active=False)
    for url in all_urls(team_member.memberships.get().pk):
        assert as_member.get(url).status_code == 404


@pytest.mark.parametrize("client_name", ["as_observer", "as_member", "as_admin"])
def test_every_active_member_may_read(request, team_member, client_name):
    client = request.getfixturevalue(client_name)
    for url in all_urls(team_member.memberships.get().pk):
        assert client.get(url).status_code == 200


# -- Queries ---------------------------------------------------------------------------------------

# Every page starts with 4 queries: the session, the user, the team and the membership.
# The team page adds 1 for the member figures, 1 for attendance by day, 2 for the questions
# (the span of days, the counts) and 5 for follow-ups = 13; the member page adds the member,
# their figures and 3 for their weeks = 9; a CSV at most the follow-ups' 5 = 9. Headroom of 2.
BOUNDS = {"team": 15, "member": 11, "csv": 11}


def add_days(team, count: int) -> None:
    """`count` days, each with attendance for everyone, questions, reviews and action items."""
    with search_index.deferred():  # one rebuild per day, not one per row
        members = list(team.memberships.participants())
        start = datetime.date(2024, 1, 1)
        statuses = (P, L, A, E)
        for i in range(count):
            day = DayFactory(
                team=team,
                date=start + datetime.timedelta(days=i),
                number=i + 1,
                moderator=members[i % len(members)],
            )
            for j, m in enumerate(members):
                AttendanceFactory(day=day, member=m, status=statuses[(i + j) % 4])
            for j in range(3):
                question = QuestionFactory(
                    day=day,
                    asked_by=members[(i + j) % len(members)],
                    answered_by=members[(i + j + 1) % len(members)],
                    needs_follow_up=bool(j % 2),
                )
                if i % 2:
                    question.resolved_at = when(2024, 6, 1, 12)
                    question.save()
            ReviewFactory(day=day, presenters=members[:2])
            ActionItem.objects.create(day=day, text=f"할 일 {i}")


@pytest.mark.parametrize("days", [5, 60])
def test_query_count_does_not_grow_with_the_data(
    team, team_admin, team_member, team_observer, as_member, days, django_assert_max_num_queries
):
    for _ in range(6):
        MembershipFactory(team=team)
    add_days(team, days)
    member = team_member.memberships.get().pk
    with django_assert_max_num_queries(BOUNDS["team"]):
        response = as_member.get(stats_url())
    assert response.context["summary"]["days"] == days
    assert len(response.context["members"]) == 8  # not the observer: nothing to show
    with django_assert_max_num_queries(BOUNDS["member"]):
        assert as_member.get(stats_url("member_stats", member=member)).status_code == 200
    for table in ("members", "attendance", "questions", "follow-ups"):
        with django_assert_max_num_queries(BOUNDS["csv"]):
            response = as_member.get(stats_url("stats_csv", table=table))
        assert len(csv_rows(response)) > 1
    with django_assert_max_num_queries(BOUNDS["csv"]):
        as_member.get(stats_url("stats_csv", table="member-weeks"), {"member": member})
