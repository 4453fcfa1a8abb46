"""WCAG 2.1 A and AA, checked by axe-core (tests/browser/a11y.py) on every page the
browser tests open, at a desktop's and a phone's width, in Korean and in English.

Run them alone with `make test-a11y` (or `pytest -m a11y`).
"""

import datetime
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from sessions.models import Attendance, MemberLog, Membership, Question, StudyLink
from sessions.schedule import local_today

from ..factories import (
    PASSWORD,
    ActionItemFactory,
    DayFactory,
    MemberLogFactory,
    QuestionFactory,
    ReviewFactory,
    StudyLinkFactory,
    SuggestionFactory,
    TeamFactory,
    cast,
)
from .a11y import AXE, assert_accessible, violations
from .helpers import item_card, login, open_add_form, open_edit_form

pytestmark = [pytest.mark.browser, pytest.mark.a11y, pytest.mark.django_db(transaction=True)]

SLUG = "a11y"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def team_days():
    """A team with a week of days: questions (one still to follow up), a suggestion, a
    review, logs with links and a retrospective, so every page has something on it."""
    team = TeamFactory(name="딥러닝 스터디 3조", slug=SLUG)
    people = cast(
        team,
        [
            ("hongyohan", "홍요한", Membership.Role.ADMIN),
            ("kimara", "김아라", Membership.Role.MEMBER),
            ("leebomi", "이보미", Membership.Role.MEMBER),
        ],
    )
    today = local_today(team)
    days = []
    for n in range(1, 6):
        day = DayFactory(
            team=team,
            date=today - datetime.timedelta(days=5 - n),
            number=n,
            title=f"Day {n}: 트랜스포머",
            moderator=people[n % 3],
        )
        days.append(day)
        Attendance.objects.bulk_create(Attendance(day=day, member=m) for m in people)
        QuestionFactory(
            day=day,
            question=f"질문 {n}: 마스킹은 softmax 전에 하나요?",
            asked_by=people[n % 3],
            answer="네, **-inf**로 채운 뒤 softmax를 거칩니다.",
            needs_follow_up=n == 2,
        )
        SuggestionFactory(day=day, proposal="리뷰 발표는 10분 안에 마치기")
        ReviewFactory(day=day, assignment="과제 3", topic="Seq2Seq", presenters=[people[1]])
        log = MemberLogFactory(day=day, member=people[1], retrospective="*마스킹*을 이해했다.")
        StudyLinkFactory(log=log, title="Attention Is All You Need")
    # Every badge colour, and an action item past its due date (the overdue state).
    log = MemberLog.objects.get(day=days[-1], member=people[1])
    for color in StudyLink.Color.values:
        StudyLinkFactory(log=log, title=f"강의 ({color})", color=color)
    ActionItemFactory(
        day=days[0], owner=people[2], due_date=days[0].date, text="발표 자료 공유하기"
    )
    return team, days


def team_pages(days) -> list[tuple[str, str]]:
    day = days[-1]
    base = f"/teams/{SLUG}"
    date = day.date.isoformat()
    ara = day.team.memberships.get(display_name="김아라").pk
    return [
        ("home", "/"),
        ("team home", f"{base}/"),
        ("record", f"{base}/days/{date}/"),
        ("member record", f"{base}/days/{date}/{ara}/"),
        ("history", f"{base}/days/{date}/history/"),
        ("archive", f"{base}/days/"),
        ("calendar", f"{base}/days/{day.date.year}/{day.date.month}/"),
        ("search results", f"{base}/search/?q=마스킹"),
        ("follow-ups", f"{base}/follow-ups/"),
        ("statistics", f"{base}/stats/"),
        ("schedule", f"{base}/schedule/"),
        ("settings", f"{base}/settings/"),
        ("members", f"{base}/members/"),
        ("import", f"{base}/import/"),
        ("new day", f"{base}/days/new/"),
        ("week", f"{base}/weeks/{date}/"),
        ("decisions", f"{base}/decisions/"),
        ("presenter", f"{base}/days/{date}/present/"),
        ("mentoring", f"{base}/mentoring/"),
        ("member statistics", f"{base}/members/{ara}/stats/"),
        ("day templates", f"{base}/templates/"),
        ("calendar feed", f"{base}/calendar/"),
        ("webhooks", f"{base}/webhooks/"),
        ("profile", "/accounts/profile/"),
        ("blog", "/accounts/blog/"),
        ("API tokens", "/accounts/tokens/"),
    ]


def use_english(page) -> None:
    """The language cookie Django's language switch sets, for the whole site."""
    host = urlsplit(page.url).hostname
    cookie = {"name": "django_language", "value": "en", "domain": host, "path": "/"}
    page.context.add_cookies([cookie])


@pytest.mark.parametrize("language", ["ko", "en"])
@pytest.mark.parametrize("width", [1280, 390])
def test_every_page_meets_wcag_21_aa(new_page, team_days, width, language):
    team, days = team_days
    found = []
    anonymous = new_page(width, name=f"a11y-anon-{width}-{language}")
    anonymous.goto("/accounts/login/")
    if language == "en":
        use_english(anonymous)
    for name, url in (("login", "/accounts/login/"), ("signup", "/accounts/signup/")):
        anonymous.goto(url)
        expect(anonymous.locator("html")).to_have_attribute("lang", language)
        found += [f"[{name}] {line}" for line in violations(anonymous)]

    page = new_page(width, name=f"a11y-{width}-{language}")
    login(page, "hongyohan", PASSWORD)
    if language == "en":
        use_english(page)
    for name, url in team_pages(days):
        page.goto(url)
        expect(page.locator("html")).to_have_attribute("lang", language)
        found += [f"[{name}] {line}" for line in violations(page)]

    # The editor, with an item's form open (htmx puts it in the page).
    page.goto(f"/teams/{SLUG}/days/{days[-1].date.isoformat()}/edit/")
    open_add_form(page, "question")
    found += [f"[editor, a form open] {line}" for line in violations(page)]

    assert not found, f"axe at {width}px in {language}:\n" + "\n".join(found)


@pytest.mark.parametrize("width", [1280, 390])
def test_the_conflict_view_meets_wcag_21_aa(new_page, team_days, width):
    team, days = team_days
    day = days[-1]
    question = Question.objects.filter(day=day).first()
    pk = str(question.pk)
    editor = f"/teams/{SLUG}/days/{day.date.isoformat()}/edit/"
    a = new_page(width, name=f"conflict-a-{width}")
    login(a, "hongyohan", PASSWORD)
    a.goto(editor)
    b = new_page(width, name=f"conflict-b-{width}")
    login(b, "kimara", PASSWORD)
    b.goto(editor)
    form_a = open_edit_form(a, "question", pk)
    form_b = open_edit_form(b, "question", pk)
    form_a.locator("textarea[name=question]").fill("홍요한이 고친 질문")
    form_b.locator("textarea[name=question]").fill("김아라가 고친 질문")
    form_a.locator("button.primary").click()
    expect(item_card(a, "question", "홍요한이 고친 질문")).to_be_visible()
    form_b.locator("button.primary").click()
    expect(b.locator(f"article.is-conflict[data-item-id='{pk}']")).to_be_visible()
    b.wait_for_timeout(700)  # markdownx previews after 600 ms
    assert_accessible(b, "the conflict view")


def test_axe_is_the_pinned_version():
    """The copy the tests run is the one package-lock.json pins (make assets copies it)."""
    import json

    lock = json.loads((ROOT / "package-lock.json").read_text())
    pinned = lock["packages"]["node_modules/axe-core"]["version"]
    header = re.match(r"/\*! axe v([\d.]+)", AXE.read_text()[:40])
    assert header and header.group(1) == pinned


def test_every_chart_points_to_its_table(new_page, team_days):
    page = new_page(1280, name="charts")
    login(page, "hongyohan", PASSWORD)
    page.goto(f"/teams/{SLUG}/stats/")
    charts = page.locator("svg[role=img]")
    expect(charts.first).to_be_visible()
    unlinked = page.evaluate(
        """() => Array.from(document.querySelectorAll("svg[role=img]"))
            .filter((svg) => {
                const data = document.getElementById(svg.getAttribute("aria-details"));
                return !data || !data.querySelector("table caption");
            })
            .map((svg) => svg.querySelector("title").textContent)"""
    )
    assert charts.count() >= 3 and unlinked == []
