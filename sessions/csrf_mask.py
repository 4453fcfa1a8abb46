"""A page's CSRF token: what django.middleware.csrf.get_token gives, drawn faster.

get_token masks the browser's CSRF secret with a fresh random mask on every call, so
that no two responses carry the same token (the defence against BREACH-style attacks
on compressed pages). It draws the mask one character at a time from SystemRandom:
32 reads of the OS's random source, about 40 µs, which every page served from the
cache (sessions/page_cache.py) paid on top of the cache's own round trip. This draws
the whole mask from one read and ciphers the secret with it the same way, so Django's
CsrfViewMiddleware unmasks and checks it as its own; the rest is get_token's.
"""

import os

from django.http import HttpRequest
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH, get_token

_CHARS = len(CSRF_ALLOWED_CHARS)  # 62
_EVEN = 256 - 256 % _CHARS  # bytes below this fall evenly on the characters


def _mask() -> list[int]:
    picks: list[int] = []
    while len(picks) < CSRF_SECRET_LENGTH:  # one read nearly always: 3% of bytes are dropped
        picks += [b % _CHARS for b in os.urandom(2 * CSRF_SECRET_LENGTH) if b < _EVEN]
    return picks[:CSRF_SECRET_LENGTH]


def masked_token(request: HttpRequest) -> str:
    """The token to put in the page's forms, as get_token(request) would give it."""
    secret = request.META.get("CSRF_COOKIE")
    if secret is None:  # no secret yet: Django makes one, and the cookie that carries it
        return get_token(request)
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True  # as get_token: send the cookie again
    mask = _mask()
    place = CSRF_ALLOWED_CHARS.index
    return "".join(CSRF_ALLOWED_CHARS[m] for m in mask) + "".join(
        CSRF_ALLOWED_CHARS[(place(c) + m) % _CHARS] for c, m in zip(secret, mask, strict=True)
    )
