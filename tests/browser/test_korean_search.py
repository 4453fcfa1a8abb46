"""Searching Korean as people type it, in the browser: a word with its particle finds the
days that hold the word with any particle, marked in snippets that read as text.

The team's days are made through the ORM; the typing and reading go through the page.
Assertions read URLs, classes and the page's text, not translated words.
"""

import datetime

import pytest
from playwright.sync_api import expect

from sessions.schedule import local_today

from ..factories import (
    PASSWORD,
    DayFactory,
    MemberLogFactory,
    MembershipFactory,
    QuestionFactory,
    SectionFactory,
    TeamFactory,
    UserFactory,
)
from .helpers import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLUG = "gradient-team"


@pytest.fixture
def days(db):
    """Four days: three hold 기울기 with different particles (in markdown), one does not."""
    team = TeamFactory(name="기울기 연구반", slug=SLUG)
    hana = MembershipFactory(team=team, user=UserFactory(username="hana"), display_name="김하나")
    today = local_today(team)

    def day(n, title, tags=""):
        date = today - datetime.timedelta(days=10 - n)
        return DayFactory(team=team, date=date, number=n, title=title, tags=tags)

    found = [
        day(1, "경사하강법", tags="TTA"),
        day(2, "역전파 복습"),
        day(3, "CNN 채널"),
    ]
    QuestionFactory(
        day=found[0],
        question="**기울기**를 직접 구해야 하나요?",
        asked_by=hana,
        answer="- `torch.autograd`가 [자동 미분](https://pytorch.org/docs)으로 구해 줍니다.",
    )
    SectionFactory(
        day=found[1], heading="토의", body="## 정리\n\n1. 기울기가 0에 가까워지면 학습이 멈춘다"
    )
    MemberLogFactory(
        day=found[2],
        member=hana,
        retrospective="> 채널마다 기울기의 크기가 달라서 *정규화*가 필요했다.",
    )
    QuestionFactory(day=day(4, "데이터 증강"), question="회전은 몇 도까지?", asked_by=hana)
    return found


@pytest.mark.parametrize("width", [1280, 390])
def test_a_word_typed_with_its_particle_finds_every_form(days, new_page, width):
    page = new_page(width, name=f"korean-search-{width}")
    login(page, "hana", PASSWORD)
    page.goto(f"/teams/{SLUG}/search/")

    box = page.locator("input[name=q]")
    box.press_sequentially("기울기가")
    box.press("Enter")
    page.wait_for_url("**/search/?q=*")
    results = page.locator("section.search-day")
    expect(results).to_have_count(3)
    links = results.locator("a.day-link")
    expected = [f"/days/{d.date.isoformat()}/" for d in sorted(days, key=lambda d: d.date)]
    hrefs = [links.nth(i).get_attribute("href") for i in range(3)]
    assert [h[h.index("/days/") :] for h in hrefs] == expected[::-1]  # newest first
    marks = results.locator("mark")
    expect(marks.first).to_be_visible()
    # The word as typed where it stands, and its noun wherever another particle follows.
    assert set(marks.all_inner_texts()) == {"기울기", "기울기가"}
    snippets = " ".join(results.locator(".search-snippet").all_inner_texts())
    for syntax in ("*", "](", "`", "## ", "> ", "1. "):
        assert syntax not in snippets, syntax
    width_now = page.evaluate("document.documentElement.scrollWidth")
    assert width_now <= width, f"the page scrolls sideways: {width_now}px"
    screenshot(page, "search-particle")

    # The tag as it is shown, with its #.
    box = page.locator("input[name=q]")
    box.fill("")
    box.press_sequentially("#TTA")
    box.press("Enter")
    page.wait_for_url("**/search/?q=*TTA*")
    expect(page.locator("section.search-day")).to_have_count(1)
