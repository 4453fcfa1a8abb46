"""The week's roll-up at /teams/<team>/weeks/<date>/ (sessions/weeks.py) and the team
retrospective the team writes together."""

import datetime

import pytest
from django.urls import reverse

from sessions.models import Attendance, MemberLog, Membership, Suggestion, WeekRetro

from .factories import (
    ActionItemFactory,
    DayFactory,
    MemberLogFactory,
    QuestionFactory,
    SuggestionFactory,
)

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2024, 3, 4)  # the conftest day's date


def week_url(date=MONDAY) -> str:
    return reverse("peer:archive_week", args=["alpha", date])


def retro_url(date=MONDAY) -> str:
    return reverse("peer:week_retro", args=["alpha", date])


@pytest.fixture
def busy_week(day, team):
    """Day 1 (Monday) and Day 2 (Wednesday) of a week, and a day of the next week."""
    admin = Membership.objects.get(team=team, display_name="김관리")
    member = Membership.objects.get(team=team, display_name="이멤버")
    wednesday = DayFactory(team=team, date=MONDAY + datetime.timedelta(days=2), number=2)
    Attendance.objects.create(day=wednesday, member=admin, status=Attendance.Status.ABSENT)
    Attendance.objects.create(day=wednesday, member=member, status=Attendance.Status.LATE)
    later = DayFactory(team=team, date=MONDAY + datetime.timedelta(days=7), number=3)
    SuggestionFactory(day=day, proposal="회의록은 당일에 올리기", status=Suggestion.Status.ACCEPTED)
    SuggestionFactory(day=day, proposal="아직 논의 중인 건의", status=Suggestion.Status.PROPOSED)
    SuggestionFactory(day=later, proposal="다음 주의 결정", status=Suggestion.Status.ACCEPTED)
    QuestionFactory(day=day, question="왜 Adam인가요?", asked_by=member, needs_follow_up=True)
    QuestionFactory(day=wednesday, question="dropout 위치는?", asked_by=admin)
    ActionItemFactory(day=wednesday, text="리뷰 슬라이드 올리기", owner=member)
    MemberLogFactory(day=day, member=member, retrospective="월요일 회고: 많이 배웠다")
    MemberLogFactory(
        day=wednesday,
        member=admin,
        retrospective="관리자만 보는 회고",
        visibility=MemberLog.Visibility.PRIVATE,
    )
    return day


def section(html: str, anchor: str) -> str:
    start = html.index(f'id="{anchor}"')
    return html[start : html.index("</section>", start)]


def test_the_week_rolls_up_its_decisions_questions_actions_and_attendance(busy_week, as_member):
    html = as_member.get(week_url(MONDAY + datetime.timedelta(days=3))).content.decode()
    decisions = section(html, "decisions")
    assert "회의록은 당일에 올리기" in decisions
    assert "아직 논의 중인 건의" not in decisions and "다음 주의 결정" not in decisions
    questions = section(html, "questions")
    assert "왜 Adam인가요?" in questions and "dropout 위치는?" in questions
    assert "1개 아직 열림" in questions or "1 still open" in questions
    assert "리뷰 슬라이드 올리기" in section(html, "actions")
    attendance = section(html, "attendance")
    assert "2 / 2" in attendance  # 이멤버: present Monday, late Wednesday
    assert "1 / 2" in attendance  # 김관리: absent Wednesday


def test_each_member_sees_the_retrospectives_they_may(busy_week, as_member, as_admin):
    seen_by_member = section(as_member.get(week_url()).content.decode(), "retrospectives")
    assert "월요일 회고" in seen_by_member and "관리자만 보는 회고" not in seen_by_member
    seen_by_admin = section(as_admin.get(week_url()).content.decode(), "retrospectives")
    assert "관리자만 보는 회고" in seen_by_admin  # their own, private


def test_the_team_writes_its_retrospective_together(busy_week, team, as_member, as_admin):
    response = as_member.post(
        retro_url(MONDAY + datetime.timedelta(days=2)),
        {
            "retrospective": "이번 주는 **Adam**을 파고들었다",
            "version": "0",
        },
    )
    assert response.status_code == 302
    retro = WeekRetro.objects.get(team=team)
    assert retro.monday == MONDAY and retro.version == 1  # a Wednesday names its week
    html = as_admin.get(week_url()).content.decode()
    assert "<strong>Adam</strong>" in section(html, "team-retro")
    again = as_admin.post(retro_url(), {"retrospective": "고쳐 쓴 팀 회고", "version": "1"})
    assert again.status_code == 302
    assert WeekRetro.objects.get(team=team).retrospective == "고쳐 쓴 팀 회고"
    next_week = as_member.get(week_url(MONDAY + datetime.timedelta(days=7))).content.decode()
    assert "고쳐 쓴 팀 회고" not in next_week


def test_a_save_from_an_old_version_overwrites_nothing_and_keeps_what_was_typed(
    busy_week, team, as_member, as_admin
):
    as_admin.post(retro_url(), {"retrospective": "관리자가 먼저 쓴 회고", "version": "0"})
    response = as_member.post(retro_url(), {"retrospective": "멤버가 쓰던 회고", "version": "0"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "관리자가 먼저 쓴 회고" in html and "멤버가 쓰던 회고" in html
    assert WeekRetro.objects.get(team=team).retrospective == "관리자가 먼저 쓴 회고"
    # Saving again from the form it got back replaces it, deliberately.
    form = response.context["form"]
    body = {"retrospective": form["retrospective"].value(), "version": form["version"].value()}
    assert as_member.post(retro_url(), body).status_code == 302
    assert WeekRetro.objects.get(team=team).retrospective == "멤버가 쓰던 회고"


def test_a_retrospective_too_long_is_refused_beside_the_field(busy_week, team, as_member):
    text = "가" * 20_001
    response = as_member.post(retro_url(), {"retrospective": text, "version": "0"})
    assert response.status_code == 422
    assert response.context["form"].errors["retrospective"]
    assert response.context["form"]["retrospective"].value() == text
    assert not WeekRetro.objects.exists()


def test_an_observer_reads_the_week_but_gets_no_form(busy_week, as_observer):
    html = as_observer.get(week_url()).content.decode()
    assert 'id="team-retro"' in html and retro_url() not in html
