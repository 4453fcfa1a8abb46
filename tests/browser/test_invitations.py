"""An admin makes the team's join link and copies it; someone new opens it in another
browser, signs up, chooses a name and lands on the team."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from sessions.models import JoinLink, Membership

from ..factories import PASSWORD, MembershipFactory, TeamFactory, UserFactory
from .helpers import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def shoot(page: Page, name: str) -> None:
    """A full-page screenshot for the README, as docs/screenshots/<name>-<width>.png."""
    DOCS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(DOCS / f"{name}-{page.viewport_size['width']}.png"), full_page=True)


@pytest.mark.parametrize("width", [1280, 390])
def test_an_admin_shares_the_join_link_and_a_newcomer_joins(new_page, width):
    team = TeamFactory(slug="invite-team", name="초대팀")
    admin = UserFactory(username="lead")
    MembershipFactory(team=team, user=admin, display_name="김리더", role=Membership.Role.ADMIN)
    MembershipFactory(team=team, user=None, display_name="박이름")

    page = new_page(width, name=f"admin-{width}")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    login(page, "lead", PASSWORD)
    page.goto("/teams/invite-team/members/")
    card = page.locator("#join-link")
    card.locator("select[name=join-role]").select_option("member")
    card.get_by_role("button").click()
    expect(page.locator(".message-success")).to_be_visible()

    link = JoinLink.objects.get(team=team)
    address = page.locator("#join-link-url")
    expect(address).to_have_text(re.compile(rf"^http://.+/join/{link.token}/$"))
    # Shown in full: the whole address is inside the card, wrapped if need be.
    box, card_box = address.bounding_box(), card.bounding_box()
    assert box["x"] + box["width"] <= card_box["x"] + card_box["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    copy = card.locator("button[data-copy-target=join-link-url]")
    copy.click()
    status = card.locator(".copy-link-status")
    expect(status).to_have_text(copy.get_attribute("data-copied-text"))
    assert page.evaluate("navigator.clipboard.readText()") == address.inner_text()
    # A one-time link too, so the screenshot shows both kinds.
    page.locator("#invite-link").get_by_role("button").click()
    expect(page.locator(".open-invites .copy-link-text")).to_have_count(1)
    page.locator("#join-link button[data-copy-target]").click()
    expect(page.locator("#join-link .copy-link-status")).not_to_be_empty()
    shoot(page, "invite")

    newcomer = new_page(width, name=f"newcomer-{width}")
    newcomer.goto(address.inner_text())
    newcomer.locator("main").get_by_role("link").first.click()  # sign up
    expect(newcomer).to_have_url(re.compile(r"/accounts/signup/\?next="))
    newcomer.fill("#id_username", "newbie")
    if newcomer.locator("#id_email").count():
        newcomer.fill("#id_email", "newbie@example.com")
    newcomer.fill("#id_password1", "aVeryLongPassw0rd!")
    newcomer.fill("#id_password2", "aVeryLongPassw0rd!")
    newcomer.locator("main form button[type=submit]").click()

    expect(newcomer).to_have_url(re.compile(rf"/join/{link.token}/$"))
    name = newcomer.locator("#id_display_name")
    expect(name).to_have_value("newbie")
    name.fill("박이름")  # taken by a name-only member: refused beside the field
    newcomer.locator("main form button[type=submit]").click()
    expect(newcomer.locator(".field-errors")).to_be_visible()
    expect(newcomer.locator("#id_display_name")).to_have_value("박이름")
    shoot(newcomer, "invite-join")
    newcomer.locator("#id_display_name").fill("최신입")
    newcomer.locator("main form button[type=submit]").click()

    expect(newcomer).to_have_url(re.compile(r"/teams/invite-team/$"))
    expect(newcomer.locator(".message-success")).to_contain_text("초대팀")
    member = Membership.objects.get(team=team, user__username="newbie")
    assert (member.display_name, member.role) == ("최신입", "member")

    # Revoked, the same link shows a clear page to the next person.
    page.reload()
    page.locator("#join-link form button.danger").click()
    expect(page.locator("#join-link select[name=join-role]")).to_be_visible()
    late = new_page(width, name=f"late-{width}")
    late.goto(f"/join/{link.token}/")
    expect(late.locator("main h1")).to_contain_text("초대팀")
    expect(late.locator("main .card p").first).not_to_be_empty()
    shoot(late, "invite-revoked")
