"""A week as a "N주차 팀 회고" post (sessions/jekyll/week_post.py): downloaded from the
week's page, in the member's zip, and imported back beside the day posts with nothing lost."""

import datetime
import io
import zipfile

import pytest
from django.urls import reverse

from sessions.jekyll.catalogue import posts_zip
from sessions.jekyll.export import post_filename, render_post
from sessions.jekyll.importer import FAILED, IMPORTED, UNCHANGED, import_sources
from sessions.jekyll.sources import Source
from sessions.jekyll.week_post import filename, render_week_post
from sessions.models import Day, Membership, Suggestion, WeekRetro

from .factories import (
    AttendanceFactory,
    DayFactory,
    MemberLogFactory,
    QuestionFactory,
    SuggestionFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2024, 3, 11)  # the team's second week


@pytest.fixture
def week(team, team_member):
    """Three days over two weeks; the second week with a decision, an open question and
    the team's retrospective."""
    member = Membership.objects.get(team=team, display_name="이멤버")
    days = [
        DayFactory(team=team, date=datetime.date(2024, 3, 6), number=1),
        DayFactory(team=team, date=MONDAY, number=2, tags="정렬"),
        DayFactory(team=team, date=MONDAY + datetime.timedelta(days=2), number=3),
    ]
    for day in days:
        AttendanceFactory(day=day, member=member)
        MemberLogFactory(day=day, member=member, retrospective=f"Day{day.number} 회고")
    SuggestionFactory(
        day=days[1],
        proposal="코드 리뷰는 PR로",
        outcome="다음 주부터",
        status=Suggestion.Status.ACCEPTED,
    )
    QuestionFactory(
        day=days[2], question="힙 정렬은 왜 불안정한가요?", asked_by=member, needs_follow_up=True
    )
    WeekRetro.objects.create(
        team=team, monday=MONDAY, retrospective="- **정렬** 주간 완료\n- 다음 주: 그래프", version=2
    )
    return member


def test_the_week_post_rolls_the_week_up_and_ends_with_the_team_retrospective(team, week):
    post = render_week_post(team, week, MONDAY + datetime.timedelta(days=4))
    assert 'title: "2주차 팀 회고"' in post
    assert "date: 2024-03-17" in post
    assert "- Day2 2024-03-11 :" in post and "Day1" not in post  # the other week's day
    assert "- 코드 리뷰는 PR로 → 다음 주부터" in post
    assert "힙 정렬은 왜 불안정한가요? (이멤버) `추가 확인 필요`" in post
    assert "| 이멤버 | 참석 | 참석 | 2 / 2 |" in post
    assert post.rstrip().endswith("## 팀 회고\n\n- **정렬** 주간 완료\n- 다음 주: 그래프")
    assert filename(team, MONDAY) == "2024-03-17-boostcourse_week2.md"


def test_html_in_the_retrospective_goes_out_inert(team, week):
    WeekRetro.objects.filter(team=team).update(retrospective="<script>alert(1)</script> 끝")
    post = render_week_post(team, week, MONDAY)
    assert "<script>" not in post


def test_a_member_downloads_the_week_post_from_the_week_page(team, week, as_member):
    page = reverse("peer:archive_week", args=[team.slug, MONDAY])
    link = reverse("peer:week_post", args=[team.slug, MONDAY + datetime.timedelta(days=3)])
    listed = reverse("peer:week_post", args=[team.slug, MONDAY])
    assert listed in as_member.get(page).content.decode()
    response = as_member.get(link)
    assert response.status_code == 200
    assert "2024-03-17-boostcourse_week2.md" in response["Content-Disposition"]
    assert response.content.decode() == render_week_post(team, week, MONDAY)


def test_day_and_week_posts_import_into_a_new_team_and_export_the_same(team, week):
    days = Day.objects.filter(team=team).order_by("date")
    sources = [Source(post_filename(day), render_post(day, week).encode()) for day in days]
    week_text = render_week_post(team, week, MONDAY)
    sources.append(Source(filename(team, MONDAY), week_text.encode()))
    copy = TeamFactory(name=team.name, slug="copy")

    report = import_sources(copy, sources, member_name=week.display_name)
    assert [r.status for r in report.results] == [IMPORTED] * 4
    retro = WeekRetro.objects.get(team=copy)
    assert retro.monday == MONDAY
    assert retro.retrospective == "- **정렬** 주간 완료\n- 다음 주: 그래프"
    member = copy.memberships.get(display_name=week.display_name)
    assert render_week_post(copy, member, MONDAY) == week_text

    again = import_sources(copy, [sources[-1]], member_name=week.display_name)
    assert again.results[0].status == IMPORTED
    assert WeekRetro.objects.get(team=copy).version == 1  # the same text: no new version


def test_a_week_post_without_a_retrospective_imports_nothing(team, week):
    WeekRetro.objects.filter(team=team).delete()
    text = render_week_post(team, week, MONDAY)
    report = import_sources(TeamFactory(slug="empty-copy"), [Source("w.md", text.encode())])
    assert report.results[0].status == UNCHANGED
    assert not WeekRetro.objects.filter(team__slug="empty-copy").exists()


@pytest.mark.parametrize("date", ["0001-01-01", "9999-12-31"])
def test_a_week_post_with_an_impossible_date_is_refused_with_a_reason(date, team, week):
    text = render_week_post(team, week, MONDAY).replace("date: 2024-03-17", f"date: {date}")
    report = import_sources(TeamFactory(slug="odd-copy"), [Source("w.md", text.encode())])
    assert report.results[0].status == FAILED and report.results[0].reason
    assert not WeekRetro.objects.filter(team__slug="odd-copy").exists()


def test_the_members_zip_holds_a_post_of_each_of_their_weeks(team, week):
    with zipfile.ZipFile(io.BytesIO(posts_zip(team, week))) as archive:
        names = archive.namelist()
        second = archive.read("_posts/2024-03-17-boostcourse_week2.md").decode()
    assert "_posts/2024-03-10-boostcourse_week1.md" in names
    assert len([name for name in names if "_day" in name]) == 3
    assert second == render_week_post(team, week, MONDAY)
