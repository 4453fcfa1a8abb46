"""Keyboard only, no mouse: log in, open today's editor, add a question, edit an
answer, move an item up, open and close the conflict view, and search. The focus is
always visible, goes into the form that opened, and comes back to where it was when the
form closes; htmx swaps never drop it to the top of the page."""

import datetime
import re

import pytest
from django.db.models import F
from playwright.sync_api import Page, expect

from sessions.models import Attendance, Membership, Question
from sessions.schedule import local_today

from ..factories import (
    PASSWORD,
    DayFactory,
    QuestionFactory,
    TeamFactory,
    cast,
)
from .a11y import assert_accessible
from .helpers import login

pytestmark = [pytest.mark.browser, pytest.mark.a11y, pytest.mark.django_db(transaction=True)]

SLUG = "keys"
MAX_TABS = 250


@pytest.fixture
def today():
    team = TeamFactory(name="키보드 스터디", slug=SLUG)
    admin, member = Membership.Role.ADMIN, Membership.Role.MEMBER
    people = cast(team, [("jiho", "박지호", admin), ("sena", "최세나", member)])
    DayFactory(team=team, date=local_today(team) - datetime.timedelta(days=1), number=1)
    day = DayFactory(team=team, date=local_today(team), number=2, title="오늘의 피어세션")
    Attendance.objects.bulk_create(Attendance(day=day, member=m) for m in people)
    first = QuestionFactory(day=day, question="배치 크기는?", asked_by=people[1], answer="")
    second = QuestionFactory(day=day, question="둘째 질문: 학습률은?", asked_by=people[0])
    return day, first, second


def focused(page: Page) -> dict:
    """What has the focus, and whether it can be seen (an outline or a focus ring)."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            if (!el || el === document.body) return {body: true};
            const style = getComputedStyle(el);
            // An outline, or the focus ring the fields draw instead (a box-shadow).
            const field = ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName);
            const ring = (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0)
                || (field && style.boxShadow !== "none");
            const item = el.closest("[data-item-id]");
            return {
                body: false, visible: ring, tag: el.tagName, name: el.name || "",
                value: el.value || "", text: el.textContent.trim(),
                item: item ? item.dataset.itemId : null,
                editing: !!el.closest("[data-editing]"),
                conflict: !!el.closest(".is-conflict"),
            };
        }"""
    )


def tab_to(page: Page, selector: str) -> dict:
    """Press Tab until the focus is on `selector`; every stop on the way must show it."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        now = focused(page)
        assert now["body"] or now["visible"], f"the focus cannot be seen on the way: {now}"
        if page.evaluate("(s) => !!document.activeElement?.matches(s)", selector):
            return now
    raise AssertionError(f"Tab never reached {selector}")


def assert_focus_kept(page: Page, **expected) -> dict:
    now = focused(page)
    assert not now["body"], "the focus fell to the top of the page"
    assert now["visible"], now
    for key, value in expected.items():
        assert now[key] == value, (key, now)
    return now


def test_a_whole_session_by_keyboard(new_page, today):
    day, first, second = today
    page = new_page(1280, name="keyboard")

    # Log in.
    page.goto("/accounts/login/")
    tab_to(page, "#id_username")
    page.keyboard.type("jiho")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    # Today's editor, from the team's page.
    page.goto(f"/teams/{SLUG}/")
    tab_to(page, f"a[href='/teams/{SLUG}/days/{day.date.isoformat()}/edit/']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/edit/")

    # Add a question: the focus goes into the form, and back to the add button after.
    tab_to(page, "#add-question button.add")
    page.keyboard.press("Enter")
    expect(page.locator("article.is-editing textarea[name=question]")).to_be_focused()
    page.keyboard.type("키보드로 추가한 질문: 드롭아웃 비율은?")
    tab_to(page, "article.is-editing button.primary")
    page.keyboard.press("Enter")
    expect(page.locator("[data-list=question]")).to_contain_text("키보드로 추가한 질문")
    expect(page.locator("#add-question button.add")).to_be_focused()
    assert_focus_kept(page)

    # Edit an answer: into the form, then back to the item's Edit button.
    tab_to(page, f"#question-{first.pk} button[data-return-focus]")
    page.keyboard.press("Enter")
    form = page.locator(f"#question-{first.pk}.is-editing")
    expect(form.locator("textarea[name=question]")).to_be_focused()
    tab_to(page, f"#question-{first.pk} textarea[name=answer]")
    page.keyboard.type("32에서 시작해 두 배씩 늘려 본다.")
    tab_to(page, f"#question-{first.pk} button.primary")
    page.keyboard.press("Enter")
    expect(page.locator(f"#question-{first.pk}:not(.is-editing)")).to_contain_text("두 배씩")
    expect(page.locator(f"#question-{first.pk} button[data-return-focus]")).to_be_focused()
    assert Question.objects.get(pk=first.pk).answer == "32에서 시작해 두 배씩 늘려 본다."

    # Move the second question up: the focus stays on its button as the list is redrawn.
    tab_to(page, f"#question-{second.pk} button[value=up]")
    page.keyboard.press("Enter")
    items = page.locator("[data-list=question] > [data-item-id]")
    expect(items.first).to_have_attribute("data-item-id", str(second.pk))
    assert_focus_kept(page, item=str(second.pk), value="up")

    # A conflict: someone saves the item while it is open here.
    tab_to(page, f"#question-{first.pk} button[data-return-focus]")
    page.keyboard.press("Enter")
    expect(page.locator(f"#question-{first.pk} textarea[name=question]")).to_be_focused()
    Question.objects.filter(pk=first.pk).update(
        question="다른 사람이 고친 질문", version=F("version") + 1
    )
    page.keyboard.type(" (내 수정)")
    tab_to(page, f"#question-{first.pk} button.primary")
    page.keyboard.press("Enter")
    conflict = page.locator(f"#question-{first.pk}.is-conflict")
    expect(conflict).to_be_visible()
    assert_focus_kept(page, conflict=True)
    tab_to(page, f"#question-{first.pk}.is-conflict .version-theirs button")
    page.keyboard.press("Enter")
    expect(conflict).to_have_count(0)
    expect(page.locator(f"#question-{first.pk} button[data-return-focus]")).to_be_focused()

    # Delete the added question (its confirmation accepted): the focus goes to the
    # question that took its place, not to the top of the page.
    page.once("dialog", lambda dialog: dialog.accept())
    added = Question.objects.get(question__startswith="키보드로")
    tab_to(page, f"#question-{added.pk} button.danger")
    page.keyboard.press("Enter")
    expect(page.locator(f"#question-{added.pk}")).to_have_count(0)
    # An empty answer settles nothing: the focus is put back just after (100 ms).
    expect(page.locator("[data-list=question] :focus")).to_have_count(1)
    assert_focus_kept(page)
    assert focused(page)["item"] in {str(first.pk), str(second.pk)}

    # Search, from the header.
    tab_to(page, f"header a[href='/teams/{SLUG}/search/']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/")
    tab_to(page, "input[name=q]")
    page.keyboard.type("학습률")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?*")
    expect(page.locator("main")).to_contain_text("둘째 질문")


def test_saves_and_teammates_changes_are_announced_without_moving_the_focus(new_page, today):
    day, first, second = today
    editor = f"/teams/{SLUG}/days/{day.date.isoformat()}/edit/"
    mine = new_page(1280, name="announce-mine")
    login(mine, "jiho", PASSWORD)
    mine.goto(editor)
    theirs = new_page(1280, name="announce-theirs")
    login(theirs, "sena", PASSWORD)
    theirs.goto(editor)
    announcer = mine.locator("#announcer")
    expect(announcer).to_have_attribute("aria-live", "polite")

    # My own save: said once the form is gone.
    tab_to(mine, f"#question-{first.pk} button[data-return-focus]")
    mine.keyboard.press("Enter")
    expect(mine.locator(f"#question-{first.pk} textarea[name=question]")).to_be_focused()
    tab_to(mine, f"#question-{first.pk} button.primary")
    mine.keyboard.press("Enter")
    expect(announcer).to_have_text("저장했습니다.")

    # I am typing in a field while a teammate adds a question: it is said, and my
    # focus and text stay where they are.
    tab_to(mine, "#add-question button.add")
    mine.keyboard.press("Enter")
    field = mine.locator("article.is-editing textarea[name=question]")
    expect(field).to_be_focused()
    mine.keyboard.type("쓰는 중")
    theirs.locator("#add-question button.add").click()
    theirs.locator("article.is-editing textarea[name=question]").fill("세나가 더한 질문")
    theirs.locator("article.is-editing button.primary").click()
    expect(mine.locator("[data-list=question]")).to_contain_text("세나가 더한 질문", timeout=12_000)
    expect(announcer).to_have_text("팀원이 바꾼 내용이 반영되었습니다.")
    expect(field).to_be_focused()
    expect(field).to_have_value("쓰는 중")

    # On the session panel's Edit button while a teammate saves the session: the panel
    # is redrawn, said, and the focus is on its Edit button again.
    mine.locator("article.is-editing button.ghost").focus()  # Cancel the draft question
    mine.keyboard.press("Enter")
    tab_to(mine, "#session-panel button[data-return-focus]")
    theirs.locator("#session-panel button[data-return-focus]").click()
    theirs.locator("#id_title").fill("세나가 바꾼 제목")
    theirs.locator("#session-panel button.primary").click()
    expect(mine.locator("#session-panel")).to_contain_text("세나가 바꾼 제목", timeout=12_000)
    expect(mine.locator("#session-panel button[data-return-focus]")).to_be_focused()


def test_with_live_editing_a_teammates_new_item_is_announced_and_my_own_is_not(live_page, today):
    """The live layer tells the page of a teammate's change on the socket; the user's own
    save comes back the same way, and is said once, as saved."""
    day, first, second = today
    editor = f"/teams/{SLUG}/days/{day.date.isoformat()}/edit/"
    pages = {}
    for username in ("jiho", "sena"):
        pages[username] = live_page(1280, name=f"live-{username}")
        login(pages[username], username, PASSWORD)
        pages[username].goto(editor)
        expect(pages[username].locator("[data-live-status]")).to_have_class(
            re.compile("is-connected")
        )
    mine, theirs = pages["jiho"], pages["sena"]
    announcer = mine.locator("#announcer")

    mine.locator("#add-question button.add").click()
    mine.locator("article.is-editing textarea[name=question]").fill("지호가 더한 질문")
    mine.locator("article.is-editing button.primary").click()
    expect(announcer).to_have_text("저장했습니다.")
    expect(theirs.locator("[data-list=question]")).to_contain_text("지호가 더한 질문")
    mine.wait_for_timeout(500)  # the socket's echo of my own save has come and gone
    expect(announcer).to_have_text("저장했습니다.")

    theirs.locator("#add-question button.add").click()
    theirs.locator("article.is-editing textarea[name=question]").fill("세나가 더한 질문")
    theirs.locator("article.is-editing button.primary").click()
    expect(mine.locator("[data-list=question]")).to_contain_text("세나가 더한 질문")
    expect(announcer).to_have_text("팀원이 바꾼 내용이 반영되었습니다.")

    # The live editor with a teammate's presence shown meets WCAG 2.1 AA too.
    expect(mine.locator(".live-presence .live-chip")).to_contain_text("최세나")
    assert_accessible(mine, "the live editor, a teammate present")
