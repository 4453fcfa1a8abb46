"""Who calls the API: a personal access token (models.ApiToken) in the Authorization
header, `Bearer slg_…`. The token's account is the request's user, so the API reaches
teams through the web's own access helper (sessions/access.py), with its roles; the token
narrows that further: a read-only token writes nothing (403), and a token for one team
sees no other (404, as for someone outside them)."""

import datetime
import logging
import re
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer
from ninja.throttling import BaseThrottle

from .. import access
from ..models import ApiToken, Day, Membership, Team
from ..models.tokens import digest

logger = logging.getLogger(__name__)

# The last-used time is written at most this often per token: not a write per request.
LAST_USED_EVERY = datetime.timedelta(minutes=1)


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        if not token.isascii() or len(token) > 100:
            return None
        found = (
            ApiToken.objects.live()
            .select_related("user", "team")
            .filter(digest=digest(token), user__is_active=True)
            .first()
        )
        if found is None:
            return None
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at >= LAST_USED_EVERY:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        return found


PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """ "120/min" → (120 requests, 60 seconds); the period by its first letter, as ninja
    reads rates ("100/minute", "5000/day")."""
    count, _slash, period = rate.partition("/")
    return int(count), PERIODS[period.strip()[:1].lower()]


class TokenRateThrottle(BaseThrottle):
    """At most settings.API_RATE requests per token in each window of that length,
    counted in the shared cache with an atomic increment (so every app server counts
    together); past it, 429 with Retry-After: the seconds until the window ends.

    ninja's own throttles keep each request's state on the one throttle object that
    all requests share, which threads serving requests at once would mix up; this one
    keeps it in the thread."""

    def __init__(self):
        self._state = threading.local()

    def allow_request(self, request: HttpRequest) -> bool:
        token = getattr(request, "auth", None)
        if token is None:
            return True
        count, seconds = parse_rate(settings.API_RATE)
        now = time.time()
        window = int(now // seconds)
        key = f"api-rate:{token.pk}:{window}"
        try:
            cache.add(key, 0, timeout=seconds + 1)
            try:
                used = cache.incr(key)
            except ValueError:  # evicted between the two calls
                cache.set(key, 1, timeout=seconds + 1)
                used = 1
        except Exception:  # the cache is down: not counted, as the pages carry on without it
            logger.warning("API rate limit: the cache is unreachable", exc_info=True)
            return True
        self._state.wait = (window + 1) * seconds - now
        return used <= count

    def wait(self) -> float | None:
        return getattr(self._state, "wait", None)


class ReadOnlyToken(PermissionDenied):
    """A write with a token that may only read."""


SLUG = re.compile(r"[-a-zA-Z0-9_]{1,50}")


def check_token(request: HttpRequest, slug: str) -> None:
    """What the token itself allows, before the account's membership is asked: a token
    for one team sees no other. (A team address is a slug: anything else names no team.)"""
    token: ApiToken = request.auth
    if not SLUG.fullmatch(slug):
        raise Http404("No such team")
    if token.team_id is not None and token.team.slug != slug:
        raise Http404("No such team")


def _may_write(request: HttpRequest, membership: Membership) -> None:
    """After the membership was found (so an outsider gets 404 first, as on the pages):
    the token, then the role."""
    if not request.auth.can_write:
        raise ReadOnlyToken
    if not membership.can_write:
        raise PermissionDenied


def team_for(request: HttpRequest, slug: str, *, write: bool = False) -> tuple[Team, Membership]:
    check_token(request, slug)
    team, membership = access.get_team_for(request, slug)
    if write:
        _may_write(request, membership)
    return team, membership


def day_for(
    request: HttpRequest, slug: str, date: datetime.date, *, write: bool = False, queryset=None
) -> tuple[Team, Membership, Day]:
    check_token(request, slug)
    team, membership, day = access.get_day_for(request, slug, date, queryset=queryset)
    if write:
        _may_write(request, membership)
    return team, membership, day
