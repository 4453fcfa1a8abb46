"""Day templates in the browser: an admin writes one, a new day starts from it, its
reviews start with the outline and its members see the retrospective prompts; at 1280
and 390 px."""

import pytest
from playwright.sync_api import expect

from sessions.models import Day, Membership

from ..factories import PASSWORD, MembershipFactory, TeamFactory, UserFactory
from .helpers import login, open_add_form, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECTIONS = "## 리더보드 점검\n- 오늘 제출한 점수\n\n## 실험 분담\n"


def team_with_admin():
    team = TeamFactory(name="템플릿팀", slug="tpl")
    user = UserFactory(username="lead")
    MembershipFactory(team=team, user=user, role=Membership.Role.ADMIN, display_name="김리더")
    return team


@pytest.mark.parametrize("width", [1280, 390])
def test_an_admin_writes_a_template_and_a_new_day_starts_from_it(new_page, width):
    team = team_with_admin()
    page = new_page(width)
    login(page, "lead", PASSWORD)

    page.goto("/teams/tpl/settings/")
    page.get_by_role("link", name="기록 템플릿").click()
    expect(page.locator("h1")).to_have_text("기록 템플릿")
    built_in = page.locator(".template-card", has_text="기본 피어세션")
    expect(built_in).to_contain_text("이전 모델 대비 개선점")
    expect(built_in.locator(".pill")).to_have_text("기본")
    screenshot(page, "templates-list")

    page.get_by_role("link", name="새 템플릿").click()
    page.fill("#id_name", "대회 주간")
    page.check("#id_is_default")
    page.fill("#id_sections", SECTIONS)
    page.fill("#id_review_outline", "### 실험 설정\n\n### 결과")
    page.fill("#id_retro_prompt", "- 오늘 시도한 실험")
    page.fill("#id_minutes_review", "999")  # too long: refused beside the field
    page.get_by_role("button", name="저장").click()
    field = page.locator(".field:has(#id_minutes_review)")
    expect(field).to_contain_text("180")
    expect(page.locator("#id_name")).to_have_value("대회 주간")  # what was typed stays
    screenshot(page, "templates-form-error")
    page.fill("#id_minutes_review", "8")
    page.get_by_role("button", name="저장").click()
    expect(page.locator(".template-card").first).to_contain_text("대회 주간")
    expect(page.locator(".template-card").first.locator(".pill")).to_have_text("기본")

    page.goto("/teams/tpl/days/new/")
    expect(page.locator("#id_template option:checked")).to_have_text("대회 주간")
    screenshot(page, "templates-new-day")
    page.get_by_role("button", name="만들고 작성 시작").click()
    page.wait_for_url("**/edit/")
    day = Day.objects.get(team=team)
    assert day.template_version.template.name == "대회 주간"
    expect(page.locator("[data-list=section] > article.item")).to_have_count(2)

    form = open_add_form(page, "review")
    notes = form.locator("textarea[name=notes]")
    expect(notes).to_have_value("### 실험 설정\n\n### 결과")
    screenshot(page, "templates-review-outline")
