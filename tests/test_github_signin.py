"""Sign in with GitHub: the whole OAuth dance against a fake GitHub on 127.0.0.1
(tests/fake_github.py), its failure paths, linking and unlinking on the profile, an
invitation accepted through GitHub, and the blog's token from GitHub."""

from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from sessions.blog import crypto
from sessions.github.oauth import GitHubAdapter
from sessions.models import BlogConnection, Invitation, Membership, Profile

from .factories import MembershipFactory, UserFactory
from .fake_github import FakeUser

# Messages are read in the English source text.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

User = get_user_model()
CALLBACK = "http://testserver/accounts/github/login/callback/"


def start(client, **data):
    """Press "Continue with GitHub": where the browser is sent."""
    response = client.post(reverse("github_login"), data)
    assert response.status_code == 302, response
    return response["Location"]


def come_back(client, callback_url, **headers):
    parts = urlsplit(callback_url)
    return client.get(f"{parts.path}?{parts.query}", **headers)


def dance(client, github, *, approve=True, **data):
    """Sign in (or link, with process=connect) all the way: the response to the callback."""
    return come_back(client, github.consent(start(client, **data), approve=approve))


def scopes(authorize_url) -> set[str]:
    return set(parse_qs(urlsplit(authorize_url).query)["scope"][0].split())


def messages_of(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


def logged_in_user(client):
    return client.get(reverse("peer:profile")).wsgi_request.user


# --- signing in -------------------------------------------------------------------------


def test_a_new_github_user_gets_an_account_and_is_logged_in(client, fake_github):
    authorize_url = start(client, next="/teams/new/")
    authorize = urlsplit(authorize_url)
    assert f"{authorize.scheme}://{authorize.netloc}" == fake_github.url
    query = parse_qs(authorize.query)
    assert query["client_id"] == ["studylog-test-client"]
    assert query["redirect_uri"] == [CALLBACK]
    assert query["scope"] == ["user:email"]  # signing in asks for nothing more

    response = come_back(client, fake_github.consent(authorize_url), HTTP_ACCEPT_LANGUAGE="ko")

    assert response.status_code == 302 and response["Location"] == "/teams/new/"
    user = User.objects.get()
    assert (user.username, user.first_name, user.last_name) == ("minsu-kim", "김민수", "")
    assert user.email == "minsu@example.com"
    assert not user.has_usable_password()
    account = SocialAccount.objects.get()
    assert (account.user, account.provider, account.uid) == (user, "github", "4401")
    assert logged_in_user(client) == user
    # The secret went to GitHub's token endpoint, never through the browser.
    assert fake_github.token_requests[0]["client_secret"] == "studylog-test-secret"
    assert "studylog-test-secret" not in authorize.query
    assert Profile.objects.get(user=user).language == "ko"


def test_signing_in_again_reaches_the_same_account_in_its_language(client, fake_github):
    dance(client, fake_github)
    user = User.objects.get()
    Profile.remember_language(user, "ko")
    client.post(reverse("logout"))

    response = dance(client, fake_github)

    assert response["Location"] == reverse("peer:home")
    assert User.objects.count() == 1
    assert logged_in_user(client) == user
    assert response.cookies["django_language"].value == "ko"


def test_a_name_taken_as_a_username_gets_another(client, fake_github):
    UserFactory(username="minsu-kim")
    dance(client, fake_github)
    new = User.objects.exclude(username="minsu-kim").get()
    assert new.username and new.first_name == "김민수"
    assert logged_in_user(client) == new


def test_a_next_address_off_this_site_is_not_followed(client, fake_github):
    response = dance(client, fake_github, next="https://evil.example/")
    assert response["Location"] == reverse("peer:home")
    assert logged_in_user(client).is_authenticated


def test_a_deactivated_account_is_not_let_in(client, fake_github):
    dance(client, fake_github)
    user = User.objects.get()
    client.post(reverse("logout"))
    User.objects.filter(pk=user.pk).update(is_active=False)

    response = dance(client, fake_github)

    assert response["Location"] == reverse("login")
    assert not logged_in_user(client).is_authenticated
    assert any("deactivated" in m for m in messages_of(response))


def test_an_address_of_an_existing_account_is_not_taken_over(client, fake_github):
    owner = UserFactory(email="Minsu@Example.com")

    response = dance(client, fake_github, next="/invite/x/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Finvite%2Fx%2F"
    assert User.objects.count() == 1 and not SocialAccount.objects.exists()
    assert not logged_in_user(client).is_authenticated
    assert any("link GitHub on your profile" in m for m in messages_of(response))
    owner.refresh_from_db()
    assert owner.email == "Minsu@Example.com"


def test_an_unverified_address_is_neither_kept_nor_a_conflict(client, fake_github):
    UserFactory(email="shared@example.com")
    fake_github.signed_in = FakeUser("jiwoo", 77, "", [("shared@example.com", True, False)])

    dance(client, fake_github)

    user = User.objects.get(username="jiwoo")
    assert user.email == "" and user.first_name == ""
    assert logged_in_user(client) == user


def test_the_primary_verified_address_is_the_one_kept(client, fake_github):
    fake_github.signed_in = FakeUser(
        "seoyeon",
        88,
        "이서연",
        [("old@example.com", False, True), ("seoyeon@example.com", True, True)],
    )
    dance(client, fake_github)
    assert User.objects.get(username="seoyeon").email == "seoyeon@example.com"


# --- what goes wrong at GitHub -----------------------------------------------------------


def test_a_denied_consent_changes_nothing(client, fake_github):
    response = dance(client, fake_github, approve=False, next="/teams/new/")

    assert response["Location"] == "/accounts/login/?next=%2Fteams%2Fnew%2F"
    assert not User.objects.exists()
    assert not logged_in_user(client).is_authenticated
    assert any("cancelled" in m for m in messages_of(response))
    assert ("POST", "/login/oauth/access_token") not in fake_github.calls


@pytest.mark.parametrize("failure", ["server", "bad_verification_code"])
def test_a_token_endpoint_error_is_a_message(client, fake_github, failure):
    fake_github.token_error = failure

    response = dance(client, fake_github)

    assert response["Location"] == reverse("login")
    assert not User.objects.exists()
    assert not logged_in_user(client).is_authenticated
    assert any("GitHub could not be reached" in m for m in messages_of(response))


@pytest.mark.parametrize("status", [401, 500])
def test_an_api_error_is_a_message(client, fake_github, status):
    fake_github.user_error = status
    response = dance(client, fake_github)
    assert response["Location"] == reverse("login")
    assert not User.objects.exists()
    assert any("GitHub could not be reached" in m for m in messages_of(response))


def test_a_replayed_callback_logs_no_one_in(client, fake_github):
    callback = fake_github.consent(start(client))
    assert come_back(client, callback)["Location"] == reverse("peer:home")
    client.post(reverse("logout"))

    again = come_back(client, callback)

    assert again["Location"] == reverse("login")
    assert any("expired or was already used" in m for m in messages_of(again))
    assert not logged_in_user(client).is_authenticated


def test_a_callback_from_another_browser_logs_no_one_in(client, fake_github):
    """Login CSRF: a state stashed in the attacker's session is no use in the victim's."""
    callback = fake_github.consent(start(client))
    victim = Client()

    response = come_back(victim, callback)

    assert response["Location"] == reverse("login")
    assert not User.objects.exists()
    assert not logged_in_user(victim).is_authenticated


def test_a_made_up_code_is_refused_by_github(client, fake_github):
    callback = urlsplit(fake_github.consent(start(client)))
    state = parse_qs(callback.query)["state"][0]
    response = client.get(f"{callback.path}?code=forged&state={state}")
    assert response["Location"] == reverse("login")
    assert not User.objects.exists()


def test_starting_is_a_post(client, fake_github):
    assert client.get(reverse("github_login")).status_code == 405


def test_with_no_oauth_app_there_is_no_github(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {"github": {"APP": {"client_id": "", "secret": ""}}}
    assert client.post(reverse("github_login")).status_code == 404
    assert client.get(reverse("github_callback")).status_code == 404
    assert b"github-button" not in client.get(reverse("login")).content


def test_the_login_and_signup_pages_offer_github(client, fake_github):
    for name in ("login", "peer:signup"):
        page = client.get(reverse(name), {"next": "/teams/new/"}).content.decode()
        assert f'action="{reverse("github_login")}"' in page
        assert 'name="next" value="/teams/new/"' in page


# --- the server's address is a setting --------------------------------------------------


def test_github_enterprise_is_reached_at_its_own_address(settings, rf):
    settings.SOCIALACCOUNT_PROVIDERS = {"github": {"GITHUB_URL": "https://git.example.com/"}}
    adapter = GitHubAdapter(rf.get("/"))
    assert adapter.authorize_url == "https://git.example.com/login/oauth/authorize"
    assert adapter.access_token_url == "https://git.example.com/login/oauth/access_token"
    assert adapter.profile_url == "https://git.example.com/api/v3/user"
    assert adapter.emails_url == "https://git.example.com/api/v3/user/emails"

    settings.SOCIALACCOUNT_PROVIDERS = {"github": {}}
    assert adapter.authorize_url == "https://github.com/login/oauth/authorize"
    assert adapter.profile_url == "https://api.github.com/user"


# --- linking and unlinking on the profile -------------------------------------------------


def test_a_member_links_github_and_then_logs_in_with_it(as_member, team_member, fake_github):
    accounts = User.objects.count()
    response = dance(as_member, fake_github, process="connect", next=reverse("peer:profile"))

    assert response["Location"] == reverse("peer:profile")
    account = SocialAccount.objects.get()
    assert account.user == team_member
    assert User.objects.count() == accounts
    page = as_member.get(reverse("peer:profile")).content.decode()
    assert "@minsu-kim" in page and reverse("github_unlink") in page

    browser = Client()
    dance(browser, fake_github)
    assert logged_in_user(browser) == team_member


def test_linking_keeps_the_accounts_own_address_and_name(as_member, team_member, fake_github):
    user = team_member
    before = (user.email, user.first_name, user.username)
    dance(as_member, fake_github, process="connect")
    user.refresh_from_db()
    assert (user.email, user.first_name, user.username) == before


def test_a_github_account_linked_to_someone_else_is_not_moved(
    as_member, team_member, team_admin, fake_github
):
    dance(Client(), fake_github)  # a GitHub sign-up: the account is someone's already
    owner = SocialAccount.objects.get().user

    response = dance(as_member, fake_github, process="connect")

    assert SocialAccount.objects.get().user == owner
    assert response.status_code == 302
    assert logged_in_user(as_member) == team_member


def test_unlinking(as_member, team_member, fake_github):
    dance(as_member, fake_github, process="connect")
    response = as_member.post(reverse("github_unlink"))
    assert response["Location"] == reverse("peer:profile")
    assert not SocialAccount.objects.exists()


def test_the_only_way_in_is_not_unlinked(client, fake_github):
    dance(client, fake_github)  # a GitHub-only account: no password

    response = client.post(reverse("github_unlink"))

    assert SocialAccount.objects.count() == 1
    assert any("set a password first" in m for m in messages_of(response))
    page = client.get(reverse("peer:profile")).content.decode()
    assert "set a password first" in page
    assert reverse("github_unlink") not in page


def test_unlinking_nothing_is_404(as_member, fake_github):
    assert as_member.post(reverse("github_unlink")).status_code == 404


# --- an invitation accepted through GitHub -------------------------------------------------


def test_an_invitation_accepted_through_github_binds_the_member(client, team, fake_github):
    named = MembershipFactory(team=team, user=None, display_name="박지훈")
    invitation = Invitation.objects.create(team=team, role="member", member=named)
    invite = reverse("peer:invitation_accept", args=[invitation.token])

    page = client.get(invite).content.decode()
    assert f'action="{reverse("github_login")}"' in page

    response = dance(client, fake_github, next=invite)
    assert response["Location"] == invite
    joined = client.post(invite)

    assert joined["Location"] == reverse("peer:team", args=[team.slug])
    named.refresh_from_db()
    assert named.user == User.objects.get(username="minsu-kim")
    assert named.display_name == "박지훈"
    assert Membership.objects.filter(team=team, display_name="김민수").count() == 0


# --- the blog's token from GitHub -----------------------------------------------------------


def test_the_blog_takes_its_token_from_github(as_member, team_member, fake_github):
    response = as_member.post(reverse("github_blog_token"), {"scope": "public_repo"})
    authorize = response["Location"]
    assert scopes(authorize) == {"user:email", "public_repo"}

    back = come_back(as_member, fake_github.consent(authorize))

    assert back["Location"] == reverse("peer:blog")
    connection = BlogConnection.objects.get(user=team_member)
    token = next(iter(fake_github.tokens))
    assert crypto.decrypt(connection.credential) == token
    assert token not in connection.credential  # stored encrypted
    assert connection.credential_kind == "token"
    assert connection.remote_url == f"{fake_github.url}/minsu-kim/minsu-kim.github.io.git"
    assert SocialAccount.objects.get().user == team_member
    assert any("public_repo" in m for m in messages_of(back))


def test_a_blog_already_connected_keeps_its_repository(as_member, team_member, fake_github):
    blog = f"{fake_github.url}/me/blog.git"  # on the GitHub it signs in with
    BlogConnection.objects.create(user=team_member, remote_url=blog, credential_kind="none")
    location = as_member.post(reverse("github_blog_token"), {"scope": "repo"})["Location"]
    assert scopes(location) == {"user:email", "repo"}
    come_back(as_member, fake_github.consent(location))

    connection = BlogConnection.objects.get()
    assert connection.remote_url == blog
    assert connection.credential_kind == "token" and crypto.decrypt(connection.credential)


def test_a_token_without_write_access_is_not_stored(as_member, team_member, fake_github):
    fake_github.grant = "user:email"
    location = as_member.post(reverse("github_blog_token"), {"scope": "public_repo"})["Location"]

    back = come_back(as_member, fake_github.consent(location))

    assert back["Location"] == reverse("peer:blog")
    assert not BlogConnection.objects.exists()
    assert any("did not grant write access" in m for m in messages_of(back))


def test_a_denied_blog_token_returns_to_the_blog_page(as_member, fake_github):
    location = as_member.post(reverse("github_blog_token"), {"scope": "public_repo"})["Location"]
    back = come_back(as_member, fake_github.consent(location, approve=False))
    assert back["Location"] == reverse("peer:blog")
    assert not BlogConnection.objects.exists()


def test_another_members_github_gives_no_blog_token(as_member, fake_github):
    dance(Client(), fake_github)  # someone else signed up with this GitHub account
    location = as_member.post(reverse("github_blog_token"), {"scope": "public_repo"})["Location"]
    back = come_back(as_member, fake_github.consent(location))
    assert back["Location"] == reverse("peer:blog")
    assert not BlogConnection.objects.exists()
    assert any("another Studylog account" in m for m in messages_of(back))


@pytest.mark.parametrize("scope", ["", "admin:org", "delete_repo"])
def test_only_the_offered_scopes_can_be_asked_for(as_member, fake_github, scope):
    response = as_member.post(reverse("github_blog_token"), {"scope": scope})
    assert response["Location"] == reverse("peer:blog")
    assert ("GET", "/login/oauth/authorize") not in fake_github.calls


def test_the_blog_page_names_the_scopes_before_asking(as_member, fake_github):
    page = as_member.get(reverse("peer:blog")).content.decode()
    assert reverse("github_blog_token") in page
    assert "<code>public_repo</code>" in page and "<code>repo</code>" in page


def test_no_credentials_key_no_blog_token(as_member, fake_github, settings):
    settings.BLOG_CREDENTIALS_KEYS = []
    response = as_member.post(reverse("github_blog_token"), {"scope": "public_repo"})
    assert response["Location"] == reverse("peer:blog")
    assert ("GET", "/login/oauth/authorize") not in fake_github.calls


def test_forms_may_go_on_to_githubs_sign_in_page(client, fake_github, settings):
    """A form's redirect is held to form-action: without GitHub's origin, the browser
    would stop "Continue with GitHub" at our own redirect."""
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    assert f"form-action 'self' {fake_github.url}" in policy

    settings.SOCIALACCOUNT_PROVIDERS = {"github": {"APP": {"client_id": "", "secret": ""}}}
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    assert "form-action 'self';" in policy or policy.endswith("form-action 'self'")


# --- found in review ------------------------------------------------------------------------


def test_a_password_login_still_matches_the_username_exactly(client, team_member):
    """allauth's backend (case-insensitive usernames) is not among the login's backends:
    "ALPHA-MEMBER" is not alpha-member, and is no way around the lock-out's count."""
    from .factories import PASSWORD

    wrong_case = client.post(
        reverse("login"), {"username": team_member.username.upper(), "password": PASSWORD}
    )
    assert wrong_case.status_code == 200
    assert not logged_in_user(client).is_authenticated
    right = client.post(reverse("login"), {"username": team_member.username, "password": PASSWORD})
    assert right.status_code == 302


@pytest.mark.parametrize(
    "remote",
    [
        "https://gitlab.example.com/me/blog.git",  # the token would go to that host
        "git@github.com:me/blog.git",  # SSH takes a deploy key
        "http://github.com/me/blog.git",
    ],
)
def test_a_github_token_goes_only_to_a_blog_on_github(as_member, team_member, settings, remote):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "github": {"APP": {"client_id": "x", "secret": "y"}, "SCOPE": ["user:email"]}
    }
    BlogConnection.objects.create(user=team_member, remote_url=remote, credential_kind="none")

    response = as_member.post(reverse("github_blog_token"), {"scope": "public_repo"})

    assert response["Location"] == reverse("peer:blog")
    assert any("not an https:// address on GitHub" in m for m in messages_of(response))
    assert BlogConnection.objects.get().credential == ""


def test_a_blog_moved_off_github_meanwhile_gets_no_token(as_member, team_member, fake_github):
    location = as_member.post(reverse("github_blog_token"), {"scope": "public_repo"})["Location"]
    BlogConnection.objects.create(
        user=team_member, remote_url="https://gitlab.example.com/me/blog.git"
    )

    back = come_back(as_member, fake_github.consent(location))

    assert back["Location"] == reverse("peer:blog")
    assert BlogConnection.objects.get().credential == ""


def test_a_second_github_account_is_not_linked_beside_the_first(
    as_member, team_member, fake_github
):
    dance(as_member, fake_github, process="connect")
    fake_github.signed_in = FakeUser("other-me", 9090, "", [])

    response = dance(as_member, fake_github, process="connect")
    blog_start = as_member.post(reverse("github_blog_token"), {"scope": "public_repo"})
    blog = come_back(as_member, fake_github.consent(blog_start["Location"]))

    assert list(SocialAccount.objects.values_list("uid", flat=True)) == ["4401"]
    assert any("linked to another GitHub account" in m for m in messages_of(response))
    assert blog["Location"] == reverse("peer:blog")
    assert not BlogConnection.objects.exists()
    assert as_member.post(reverse("github_unlink"))["Location"] == reverse("peer:profile")


@pytest.mark.parametrize("body", [{}, [], {"login": "x"}])
def test_a_malformed_answer_from_github_is_a_message(client, fake_github, body):
    fake_github.user_body = body
    response = dance(client, fake_github)
    assert response["Location"] == reverse("login")
    assert not User.objects.exists()
    assert any("GitHub could not be reached" in m for m in messages_of(response))
