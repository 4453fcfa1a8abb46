"""Sign in with GitHub: django-allauth's GitHub provider beside the local accounts.

- oauth.py: the provider's adapter, reading the server's address (GITHUB_URL) when
  used, and the two views of the OAuth dance (start, callback);
- adapters.py: what allauth does differently here (no account taken over by its
  e-mail, the name as the app keeps it, errors as messages on our own pages);
- views.py: unlinking, and asking GitHub for a token for the member's blog;
- blog.py: keeping that token as the blog connection's credential.

Everything is off (no button, 404 on its URLs) until an OAuth app's client id is set.
"""

from django.conf import settings

PROVIDER = "github"


def enabled() -> bool:
    """Whether this server has a GitHub OAuth app to sign in with."""
    app = settings.SOCIALACCOUNT_PROVIDERS.get(PROVIDER, {}).get("APP", {})
    return bool(app.get("client_id") and app.get("secret"))


def context(request) -> dict:
    """Templates' `github_sign_in`: whether to offer GitHub on the account pages."""
    return {"github_sign_in": enabled()}
