"""Finding an old question and following it up, in the browser: search, open the day,
resolve the follow-up where a later day carries it over; then the statistics page.

The team's history is made through the ORM; the searching, clicking and resolving go
through the page. Assertions read URLs, ids and the database, not translated words.
"""

import datetime

import pytest
from playwright.sync_api import expect

from sessions.models import Attendance, Question
from sessions.schedule import local_today

from ..factories import (
    PASSWORD,
    DayFactory,
    MembershipFactory,
    QuestionFactory,
    TeamFactory,
    UserFactory,
)
from .helpers import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLUG = "find-team"
FOLLOW_UP = "Xavier 초기화를 ReLU에도 그대로 써도 되나요?"
ANSWER = "ReLU에는 He 초기화가 맞다. 분산을 2/n으로 잡는다."


@pytest.fixture
def history(db):
    """Three session days; the first holds a question that still needs a follow-up."""
    team = TeamFactory(name="초기화 탐험대", slug=SLUG)
    names = {"hana": "김하나", "dul": "이두리", "set": "박세찬"}
    members = {
        username: MembershipFactory(team=team, user=UserFactory(username=username), display_name=n)
        for username, n in names.items()
    }
    today = local_today(team)
    days = [
        DayFactory(team=team, date=today - datetime.timedelta(days=d), number=n, title="")
        for n, d in ((1, 9), (2, 8), (3, 7))
    ]
    for day in days:
        for username, member in members.items():
            late = day.number == 2 and username == "set"
            status = Attendance.Status.LATE if late else Attendance.Status.PRESENT
            Attendance.objects.create(day=day, member=member, status=status)
    question = QuestionFactory(
        day=days[0],
        question=FOLLOW_UP,
        asked_by=members["dul"],
        answer="Xavier는 tanh 기준이라 확인이 더 필요함",
        needs_follow_up=True,
    )
    QuestionFactory(day=days[1], question="배치 정규화는 언제 쓰나요?", asked_by=members["set"])
    QuestionFactory(day=days[2], question="드롭아웃 비율은?", asked_by=members["hana"])
    return team, days, question


@pytest.mark.parametrize("width", [1280, 390])
def test_search_open_the_day_and_resolve_its_follow_up(history, new_page, width):
    team, days, question = history
    page = new_page(width, name=f"hana-{width}")
    login(page, "hana", PASSWORD)

    # Search as people type: lower case, a word without its particle, two words.
    page.goto(f"/teams/{SLUG}/search/")
    page.fill("input[name=q]", "xavier 초기화")
    page.locator("form[role=search] button[type=submit]").click()
    result = page.locator("section.search-day")
    expect(result).to_have_count(1)
    expect(result.locator("mark").first).to_be_visible()
    screenshot(page, "search")

    # Open the result: the day that asked the question.
    result.locator("a.day-link").click()
    page.wait_for_url(f"**/teams/{SLUG}/days/{days[0].date.isoformat()}/")
    expect(page.get_by_text(FOLLOW_UP)).to_be_visible()

    # The next day carries it over; resolve it there.
    page.locator("nav.day-nav a[rel=next]").click()
    page.wait_for_url(f"**/days/{days[1].date.isoformat()}/")
    carried = page.locator(f"#carried-over #followup-question-{question.pk}")
    expect(carried).to_be_visible()
    carried.locator("details.resolve > summary").click()
    carried.locator("textarea[name=resolution]").fill(ANSWER)
    carried.locator("form.resolve-form button[type=submit]").click()
    resolved = page.locator(f"#followup-question-{question.pk}.is-resolved")
    expect(resolved).to_be_visible()
    expect(resolved).to_contain_text("He 초기화")

    question.refresh_from_db()
    assert question.resolution == ANSWER
    assert question.resolved_by.display_name == "김하나"
    assert question.resolved_at is not None

    # Nothing is open any more: the list and the later day no longer carry it.
    page.goto(f"/teams/{SLUG}/follow-ups/")
    expect(page.locator(f"#followup-question-{question.pk}")).to_have_count(0)
    page.goto(f"/teams/{SLUG}/days/{days[2].date.isoformat()}/")
    expect(page.locator(f"#followup-question-{question.pk}")).to_have_count(0)
    assert not Question.objects.filter(needs_follow_up=True, resolved_at__isnull=True).exists()


def test_statistics_page_draws_charts_with_tables(history, new_page):
    page = new_page(1280, name="stats")
    login(page, "hana", PASSWORD)
    page.goto(f"/teams/{SLUG}/stats/")
    charts = page.locator("svg[role=img]")
    expect(charts.first).to_be_visible()
    assert charts.count() >= 3
    # Each chart has its numbers as a table and a CSV download beside it.
    assert page.locator("table").count() >= charts.count()
    csv = page.locator("a[href$='.csv']").first
    with page.expect_download() as download:
        csv.click()
    assert download.value.suggested_filename.startswith(f"{SLUG}-")
    screenshot(page, "stats")
    phone = new_page(390, name="stats-phone")
    login(phone, "hana", PASSWORD)
    phone.goto(f"/teams/{SLUG}/stats/")
    expect(phone.locator("svg[role=img]").first).to_be_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone: {width}px"
    screenshot(phone, "stats")
