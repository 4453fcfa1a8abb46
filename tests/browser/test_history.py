"""A day's history in the browser: an edit and a deletion made in the editor show on the
history page with who made them, and the deleted item is brought back from there."""

import pytest
from playwright.sync_api import expect

from sessions.models import Membership, Question

from ..factories import PASSWORD, DayFactory, MembershipFactory, QuestionFactory, UserFactory
from .helpers import login, open_edit_form, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIRST = "Dropout은 추론할 때도 켜 두나요?"
SECOND = "Dropout은 추론할 때 꺼야 하나요?\n평가 모드에서 달라지는 점도 궁금합니다."


@pytest.mark.parametrize("width", [1280, 390])
def test_an_edit_and_a_deletion_show_in_history_and_the_item_comes_back(width, new_page, page_logs):
    user = UserFactory(username="hana")
    member = MembershipFactory(user=user, display_name="정하나", role=Membership.Role.MEMBER)
    day = DayFactory(team=member.team)
    question = QuestionFactory(day=day, question=FIRST, asked_by=member)
    base = f"/teams/{day.team.slug}/days/{day.date}/"

    page = new_page(width)
    login(page, "hana", PASSWORD)
    page.goto(base + "edit/")
    form = open_edit_form(page, "question", str(question.pk))
    form.locator("textarea[name=question]").fill(SECOND)
    form.locator("button.primary").click()
    card = page.locator(f"[data-list=question] > article.item[data-item-id='{question.pk}']")
    expect(card).to_contain_text("평가 모드에서")
    page.once("dialog", lambda dialog: dialog.accept())
    card.get_by_role("button", name="삭제").click()
    expect(card).to_have_count(0)

    page.get_by_role("link", name="변경 기록").click()
    revisions = page.locator(".revision")
    expect(revisions).to_have_count(2)
    deleted, edited = revisions.nth(0), revisions.nth(1)
    expect(deleted.locator(".pill")).to_have_text("삭제")
    expect(edited.locator(".revision-meta")).to_contain_text("정하나")
    expect(edited.locator(".diff-del")).to_contain_text("Dropout은 추론할 때도 켜 두나요?")
    expect(edited.locator(".diff-ins").first).to_contain_text("Dropout은 추론할 때 꺼야 하나요?")
    screenshot(page, "history")

    deleted.get_by_role("button", name="되살리기").click()
    expect(page.locator(".message")).to_contain_text("되돌렸습니다")
    expect(page.locator(".revision").first.locator(".pill")).to_have_text("복원")
    assert Question.objects.get(pk=question.pk).question == SECOND

    page.goto(base)
    expect(page.locator("#questions")).to_contain_text("평가 모드에서 달라지는 점도")
    # Nothing sideways on a phone, and no console errors (CSP violations included).
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert [p for log in page_logs for p in log.problems()] == []
