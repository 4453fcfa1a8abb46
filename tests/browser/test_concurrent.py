"""Two members writing the same day at once, each in their own browser."""

import pytest
from playwright.sync_api import Page, expect

from sessions.models import Attendance, Membership, Question

from ..factories import PASSWORD, DayFactory, MembershipFactory, TeamFactory, UserFactory
from .helpers import item_card, login, open_add_form, open_edit_form, save_new_item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MERGE_MS = 10_000  # the editor polls /state/ every 4 s


@pytest.fixture
def pair(new_page):
    """A team with two writing members, a day, and each member's editor page open."""
    team = TeamFactory(name="동시편집팀", slug="pair")
    ara = UserFactory(username="ara")
    bomi = UserFactory(username="bomi")
    MembershipFactory(team=team, user=ara, role=Membership.Role.ADMIN, display_name="김아라")
    MembershipFactory(team=team, user=bomi, role=Membership.Role.MEMBER, display_name="이보미")
    day = DayFactory(team=team)
    Attendance.objects.bulk_create(Attendance(day=day, member=m) for m in team.memberships.all())
    pages = []
    for username in ("ara", "bomi"):
        page = new_page(1280, name=username)
        login(page, username, PASSWORD)
        page.goto(f"/teams/{team.slug}/days/{day.date.isoformat()}/edit/")
        expect(page.locator("[data-day-editor]")).to_be_visible()
        # Survives only as long as the page is not reloaded.
        page.evaluate("window.__sameDocument = true")
        pages.append(page)
    return day, pages[0], pages[1]


def not_reloaded(page: Page) -> bool:
    return page.evaluate("window.__sameDocument === true")


def question_texts(day) -> set[str]:
    return set(Question.objects.filter(day=day).values_list("question", flat=True))


def item_id(page: Page, text: str) -> str:
    return item_card(page, "question", text).get_attribute("data-item-id")


def test_both_add_and_edit_questions_at_once(pair, page_logs):
    day, a, b = pair

    # Round 1, interleaved: A opens, B opens, A saves, B saves.
    form_a = open_add_form(a, "question")
    form_b = open_add_form(b, "question")
    form_a.locator("textarea[name=question]").fill("아라 질문 1: 드롭아웃은 추론 때 꺼지나요?")
    form_b.locator("textarea[name=question]").fill("보미 질문 1: 배치 정규화의 이동 평균은?")
    save_new_item(a, "question", form_a, "아라 질문 1")
    save_new_item(b, "question", form_b, "보미 질문 1")
    # Rounds 2 and 3: both forms open at once again, saved one after the other.
    for n in (2, 3):
        form_a = open_add_form(a, "question")
        form_b = open_add_form(b, "question")
        form_b.locator("textarea[name=question]").fill(f"보미 질문 {n}: 학습률 감쇠 주기는?")
        form_a.locator("textarea[name=question]").fill(f"아라 질문 {n}: 가중치 감쇠와 L2는 같나요?")
        save_new_item(b, "question", form_b, f"보미 질문 {n}")
        save_new_item(a, "question", form_a, f"아라 질문 {n}")

    # Each edits one of their own items.
    form_a = open_edit_form(a, "question", item_id(a, "아라 질문 2"))
    form_b = open_edit_form(b, "question", item_id(b, "보미 질문 2"))
    form_a.locator("textarea[name=question]").fill("아라 질문 2 (고침): 가중치 감쇠는 AdamW에서?")
    form_b.locator("textarea[name=question]").fill("보미 질문 2 (고침): 코사인 감쇠는 언제?")
    form_a.locator("button.primary").click()
    expect(item_card(a, "question", "아라 질문 2 (고침)")).to_be_visible()
    form_b.locator("button.primary").click()
    expect(item_card(b, "question", "보미 질문 2 (고침)")).to_be_visible()
    expect(a.locator("[data-editing]")).to_have_count(0)
    expect(b.locator("[data-editing]")).to_have_count(0)

    expected = {
        "아라 질문 1: 드롭아웃은 추론 때 꺼지나요?",
        "아라 질문 2 (고침): 가중치 감쇠는 AdamW에서?",
        "아라 질문 3: 가중치 감쇠와 L2는 같나요?",
        "보미 질문 1: 배치 정규화의 이동 평균은?",
        "보미 질문 2 (고침): 코사인 감쇠는 언제?",
        "보미 질문 3: 학습률 감쇠 주기는?",
    }
    assert Question.objects.filter(day=day).count() == 6
    assert question_texts(day) == expected

    # B's last edit reaches A (and A's reaches B) only through the poll.
    for page in (a, b):
        cards = page.locator("[data-list=question] > article.item")
        expect(cards).to_have_count(6, timeout=MERGE_MS)
        for text in expected:
            expect(item_card(page, "question", text)).to_have_count(1, timeout=MERGE_MS)
        assert not_reloaded(page)
    assert not [e for log in page_logs for e in log.errors]


def test_same_item_saved_by_both_shows_conflict(pair, page_logs):
    day, a, b = pair
    form = open_add_form(a, "question")
    form.locator("textarea[name=question]").fill("원래 질문: 어텐션 마스크는 어디에 더하나요?")
    save_new_item(a, "question", form, "원래 질문")
    expect(item_card(b, "question", "원래 질문")).to_be_visible(timeout=MERGE_MS)
    question = Question.objects.get(day=day)
    pk = str(question.pk)

    form_a = open_edit_form(a, "question", pk)
    form_b = open_edit_form(b, "question", pk)
    theirs = "아라가 고친 질문: 마스크는 softmax 전에 더한다"
    mine = "보미가 고친 질문: 마스크는 -inf로 채운다"
    form_a.locator("textarea[name=question]").fill(theirs)
    form_b.locator("textarea[name=question]").fill(mine)
    form_a.locator("button.primary").click()
    expect(item_card(a, "question", theirs)).to_be_visible()
    question.refresh_from_db()
    assert question.question == theirs

    form_b.locator("button.primary").click()
    conflict = b.locator(f"[data-list=question] > article.is-conflict[data-item-id='{pk}']")
    expect(conflict).to_be_visible()
    expect(conflict.locator(".version-theirs")).to_contain_text(theirs)
    expect(conflict.locator(".version-mine textarea[name=question]")).to_have_value(mine)
    question.refresh_from_db()
    assert question.question == theirs  # nothing overwritten yet

    # While B decides, A adds another item: merging it must not throw the card away.
    form = open_add_form(a, "question")
    form.locator("textarea[name=question]").fill("다른 질문: 패딩 토큰도 마스크하나요?")
    save_new_item(a, "question", form, "다른 질문")
    expect(item_card(b, "question", "다른 질문")).to_be_visible(timeout=MERGE_MS)
    expect(conflict.locator(".version-mine textarea[name=question]")).to_have_value(mine)

    conflict.locator(".version-mine button.primary").click()  # "Save my version"
    expect(conflict).to_have_count(0)
    expect(item_card(b, "question", mine)).to_be_visible()
    question.refresh_from_db()
    assert question.question == mine
    assert Question.objects.filter(day=day).count() == 2
    expect(item_card(a, "question", mine)).to_be_visible(timeout=MERGE_MS)
    assert not_reloaded(a) and not_reloaded(b)
    assert not [e for log in page_logs for e in log.errors]


def test_merge_keeps_unsaved_text_in_open_forms(pair, page_logs):
    day, a, b = pair
    form = open_add_form(a, "question")
    form.locator("textarea[name=question]").fill("첫 질문: 토크나이저는 무엇을 쓰나요?")
    save_new_item(a, "question", form, "첫 질문")
    expect(item_card(b, "question", "첫 질문")).to_be_visible(timeout=MERGE_MS)

    # B is editing that item and has a new question half-written, neither saved.
    editing = open_edit_form(b, "question", item_id(b, "첫 질문"))
    typed_edit = "첫 질문: 토크나이저는 BPE와 WordPiece 중 무엇을"
    editing.locator("textarea[name=question]").fill(typed_edit)
    drafting = open_add_form(b, "question")
    typed_new = "보미의 초안: 어휘 크기는 얼마가 적당할까"
    drafting.locator("textarea[name=question]").fill(typed_new)
    drafting.locator("textarea[name=question]").focus()

    form = open_add_form(a, "question")
    form.locator("textarea[name=question]").fill("둘째 질문: 서브워드 정규화란?")
    save_new_item(a, "question", form, "둘째 질문")

    # The poll brings A's item into B's list...
    expect(item_card(b, "question", "둘째 질문")).to_be_visible(timeout=MERGE_MS)
    # ...and B's open forms still hold what B typed.
    expect(editing.locator("textarea[name=question]")).to_have_value(typed_edit)
    expect(b.locator("[data-list=question] > article.item[data-editing]")).to_have_count(1)
    expect(drafting.locator("textarea[name=question]")).to_have_value(typed_new)
    assert not_reloaded(b)
    assert set(Question.objects.filter(day=day).values_list("question", flat=True)) == {
        "첫 질문: 토크나이저는 무엇을 쓰나요?",
        "둘째 질문: 서브워드 정규화란?",
    }
    assert not [e for log in page_logs for e in log.errors]


def wait_for_polls(page: Page, count: int = 2) -> None:
    """Wait until the editor has polled /state/ `count` more times (the last one handled)."""
    for _ in range(count):
        with page.expect_response(lambda r: r.url.endswith("/state/"), timeout=MERGE_MS):
            pass


def test_own_saves_are_not_flagged_as_someone_elses(pair, page_logs):
    """Reopening what I just saved, before the next poll, shows no "someone else" notice."""
    day, a, _b = pair
    a.locator("#session-panel .panel-head button").click()
    a.locator("#session-panel input[name=tags]").fill("토크나이저")
    a.locator("#session-panel button.primary").click()
    expect(a.locator("#session-panel:not([data-editing])")).to_contain_text("토크나이저")
    a.locator("#session-panel .panel-head button").click()
    panel = a.locator("#session-panel[data-editing]")
    expect(panel).to_be_visible()

    form = open_add_form(a, "question")
    form.locator("textarea[name=question]").fill("내 질문: 임베딩 차원은?")
    save_new_item(a, "question", form, "내 질문")
    form = open_edit_form(a, "question", item_id(a, "내 질문"))
    form.locator("textarea[name=question]").fill("내 질문: 임베딩 차원은 몇으로?")
    form.locator("button.primary").click()
    expect(item_card(a, "question", "몇으로")).to_be_visible()
    editing = open_edit_form(a, "question", item_id(a, "몇으로"))

    wait_for_polls(a)
    expect(editing.locator("xpath=..").locator(".notice, [role=status]")).to_have_count(0)
    expect(panel.locator(".notice, [role=status]")).to_have_count(0)
    assert not [e for log in page_logs for e in log.errors]
