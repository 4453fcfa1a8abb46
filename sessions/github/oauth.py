"""The GitHub provider's OAuth adapter and the dance's two views.

allauth's own adapter reads GITHUB_URL once, when it is imported; this one reads it
each time it is used, so the same code serves github.com, a GitHub Enterprise server
and the tests' fake GitHub on 127.0.0.1. It also keeps the scopes GitHub granted,
which the blog's token is checked against.
"""

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount import app_settings
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.providers.github.views import GitHubOAuth2Adapter
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from django.http import Http404
from django.views.decorators.http import require_POST

from ..views.accounts import with_account_language
from . import PROVIDER, enabled


def _setting() -> str:
    return app_settings.PROVIDERS.get(PROVIDER, {}).get("GITHUB_URL", "").rstrip("/")


def web_url() -> str:
    """Where people sign in: GITHUB_URL, or github.com."""
    return _setting() or "https://github.com"


def api_url() -> str:
    base = _setting()
    return f"{base}/api/v3" if base else "https://api.github.com"


class GitHubAdapter(GitHubOAuth2Adapter):
    @property
    def authorize_url(self) -> str:
        return f"{web_url()}/login/oauth/authorize"

    @property
    def access_token_url(self) -> str:
        return f"{web_url()}/login/oauth/access_token"

    @property
    def profile_url(self) -> str:
        return f"{api_url()}/user"

    @property
    def emails_url(self) -> str:
        return f"{api_url()}/user/emails"

    def parse_token(self, data):
        token = super().parse_token(data)
        # GitHub answers with the scopes it granted, comma-separated.
        token.granted_scopes = {s.strip() for s in str(data.get("scope", "")).split(",") if s}
        return token


_login = OAuth2LoginView.adapter_view(GitHubAdapter)
_callback = OAuth2CallbackView.adapter_view(GitHubAdapter)


@require_POST
def login(request):
    """Off to GitHub (sign in, or link to the account logged in with process=connect)."""
    if not enabled():
        raise Http404
    return _login(request)


def callback(request):
    """Back from GitHub. Someone who just logged in gets their account's language, as a
    password login gives it (views.accounts.LoginView)."""
    if not enabled():
        raise Http404
    before = request.user.pk
    try:
        response = _callback(request)
    except (KeyError, TypeError, ValueError) as exc:  # an answer not shaped as GitHub's
        # As any other failed sign-in: the adapter's message and way back.
        try:
            get_adapter(request).on_authentication_error(request, None, exception=exc)
        except ImmediateHttpResponse as answer:
            return answer.response
        raise
    if request.user.is_authenticated and request.user.pk != before:
        return with_account_language(response, request.user)
    return response
