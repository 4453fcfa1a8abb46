"""A day recorded end to end in the browser, from sign-up to the finished record."""

import re

import pytest
from playwright.sync_api import Page, expect

from sessions.models import Day, MemberLog, Membership, Question, Team

from ..factories import PASSWORD, DayFactory, MembershipFactory, TeamFactory, UserFactory
from .helpers import login, open_add_form, save_new_item, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LEAD = "minsu"
LEAD_PASSWORD = "Sturdy-Notebook-4821"
SLUG = "attn-study"
MEMBERS = ["윤서진", "문태오", "배하린", "오지훈", "남궁민", "탁유나"]

SESSION = {"moderator": "문태오", "tags": "Transformer, 어텐션", "late": "배하린"}
LATE_NOTE = "버스 지연으로 15분 늦음"
SUGGESTION = {
    "proposal": "논문 리뷰를 발표 대신 코드 따라치기로 해보면 어떨까요?",
    "discussion": ["구현 담당자를 주마다 돌아가며 정하기", "구현 범위는 핵심 모듈로 한정하기"],
    "outcome": "다음 주부터 **어텐션 블록**만 직접 구현해 보기로 함",
}
REVIEWS = [
    ("필수과제 3번", "Multi-head Attention", ["오지훈", "탁유나"]),
    ("선택과제 1번", "ViT 미세조정", ["윤서진", "배하린", "남궁민"]),  # roster order
]
QUESTIONS = [
    {
        "question": "LayerNorm과 BatchNorm은 Transformer에서 왜 다르게 쓰이나요?",
        "asked_by": "윤서진",
        "answer": "**배치 크기**에 의존하지 않아서 시퀀스 길이가 달라도 안정적이다",
        "link": ("LayerNorm 정리", "https://example.org/notes/layernorm"),
        "follow_up": True,
    },
    {
        "question": "Positional encoding을 학습 가능한 파라미터로 바꾸면 성능이 달라지나요?",
        "asked_by": "오지훈",
        "answer": "데이터가 적을 때는 *사인 함수* 방식이 더 안정적이라는 의견",
        "link": ("위치 인코딩 비교", "https://example.org/posts/positional-encoding"),
        "follow_up": False,
    },
    {
        "question": "Warm-up 스케줄러는 꼭 필요한가요?",
        "asked_by": "탁유나",
        "answer": "- 초반 학습률 폭주 방지\n- Adam과 함께 쓸 때 특히 효과적",
        "link": ("학습률 스케줄 실험", "https://example.org/lr/warmup?run=3"),
        "follow_up": False,
    },
]
SECTION = {
    "heading": "멘토링",
    "body": "멘토님 조언: **베이스라인부터** 재현하고 실험 기록은 표로 남길 것\n\n"
    "1. 재현 먼저\n2. 변화는 한 번에 하나씩",
}
STUDY_LINKS = [
    ("Transformer 복습", "https://example.org/study/transformer", "blue"),
    ("Attention 시각화", "https://example.org/study/attention-viz", "green"),
]
RETRO = (
    "오늘은 어텐션 가중치를 직접 그려 보면서 감을 잡았다.\n\n다음에는 **마스킹**을 정리해야겠다."
)

# The record's headings, in the team's language (Korean), as in seed-day8.md.
KOREAN_HEADINGS = {
    "#study > h2": "학습 내용",
    "#peer-session > h2": "피어세션",
    "#peer-session > .session-facts dt >> nth=0": "모더레이터",
    "#peer-session > .session-facts dt >> nth=1": "참가자",
    "#suggestions > h3": "건의사항",
    "#reviews > h3": "과제 리뷰",
    "#questions > h3": "질문내용",
    "#questions .pill-follow-up": "추가 확인 필요",
    "#retrospectives > h2": "회고록",
}


# --- reading the record -----------------------------------------------------------


def element_tops(page: Page, selectors: list[str]) -> list[float]:
    return page.evaluate(
        """(selectors) => selectors.map((s) => {
             const el = document.querySelector(s);
             return el ? el.getBoundingClientRect().top + window.scrollY : null;
           })""",
        selectors,
    )


def in_dom_order(page: Page, selectors: list[str]) -> bool:
    return page.evaluate(
        """(selectors) => {
             const els = selectors.map((s) => document.querySelector(s));
             if (els.some((el) => !el)) return false;
             return els.every((el, i) => i === 0 ||
               (els[i - 1].compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING));
           }""",
        selectors,
    )


# --- the flow ------------------------------------------------------------------------


def sign_up(page: Page) -> None:
    response = page.goto("/accounts/signup/")
    assert response.ok, f"GET /accounts/signup/ answered {response.status}"
    page.fill("#id_username", LEAD)
    page.fill("#id_email", "minsu@example.org")
    page.fill("#id_password1", LEAD_PASSWORD)
    page.fill("#id_password2", LEAD_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/signup/" not in url)
    expect(page.locator(".account summary")).to_have_text(LEAD)


def make_team(page: Page) -> None:

    page.goto("/teams/new/")
    page.fill("#id_name", "어텐션 스터디")
    page.fill("#id_slug", SLUG)
    page.fill("#id_course", "boostcourse")
    page.select_option("#id_language", "ko")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**/teams/{SLUG}/members/")

    for order, name in enumerate(MEMBERS, start=1):
        form = page.locator("form", has=page.locator("#id_add-display_name"))
        form.locator("#id_add-display_name").fill(name)
        form.locator("#id_add-rotation_order").fill(str(order))
        form.locator("button[type=submit]").click()
        expect(page.locator("table.roster td", has_text=name)).to_be_visible()
    assert Membership.objects.filter(team__slug=SLUG).count() == 7


def start_today(page: Page) -> str:
    """Create today's day from the team home; return the edit page's date part."""
    page.goto(f"/teams/{SLUG}/")
    page.locator(f'main a.button.primary[href$="/teams/{SLUG}/days/new/"]').click()
    page.wait_for_url(f"**/teams/{SLUG}/days/new/")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/teams/{SLUG}/days/\d{{4}}-\d\d-\d\d/edit/$"))
    return re.search(r"/days/([\d-]+)/edit/", page.url).group(1)


def fill_session(page: Page) -> None:
    page.locator("#session-panel .panel-head button").click()
    panel = page.locator("#session-panel[data-editing]")
    expect(panel).to_be_visible()
    panel.locator("select[name=moderator]").select_option(label=SESSION["moderator"])
    panel.locator("input[name=tags]").fill(SESSION["tags"])
    row = panel.locator(".att-row", has=page.locator(".att-name", has_text=SESSION["late"]))
    row.locator("select").select_option("late")
    row.locator("input[name$=-note]").fill(LATE_NOTE)
    panel.locator("button.primary").click()
    saved = page.locator("#session-panel:not([data-editing])")
    expect(saved).to_contain_text(SESSION["moderator"])
    expect(saved.locator("li.att-late")).to_contain_text(SESSION["late"])


def fill_items(page: Page) -> None:
    form = open_add_form(page, "suggestion")
    form.locator("textarea[name=proposal]").fill(SUGGESTION["proposal"])
    form.locator("textarea[name=discussion]").fill("\n".join(SUGGESTION["discussion"]))
    form.locator("textarea[name=outcome]").fill(SUGGESTION["outcome"])
    form.locator("select[name=status]").select_option("accepted")
    save_new_item(page, "suggestion", form, SUGGESTION["proposal"])

    for assignment, topic, presenters in REVIEWS:
        form = open_add_form(page, "review")
        form.locator("input[name=assignment]").fill(assignment)
        form.locator("input[name=topic]").fill(topic)
        for name in presenters:
            form.get_by_label(name, exact=True).check()
        save_new_item(page, "review", form, topic)

    for number, q in enumerate(QUESTIONS):
        form = open_add_form(page, "question")
        form.locator("textarea[name=question]").fill(q["question"])
        form.locator("select[name=asked_by]").select_option(label=q["asked_by"])
        answer = form.locator("textarea[name=answer]")
        if number == 0:
            # Typed key by key, as a person would: the live preview renders markdown.
            answer.press_sequentially(q["answer"], delay=5)
            preview = form.locator(".markdownx-preview")
            expect(preview.locator("strong")).to_have_text("배치 크기")
            expect(preview).to_contain_text("시퀀스 길이가 달라도")
        else:
            answer.fill(q["answer"])
        form.locator("textarea[name=links]").fill(" ".join(q["link"]))
        if q["follow_up"]:
            form.locator("input[name=needs_follow_up]").check()
        save_new_item(page, "question", form, q["question"])

    form = open_add_form(page, "section")
    form.locator("input[name=heading]").fill(SECTION["heading"])
    form.locator("textarea[name=body]").fill(SECTION["body"])
    save_new_item(page, "section", form, SECTION["heading"])


def fill_my_log(page: Page) -> None:
    page.locator("#log-panel .panel-head button").click()
    panel = page.locator("#log-panel[data-editing]")
    expect(panel).to_be_visible()
    if panel.locator(".link-row").count() < len(STUDY_LINKS):
        panel.locator("[data-add-row]").click()
    expect(panel.locator(".link-row")).to_have_count(len(STUDY_LINKS))
    for index, (title, url, color) in enumerate(STUDY_LINKS):
        panel.locator(f"input[name=links-{index}-title]").fill(title)
        panel.locator(f"input[name=links-{index}-url]").fill(url)
        panel.locator(f"select[name=links-{index}-color]").select_option(color)
    panel.locator("textarea[name=retrospective]").fill(RETRO)
    panel.locator("button.primary").click()
    saved = page.locator("#log-panel:not([data-editing])")
    expect(saved.locator("a.badge")).to_have_count(len(STUDY_LINKS))
    expect(saved.locator(".md strong")).to_have_text("마스킹")


def check_record(page: Page, section_id: str, problems: list[str]) -> None:
    order = [
        "#study",
        "#peer-session",
        "#suggestions",
        "#reviews",
        "#questions",
        section_id,
        "#retrospectives",
    ]
    for selector in order:
        expect(page.locator(selector)).to_be_visible()
    tops = element_tops(page, order)
    assert tops == sorted(tops) and len(set(tops)) == len(tops), dict(zip(order, tops, strict=True))
    assert in_dom_order(page, order)

    expect(page.locator("#study a.badge")).to_have_count(len(STUDY_LINKS))
    for title, url, _color in STUDY_LINKS:
        expect(page.locator(f'#study a.badge[href="{url}"]')).to_have_text(title)

    facts = page.locator("#peer-session > .session-facts")
    expect(facts).to_contain_text(SESSION["moderator"])
    participants = facts.locator("div").nth(1).locator("dd")
    for name in [LEAD, *MEMBERS]:  # the late member took part too
        expect(participants).to_contain_text(name)

    suggestion = page.locator("#suggestions")
    expect(suggestion).to_contain_text(SUGGESTION["proposal"])
    expect(suggestion.locator("ol.discussion li")).to_have_text(SUGGESTION["discussion"])
    expect(suggestion.locator(".outcome strong")).to_have_text("어텐션 블록")

    reviews = page.locator("#reviews li")
    expect(reviews).to_have_count(len(REVIEWS))
    for row, (assignment, topic, presenters) in zip(reviews.all(), REVIEWS, strict=True):
        expect(row).to_contain_text(f"{assignment} {topic} ({', '.join(presenters)})")

    questions = page.locator("#questions > ol > li")
    expect(questions).to_have_count(len(QUESTIONS))
    for row, q in zip(questions.all(), QUESTIONS, strict=True):
        expect(row).to_contain_text(q["question"])
        expect(row).to_contain_text(f"({q['asked_by']})")
        title, url = q["link"]
        expect(row.locator(f'ul.refs a[href="{url}"]')).to_have_text(title)
        expect(row.locator(".pill-follow-up")).to_have_count(1 if q["follow_up"] else 0)
    expect(questions.nth(0).locator(".md strong")).to_have_text("배치 크기")
    expect(questions.nth(1).locator(".md em")).to_have_text("사인 함수")
    expect(questions.nth(2).locator(".md li")).to_have_count(2)

    section = page.locator(section_id)
    expect(section.locator("h3")).to_have_text(SECTION["heading"])
    expect(section.locator(".md strong")).to_have_text("베이스라인부터")
    expect(section.locator(".md ol li")).to_have_count(2)

    retro = page.locator("#retrospectives")
    expect(retro).to_contain_text("어텐션 가중치를 직접 그려 보면서")
    expect(retro.locator(".md strong")).to_have_text("마스킹")

    # The record speaks the team's language (Korean), whatever the reader's UI language.
    for selector, heading in KOREAN_HEADINGS.items():
        found = page.locator(selector).inner_text().strip()
        if heading not in found:
            problems.append(f"record heading {selector!r} is {found!r}, not {heading!r}")


def test_full_day_from_signup_to_record(new_page):
    page = new_page(1280, name="lead-1280")
    sign_up(page)
    make_team(page)
    date = start_today(page)
    day = Day.objects.get(team__slug=SLUG, date=date)
    assert day.attendances.count() == 7

    expect(page.locator("[data-day-editor]")).to_be_visible()
    fill_session(page)
    fill_items(page)
    fill_my_log(page)
    screenshot(page, "day-edit")

    # Everything is in the database as typed.
    day.refresh_from_db()
    assert day.moderator.display_name == SESSION["moderator"]
    assert day.tag_list == ["Transformer", "어텐션"]
    late = day.attendances.get(member__display_name=SESSION["late"])
    assert (late.status, late.note) == ("late", LATE_NOTE)
    assert day.suggestions.get().discussion_items == SUGGESTION["discussion"]
    assert [
        sorted(r.presenters.values_list("display_name", flat=True))
        for r in day.assignmentreviews.all()
    ] == [sorted(p) for _a, _t, p in REVIEWS]
    assert [q.question for q in day.questions.all()] == [q["question"] for q in QUESTIONS]
    assert [q.needs_follow_up for q in day.questions.all()] == [True, False, False]
    log = MemberLog.objects.get(day=day, member__user__username=LEAD)
    assert [link.title for link in log.links.all()] == [t for t, _u, _c in STUDY_LINKS]
    section_id = f"#section-{day.freesections.get().pk}"

    problems: list[str] = []  # checked last, so that they do not hide later checks
    page.goto(f"/teams/{SLUG}/days/{date}/")
    check_record(page, section_id, problems)
    screenshot(page, "day-record")

    lead = Membership.objects.get(team__slug=SLUG, user__username=LEAD)
    page.goto(f"/teams/{SLUG}/days/{date}/{lead.pk}/")
    expect(page.locator("#study a.badge")).to_have_count(len(STUDY_LINKS))
    for title, url, _color in STUDY_LINKS:
        expect(page.locator(f'#study a.badge[href="{url}"]')).to_have_text(title)
    session = page.locator("#peer-session")
    expect(session).to_contain_text(SESSION["moderator"])
    expect(session.locator("#questions > ol > li")).to_have_count(len(QUESTIONS))
    expect(session.locator("#reviews li")).to_have_count(len(REVIEWS))
    expect(page.locator("#retrospectives .md")).to_contain_text("어텐션 가중치를 직접 그려 보면서")
    tops = element_tops(page, ["#study", "#peer-session", "#retrospectives"])
    assert tops == sorted(tops)
    screenshot(page, "member-record")

    page.goto(f"/teams/{SLUG}/days/")
    expect(page.locator(f'main a.day-link[href$="/days/{date}/"]')).to_be_visible()
    screenshot(page, "archive")

    # The same pages on a phone, logged in through the login form.
    phone = new_page(390, name="lead-390")
    login(phone, LEAD, LEAD_PASSWORD)
    phone.goto(f"/teams/{SLUG}/days/{date}/")
    expect(phone.locator("#retrospectives")).to_be_visible()
    assert in_dom_order(phone, ["#study", "#peer-session", section_id, "#retrospectives"])
    screenshot(phone, "day-record")
    phone.goto(f"/teams/{SLUG}/days/{date}/edit/")
    expect(phone.locator("[data-list=question] article.item")).to_have_count(len(QUESTIONS))
    screenshot(phone, "day-edit")
    phone.goto(f"/teams/{SLUG}/days/")
    expect(phone.locator(f'main a.day-link[href$="/days/{date}/"]')).to_be_visible()
    screenshot(phone, "archive")

    assert not problems, problems


def test_question_with_javascript_link_is_refused(new_page):
    team = TeamFactory(name="검증팀", slug="checks")
    user = UserFactory(username="checker")
    MembershipFactory(team=team, user=user, role=Membership.Role.ADMIN, display_name="검증자")
    day = DayFactory(team=team)
    page = new_page(1280, name="checker")
    login(page, "checker", PASSWORD)
    page.goto(f"/teams/{team.slug}/days/{day.date.isoformat()}/edit/")

    question = "링크 검증이 제대로 되나요?"
    links = "위험한 링크 javascript:alert(1)"
    form = open_add_form(page, "question")
    form.locator("textarea[name=question]").fill(question)
    form.locator("textarea[name=links]").fill(links)
    form.locator("button.primary").click()

    field = page.locator(".field.has-error", has=page.locator("textarea[name=links]"))
    expect(field.locator(".field-errors")).to_be_visible()
    expect(field.locator(".field-errors")).to_contain_text("1")  # names the bad line
    form = page.locator("#panel-question > article.item.is-editing form")
    expect(form.locator("textarea[name=links]")).to_have_value(links)
    expect(form.locator("textarea[name=question]")).to_have_value(question)
    expect(page.locator("[data-list=question] article.item")).to_have_count(0)
    assert not Question.objects.filter(day=day).exists()
    assert Team.objects.get(slug="checks").days.get().questions.count() == 0
