"""Sign in with GitHub in a real browser, against the fake GitHub on 127.0.0.1
(tests/fake_github.py): its consent page is a real page on another origin, so the
redirects, the cookies and the Content-Security-Policy are the browser's own."""

import pytest
from allauth.socialaccount.models import SocialAccount
from playwright.sync_api import expect

from sessions.blog import crypto
from sessions.models import BlogConnection

from ..factories import PASSWORD, MembershipFactory, TeamFactory, UserFactory
from .a11y import assert_accessible
from .helpers import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 390])
def test_a_newcomer_signs_in_with_github(new_page, fake_github, width):
    page = new_page(width, name=f"github-signin-{width}")
    page.goto("/accounts/login/")
    button = page.get_by_role("button", name="GitHub으로 계속하기")
    expect(button).to_be_visible()
    assert_accessible(page, "the login page with GitHub")
    screenshot(page, "github-login")

    button.click()
    expect(page.get_by_role("heading", name="Authorize Studylog")).to_be_visible()
    expect(page.locator("code")).to_have_text("user:email")
    page.get_by_role("button", name="Authorize").click()

    page.wait_for_url(lambda url: "/accounts/" not in url and fake_github.url not in url)
    page.goto("/accounts/profile/")
    expect(page.locator("#github")).to_contain_text("@minsu-kim")
    expect(page.locator("#github")).to_contain_text("먼저 비밀번호를 정해야")
    expect(page.locator("#id_first_name")).to_have_value("김민수")
    assert_accessible(page, "the profile's GitHub card")
    screenshot(page, "github-profile")


def test_a_cancelled_consent_comes_back_to_the_login_page(new_page, fake_github):
    page = new_page(1280)
    page.goto("/accounts/login/")
    page.get_by_role("button", name="GitHub으로 계속하기").click()
    page.get_by_role("button", name="Cancel").click()
    page.wait_for_url("**/accounts/login/**")
    expect(page.locator(".messages")).to_contain_text("GitHub 로그인을 취소했습니다")
    assert not SocialAccount.objects.exists()


def test_a_member_links_github_takes_a_blog_token_and_unlinks(new_page, fake_github):
    team = TeamFactory(slug="owls", name="올빼미 스터디")
    user = UserFactory(username="hayoon", first_name="하윤", email="hayoon@example.com")
    MembershipFactory(team=team, user=user, display_name="김하윤")
    page = new_page(1280, name="github-link")
    login(page, "hayoon", PASSWORD)

    page.goto("/accounts/profile/")
    page.locator("#github").get_by_role("button", name="GitHub 연결").click()
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url("**/accounts/profile/")
    expect(page.locator("#github")).to_contain_text("@minsu-kim")

    page.goto("/accounts/blog/")
    token = page.locator(".github-token")
    expect(token).to_contain_text("public_repo")
    assert_accessible(page, "the blog page's token from GitHub")
    token.get_by_label("repo", exact=False).last.check()
    token.get_by_label("public_repo", exact=False).check()
    token.get_by_role("button", name="GitHub에서 토큰 받기").click()
    asked = page.locator("code")
    expect(asked).to_contain_text("public_repo")  # in either order
    assert set(asked.inner_text().split()) == {"user:email", "public_repo"}
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url("**/accounts/blog/")
    expect(page.locator(".messages")).to_contain_text("GitHub에서 받은 토큰")
    expect(page.locator("#id_remote_url")).to_have_value(
        f"{fake_github.url}/minsu-kim/minsu-kim.github.io.git"
    )
    connection = BlogConnection.objects.get(user=user)
    assert crypto.decrypt(connection.credential) in fake_github.tokens
    screenshot(page, "github-blog-token")

    page.goto("/accounts/profile/")
    page.locator("#github").get_by_role("button", name="GitHub 연결 해제").click()
    page.wait_for_url("**/accounts/profile/")
    expect(page.locator("#github")).to_contain_text("GitHub 계정을 연결하면")
    assert not SocialAccount.objects.exists()
