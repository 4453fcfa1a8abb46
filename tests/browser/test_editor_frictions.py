"""The editor on a phone and a desktop: a compact header, a jump to one's own log, a
character counter instead of a silent cut, and a conflict view the CSP lets through."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from sessions.models import Attendance, Membership, Question

from ..factories import (
    PASSWORD,
    DayFactory,
    MemberLogFactory,
    QuestionFactory,
    ReviewFactory,
    SuggestionFactory,
    TeamFactory,
    cast,
)
from .helpers import item_card, login, open_add_form, open_edit_form

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
HEADER_MAX_PX = 64


@pytest.fixture
def study_day():
    team = TeamFactory(name="딥러닝 스터디 3조", slug="dl3")
    people = cast(
        team,
        [
            ("hongyohan", "홍요한", Membership.Role.ADMIN),
            ("kimara", "김아라", Membership.Role.MEMBER),
            ("leebomi", "이보미", Membership.Role.MEMBER),
        ],
    )
    day = DayFactory(team=team, title="어텐션과 트랜스포머", moderator=people[0])
    Attendance.objects.bulk_create(Attendance(day=day, member=m) for m in people)
    SuggestionFactory(day=day, proposal="다음 주부터 리뷰 발표 시간을 10분으로 정하기")
    ReviewFactory(day=day, assignment="과제 3", topic="Seq2Seq", presenters=[people[1]])
    for i in range(4):
        QuestionFactory(
            day=day,
            question=f"질문 {i + 1}: **스케일드** 닷 프로덕트에서 `sqrt(d_k)`로 나누는 이유는?",
            asked_by=people[i % 3],
        )
    MemberLogFactory(day=day, member=people[1], retrospective="오늘은 *마스킹*을 이해했다.")
    return day


def editor_url(day) -> str:
    return f"/teams/{day.team.slug}/days/{day.date.isoformat()}/edit/"


def open_editor(new_page, day, width: int, username: str = "kimara") -> Page:
    page = new_page(width, name=f"{username}-{width}")
    login(page, username, PASSWORD)
    page.goto(editor_url(day))
    expect(page.locator("[data-day-editor]")).to_be_visible()
    return page


def header_height(page: Page) -> float:
    return page.locator("header.topbar").bounding_box()["height"]


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("Promise.all(document.getAnimations().map((a) => a.finished.catch(() => null)))")
    page.screenshot(path=str(SHOTS / name))


def csp_errors(page_logs) -> list[str]:
    return [line for log in page_logs for line in log.console if "Content Security Policy" in line]


def test_on_a_phone_the_header_is_compact_and_my_log_is_one_tap_away(
    new_page, study_day, page_logs
):
    page = open_editor(new_page, study_day, 390)
    assert header_height(page) <= HEADER_MAX_PX
    # The team's links are all there, in a strip that scrolls sideways.
    nav = page.locator(".team-nav")
    expect(nav.get_by_role("link", name="검색")).to_have_count(1)
    assert nav.evaluate("(el) => el.scrollWidth > el.clientWidth")
    expect(page.locator("details.menu summary")).to_have_text("김아라")

    jump = page.locator(".editor-head a.jump-log")
    expect(jump).to_be_visible()
    log = page.locator("#log-panel")
    assert log.bounding_box()["y"] > 1500  # far below, after every section
    jump.click()
    page.wait_for_function(
        "() => { const r = document.getElementById('log-panel').getBoundingClientRect();"
        " return r.top >= 0 && r.top < window.innerHeight * 0.75; }"
    )
    # Not hidden under the sticky header.
    assert log.bounding_box()["y"] >= header_height(page)
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "editor-phone-390.png")
    assert not csp_errors(page_logs)


def test_on_a_desktop_the_header_is_one_row_and_my_log_is_beside_the_editor(
    new_page, study_day, page_logs
):
    page = open_editor(new_page, study_day, 1280)
    assert header_height(page) <= HEADER_MAX_PX
    expect(page.locator(".editor-head a.jump-log")).to_be_hidden()  # no need: it is in view
    box = page.locator("#log-panel").bounding_box()
    assert box["y"] < 900 and box["x"] > 640
    shot(page, "editor-1280.png")
    assert not csp_errors(page_logs)


@pytest.mark.parametrize("width", [1280, 390])
def test_a_long_answer_is_counted_warned_and_refused_with_the_text_kept(
    new_page, study_day, width, page_logs
):
    page = open_editor(new_page, study_day, width)
    form = open_add_form(page, "question")
    form.locator("textarea[name=question]").fill("긴 답을 붙여 넣으면?")
    answer = form.locator("textarea[name=answer]")
    assert answer.get_attribute("maxlength") is None
    answer.fill("가" * 9_800)
    counter = form.locator("textarea[name=answer] + .char-count")
    warning = form.locator("textarea[name=answer] + .char-count + .char-over")
    expect(counter).to_have_text("9,800 / 10,000")
    expect(warning).to_be_hidden()

    answer.fill("가" * 25_000)
    expect(counter).to_have_text("25,000 / 10,000")
    expect(counter).to_have_class("char-count is-over")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("15,000")
    assert len(answer.input_value()) == 25_000  # nothing cut by the browser

    form.locator("button.primary").click()
    refused = page.locator("#panel-question article.item.is-editing form")
    expect(refused.locator(".field-errors")).to_be_visible()
    expect(refused.locator(".field-errors")).to_contain_text("25000")
    assert len(refused.locator("textarea[name=answer]").input_value()) == 25_000
    expect(refused.locator(".char-count.is-over")).to_have_count(1)  # counted again
    assert not Question.objects.filter(question="긴 답을 붙여 넣으면?").exists()
    assert not csp_errors(page_logs)


def test_the_conflict_view_names_who_saved_and_logs_no_csp_error(new_page, study_day, page_logs):
    day = study_day
    question = Question.objects.filter(day=day).first()
    pk = str(question.pk)
    a = open_editor(new_page, day, 1280, "hongyohan")
    b = open_editor(new_page, day, 1280, "kimara")
    form_a = open_edit_form(a, "question", pk)
    form_b = open_edit_form(b, "question", pk)
    theirs = "홍요한이 고친 질문: 마스크는 softmax 전에 더한다"
    form_a.locator("textarea[name=question]").fill(theirs)
    form_b.locator("textarea[name=question]").fill("김아라가 고친 질문: 마스크는 **-inf**로 채운다")
    form_a.locator("button.primary").click()
    expect(item_card(a, "question", theirs)).to_be_visible()

    form_b.locator("button.primary").click()
    conflict = b.locator(f"[data-list=question] > article.is-conflict[data-item-id='{pk}']")
    expect(conflict).to_be_visible()
    expect(conflict.locator(".version-theirs h3")).to_contain_text("홍요한")
    expect(conflict.locator(".version-theirs h3")).not_to_contain_text("hongyohan")
    b.wait_for_timeout(700)  # htmx settles the swap after 20 ms; markdownx previews after 600
    # Its top just under the sticky header.
    conflict.evaluate("(el) => window.scrollTo(0, el.getBoundingClientRect().top + scrollY - 70)")
    shot(b, "conflict-1280.png")
    assert csp_errors(page_logs) == []
