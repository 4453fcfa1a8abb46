"""Every URL the project registers has an entry saying who may call it.

Team URLs (`/teams/<team>/…`) are covered, role by role, by tests/test_permissions.py,
and the HTTP API's (`/api/v1/…`, by token) by tests/test_api_permissions.py.
The rest are listed here with what an anonymous visitor and a logged-in member of
some team get; the admin site's URLs are checked through its index, since the admin
guards them all with the same staff check. A new URL without an entry fails here.
"""

import pytest
from django.urls import reverse

from .routes import routes

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"

# name -> (method, URL, anonymous gets, a logged-in member gets). "login" means a
# redirect to the login page.
OTHER_URLS = {
    "home": ("get", "/", 200, 200),
    "healthz": ("get", "/healthz", 200, 200),
    "ping": ("get", "/ping", "login", 200),
    "login": ("get", LOGIN, 200, 200),
    "logout": ("post", "/accounts/logout/", 302, 302),
    "password_change": ("get", "/accounts/password_change/", "login", 200),
    "password_change_done": ("get", "/accounts/password_change/done/", "login", 200),
    "password_reset": ("get", "/accounts/password_reset/", 200, 200),
    "password_reset_done": ("get", "/accounts/password_reset/done/", 200, 200),
    # A made-up token: Django shows its "invalid link" page, it never errs.
    "password_reset_confirm": ("get", "/accounts/reset/MQ/bad-token/", 200, 200),
    "password_reset_complete": ("get", "/accounts/reset/done/", 200, 200),
    "set_language": ("post", "/i18n/setlang/", 302, 302),
    "signup": ("get", "/accounts/signup/", 200, 302),
    "profile": ("get", "/accounts/profile/", "login", 200),
    "team_create": ("get", "/teams/new/", "login", 200),
    # A member's blog connection is their own (a member with none is told to connect).
    "blog": ("get", "/accounts/blog/", "login", 200),
    "blog_publish_all": ("post", "/accounts/blog/publish/", "login", 302),
    "blog_disconnect": ("post", "/accounts/blog/disconnect/", "login", 302),
    # GitHub: off (404) until an OAuth app is set; with one, tests/test_github_signin.py.
    "github_login": ("post", "/accounts/github/login/", 404, 404),
    "github_callback": ("get", "/accounts/github/login/callback/", 404, 404),
    "github_unlink": ("post", "/accounts/github/unlink/", "login", 404),
    "github_blog_token": ("post", "/accounts/github/blog-token/", "login", 404),
    # Each account's own API tokens (tests/test_tokens.py: only one's own).
    "api_tokens": ("get", "/accounts/tokens/", "login", 200),
    "api_token_revoke": ("post", "/accounts/tokens/1/revoke/", "login", 404),
    # The API's schema and docs are public: they describe it and hold no data.
    "openapi-json": ("get", "/api/v1/openapi.json", 200, 200),
    "openapi-view": ("get", "/api/v1/docs", 200, 200),
    "api-not-found": ("get", "/api/v1/nothing/here", 404, 404),
    "invitation_accept": ("get", "/invite/no-such-token/", 404, 404),
    "join": ("get", "/join/no-such-token/", 404, 404),
    "calendar_feed": ("get", "/calendar/no-such-token.ics", 404, 404),
}


def test_every_url_has_an_entry():
    missing = []
    for route, name in routes():
        if route.startswith("admin/") or "<slug:team>" in route:
            continue  # the admin site below; team URLs in test_permissions.py
        if route.startswith("api/v1/") and name not in (
            "openapi-json",
            "openapi-view",
            "api-not-found",
        ):
            continue  # the API's endpoints: test_api_permissions.py
        if name not in OTHER_URLS:
            missing.append(f"{route} ({name})")
    assert not missing, f"URLs with no entry: {missing}"


@pytest.mark.parametrize("name", list(OTHER_URLS))
def test_anonymous_and_member(name, anon, as_member):
    method, url, anonymous, member = OTHER_URLS[name]
    for client, expected in ((anon, anonymous), (as_member, member)):
        response = getattr(client, method)(url)
        if expected == "login":
            assert response.status_code == 302
            assert response["Location"].startswith(LOGIN)
        else:
            assert response.status_code == expected, (name, client)


def test_the_admin_site_is_for_staff_only(anon, as_admin):
    """Team admins are not site staff: the admin sends both to its own login."""
    index = reverse("admin:index")
    for client in (anon, as_admin):
        response = client.get(index)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    admin = [route for route, _name in routes() if route.startswith("admin/")]
    assert len(admin) > 50  # the site is mounted
