"""A cached page's CSRF token (sessions/csrf_mask.py): what get_token gives, drawn from
one read of the OS's random source. CsrfViewMiddleware accepting it in a POST is
tests/test_page_cache.py's test_a_cached_page_carries_the_viewers_own_csrf_token."""

from django.http import HttpRequest
from django.middleware.csrf import (
    CSRF_ALLOWED_CHARS,
    _get_new_csrf_string,
    _unmask_cipher_token,
)

from sessions.csrf_mask import masked_token


def browser_request() -> HttpRequest:
    """A request whose CSRF cookie held a secret (CsrfViewMiddleware put it in META)."""
    request = HttpRequest()
    request.META["CSRF_COOKIE"] = _get_new_csrf_string()
    return request


def test_each_token_unmasks_to_the_browsers_secret():
    request = browser_request()
    tokens = [masked_token(request) for _ in range(50)]
    assert len(set(tokens)) == 50  # a new mask every time
    for token in tokens:
        assert len(token) == 64 and set(token) <= set(CSRF_ALLOWED_CHARS)
        assert _unmask_cipher_token(token) == request.META["CSRF_COOKIE"]


def test_the_cookie_is_sent_again_as_with_get_token():
    request = browser_request()
    masked_token(request)
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True


def test_a_browser_without_a_secret_gets_a_new_one():
    request = HttpRequest()
    token = masked_token(request)
    assert len(request.META["CSRF_COOKIE"]) == 32
    assert _unmask_cipher_token(token) == request.META["CSRF_COOKIE"]


def test_masks_draw_on_every_character():
    request = browser_request()
    seen = set()
    for _ in range(200):
        seen |= set(masked_token(request)[:32])
    assert seen == set(CSRF_ALLOWED_CHARS)
