"""A team's webhooks page in the browser, at 1280 and 390 px: an admin subscribes a URL
and reads its secret and its delivery log."""

import pytest
from playwright.sync_api import expect

from sessions.models import Membership, WebhookDelivery, WebhookSubscription

from ..factories import PASSWORD, MembershipFactory, TeamFactory, UserFactory
from .helpers import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 390])
def test_an_admin_subscribes_a_url(new_page, width):
    team = TeamFactory(name="웹훅팀", slug="hooks")
    MembershipFactory(
        team=team, user=UserFactory(username="lead"), display_name="김리더",
        role=Membership.Role.ADMIN,
    )  # fmt: skip
    page = new_page(width)
    login(page, "lead", PASSWORD)
    page.goto("/teams/hooks/settings/")
    page.get_by_role("link", name="웹훅", exact=True).click()
    page.fill("#id_url", "https://example.com/studylog")
    page.get_by_label("날이 마감될 때").check()
    page.get_by_label("질문이 추가될 때").check()
    page.get_by_role("button", name="추가").click()
    hook = WebhookSubscription.objects.get()
    assert hook.events == ["day.closed", "question.added"]
    expect(page.locator("code.secret")).to_have_text(hook.secret)
    WebhookDelivery.objects.create(
        subscription=hook, event="day.closed", payload="{}", status="retrying", attempts=1,
        response_status=502, error="HTTP 502",
    )  # fmt: skip
    page.reload()
    expect(page.locator(".delivery")).to_contain_text("HTTP 502")
    screenshot(page, "webhooks")
