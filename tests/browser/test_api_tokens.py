"""API tokens in the browser, at 1280 and 390 px: make one on the account's page, see it
once, call the API with it, revoke it; and the API's docs page renders its Swagger UI
from the app's own static files under the site's CSP."""

import pytest
from playwright.sync_api import expect

from sessions.models import ApiToken, Membership

from ..factories import PASSWORD, DayFactory, MembershipFactory, TeamFactory, UserFactory
from .helpers import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 390])
def test_make_use_and_revoke_a_token(new_page, live_server, width):
    team = TeamFactory(name="토큰팀", slug="tokens")
    user = UserFactory(username="ara")
    MembershipFactory(team=team, user=user, display_name="박아라", role=Membership.Role.MEMBER)
    DayFactory(team=team)
    page = new_page(width)
    login(page, "ara", PASSWORD)
    page.goto("/accounts/profile/")
    page.get_by_role("link", name="API 토큰").last.click()
    page.fill("#id_name", "슬랙 봇")
    page.get_by_label("읽기 전용").check()
    page.select_option("#id_team", label="토큰팀")
    page.get_by_role("button", name="토큰 만들기").click()
    secret = page.locator(".token-secret .secret").inner_text().strip()
    assert secret.startswith("slg_")
    expect(page.locator(".token-list")).to_contain_text("슬랙 봇")
    screenshot(page, "api-tokens")

    api = page.request.get(
        live_server.url + "/api/v1/teams", headers={"Authorization": f"Bearer {secret}"}
    )
    assert api.status == 200 and api.json()["teams"][0]["slug"] == "tokens"

    page.reload()
    expect(page.locator(".token-secret")).to_have_count(0)  # shown once
    page.get_by_role("button", name="폐기하기").click()
    expect(page.locator(".token-row.is-revoked")).to_have_count(1)
    assert ApiToken.objects.get().revoked_at is not None
    refused = page.request.get(
        live_server.url + "/api/v1/teams", headers={"Authorization": f"Bearer {secret}"}
    )
    assert refused.status == 401


def test_the_docs_page_renders_its_swagger_ui(new_page):
    page = new_page(1280)
    page.goto("/api/v1/docs")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=10_000)
    expect(page.locator(".swagger-ui")).to_contain_text("/api/v1/teams/{team}/days/{date}")
    screenshot(page, "api-docs")
