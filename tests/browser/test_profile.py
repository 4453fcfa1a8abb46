"""A member manages their own account: the profile page's name, name in the team, e-mail
address and language, saved and seen at once, and the language kept for the next login."""

import pytest
from playwright.sync_api import expect

from sessions.models import Membership, Profile

from ..factories import PASSWORD, MembershipFactory, TeamFactory, UserFactory
from .helpers import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROFILE = "/accounts/profile/"


@pytest.mark.parametrize("width", [1280, 390])
def test_a_member_changes_their_name_email_and_language(new_page, width):
    team = TeamFactory(slug="owls", name="올빼미 스터디")
    user = UserFactory(username="hayoon", first_name="하윤", last_name="김", email="")
    member = MembershipFactory(
        team=team, user=user, display_name="김하윤", role=Membership.Role.MEMBER
    )
    MembershipFactory(team=team, display_name="박서준")  # a teammate whose name is taken

    page = new_page(width, name=f"profile-{width}")
    login(page, "hayoon", PASSWORD)
    # From the account menu, wherever the header puts it.
    page.locator(f"details:has(a[href='{PROFILE}']) > summary").click()
    page.locator(f"a[href='{PROFILE}']").click()
    page.wait_for_url(f"**{PROFILE}")
    expect(page.locator("h1")).to_have_text("프로필")
    expect(page.locator("#id_first_name")).to_have_value("김하윤")

    # A name a teammate has: said beside the field, and what was typed stays.
    team_name = page.locator(f"#id_team-{member.pk}-display_name")
    team_name.fill("박서준")
    page.fill("#id_email", "hayoon@example.com")
    page.get_by_role("button", name="저장").click()
    expect(page.locator(".field-errors")).to_contain_text("이 팀에 같은 이름")
    expect(page.locator("#id_email")).to_have_value("hayoon@example.com")
    user.refresh_from_db()
    assert user.email == ""

    team_name.fill("하윤")
    page.fill("#id_first_name", "김하윤 (Hayoon)")
    page.get_by_role("button", name="저장").click()
    expect(page.locator(".messages")).to_contain_text("프로필을 저장했습니다")
    expect(team_name).to_have_value("하윤")
    expect(page.locator("#id_email")).to_have_value("hayoon@example.com")
    screenshot(page, "profile")

    page.locator("#id_language").select_option("en")
    page.get_by_role("button", name="저장").click()
    expect(page.locator(".messages")).to_contain_text("Profile saved.")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert Profile.objects.get(user=user).language == "en"

    # Another browser, Korean by its locale: logging in switches to the account's language.
    other = new_page(width, name=f"profile-relogin-{width}")
    login(other, "hayoon", PASSWORD)
    expect(other.locator("html")).to_have_attribute("lang", "en")
