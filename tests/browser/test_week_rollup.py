"""The week's roll-up in the browser: the team writes its retrospective of the week, and
everyone reads the week on one page; at 1280 and 390 px."""

import datetime

import pytest
from playwright.sync_api import expect

from sessions.models import Attendance, Suggestion, WeekRetro

from ..factories import (
    PASSWORD,
    DayFactory,
    MemberLogFactory,
    MembershipFactory,
    QuestionFactory,
    SuggestionFactory,
    TeamFactory,
    UserFactory,
)
from .helpers import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MONDAY = datetime.date(2024, 3, 4)


@pytest.mark.parametrize("width", [1280, 390])
def test_the_team_writes_its_week_retrospective(new_page, width):
    team = TeamFactory(name="주간팀", slug="weekly")
    people = []
    for username, name in [("lead", "김리더"), ("ara", "박아라")]:
        user = UserFactory(username=username)
        people.append(MembershipFactory(team=team, user=user, display_name=name))
    for offset, number in ((0, 1), (2, 2)):
        day = DayFactory(team=team, date=MONDAY + datetime.timedelta(days=offset), number=number)
        for member in people:
            Attendance.objects.create(day=day, member=member)
        QuestionFactory(day=day, question=f"Day{number}의 질문", asked_by=people[1])
        MemberLogFactory(day=day, member=people[0], retrospective=f"Day{number} 회고")
    SuggestionFactory(day=day, proposal="코드 리뷰는 PR로", status=Suggestion.Status.ACCEPTED)

    page = new_page(width)
    login(page, "ara", PASSWORD)
    page.goto(f"/teams/weekly/weeks/{MONDAY + datetime.timedelta(days=2)}/")
    expect(page.locator("#decisions")).to_contain_text("코드 리뷰는 PR로")
    expect(page.locator("#questions")).to_contain_text("Day2의 질문")
    expect(page.locator("#retrospectives")).to_contain_text("Day1 회고")
    page.locator("#team-retro summary").click()
    text = "- 이번 주는 **리뷰 문화**를 정했다\n- 다음 주: 대회 준비"
    page.fill("#team-retro textarea[name=retrospective]", text)
    page.locator("#team-retro button.primary").click()
    expect(page.locator("#team-retro .md strong")).to_have_text("리뷰 문화")
    assert WeekRetro.objects.get(team=team).monday == MONDAY
    screenshot(page, "week-rollup")
