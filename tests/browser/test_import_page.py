"""An admin brings two old blog posts into the team through the import page.

The team is made through the ORM; choosing files, importing, reading the report and
opening the imported day happen in the browser. Assertions read data attributes,
links and the text of the posts, not the UI's translated words.
"""

import pytest
from playwright.sync_api import expect

from sessions.models import Day, Membership

from ..factories import PASSWORD, MembershipFactory, TeamFactory, UserFactory
from .helpers import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLUG = "graph-study"
QUESTIONS = {
    "2024-05-20": "다익스트라에서 음수 가중치를 쓰면 안 되는 이유는?",
    "2024-05-21": "위상 정렬은 사이클이 있으면 어떻게 되나요?",
}


def post(date: str, number: int, question: str) -> bytes:
    """One of 한지우's posts, in FORMAT.md's shape."""
    return f"""---
title: "[boostcourse] Day{number} 학습기록_그래프 스터디"
excerpt: "about : 그래프"
toc: true
categories:
  - boostcourse
tags:
  - [그래프]
date: {date}
last_modified_at: {date}
---
<br>

## 학습 내용

<a href="https://example.com/sp"><img src="https://img.shields.io/badge/-최단 경로-green"/></a>

<br>

## 피어세션 👨‍👨‍👦‍👦 👨‍👨‍👦

모더레이터 : 한지우

참가자 : 한지우, 류다온

<br>

### 질문내용

1. 질문 : {question}(류다온)

    답 : 간선을 다시 볼 수 있어서 한 번 확정한 거리가 틀어집니다.(한지우)

<br>

## 회고록

그래프 문제를 손으로 그려 가며 풀어 보니 훨씬 잘 이해되었다.
""".encode()


FILES = [
    {
        "name": f"{date}-boostcourse_day{number}.md",
        "mimeType": "text/markdown",
        "buffer": post(date, number, question),
    }
    for number, (date, question) in enumerate(QUESTIONS.items(), start=11)
]


@pytest.fixture
def admin(db) -> Membership:
    team = TeamFactory(name="그래프 스터디", slug=SLUG)
    MembershipFactory(team=team, user=UserFactory(username="dawon"), display_name="류다온")
    return MembershipFactory(
        team=team,
        user=UserFactory(username="jiwoo"),
        display_name="한지우",
        role=Membership.Role.ADMIN,
    )


def upload(page, files) -> None:
    page.goto(f"/teams/{SLUG}/import/")
    page.locator("input[type=file][name=files]").set_input_files(files)
    page.locator("main form[enctype='multipart/form-data'] button.primary").click()
    expect(page.locator("#import-report")).to_be_visible()


def test_admin_imports_two_posts_and_opens_the_day(admin, new_page):
    page = new_page(1280, name="admin")
    login(page, "jiwoo", PASSWORD)
    page.goto(f"/teams/{SLUG}/members/")
    page.locator(f'a[href="/teams/{SLUG}/import/"]').click()
    expect(page.locator("input[type=file][name=files]")).to_be_visible()

    upload(page, FILES)
    rows = page.locator("#import-report tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#import-report tr[data-status=imported]")).to_have_count(2)
    for file in FILES:
        expect(rows.filter(has_text=file["name"])).to_have_count(1)
    assert sorted(d.date.isoformat() for d in Day.objects.filter(team=admin.team)) == sorted(
        QUESTIONS
    )
    screenshot(page, "import")

    date, question = next(iter(QUESTIONS.items()))
    page.locator(f'#import-report a[href="/teams/{SLUG}/days/{date}/"]').click()
    page.wait_for_url(f"**/teams/{SLUG}/days/{date}/")
    expect(page.locator("main")).to_contain_text(question)
    expect(page.locator("main")).to_contain_text("그래프 문제를 손으로 그려 가며")


def test_importing_again_on_a_phone_reports_unchanged(admin, new_page):
    page = new_page(390, name="admin-phone")
    login(page, "jiwoo", PASSWORD)
    upload(page, FILES)
    expect(page.locator("#import-report tr[data-status=imported]")).to_have_count(2)
    upload(page, FILES)
    expect(page.locator("#import-report tr[data-status=unchanged]")).to_have_count(2)
    # The day link stays reachable on a narrow screen.
    expect(page.locator("#import-report tbody a").first).to_be_visible()
    screenshot(page, "import")
