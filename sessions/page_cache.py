"""Rendered pages kept in the shared cache, per viewer, until anything in the team changes.

The pages a team opens all day (a day's record, a member's record, the archive) are
rendered once per viewer and served from the cache after that. Each team has a stamp
in the cache, replaced whenever a change to the team commits (sessions/freshness.py);
each page is stored with the stamp it was rendered under, and served only while that
is still the team's stamp. One round trip fetches both, so a hit costs no query
beyond the login every page makes, and every app server sharing the cache sees a
change the moment it commits.

A page varies by who looks (private retrospectives, edit buttons, the name in the
menu), the language, the full path and the team's today (overdue marks). The CSRF
token is the one part that varies by request: pages are rendered with a placeholder
that each response fills in. Requests with messages to show are rendered afresh.

Only with a cache every app server shares (Redis; settings.PAGE_CACHE): a per-process
cache could not hear about changes made in another process. If the cache is down,
pages are rendered as if it were off.
"""

import datetime
import hashlib
import logging
import uuid
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language

from .schedule import local_today

logger = logging.getLogger(__name__)

CSRF_PLACEHOLDER = "studylog-csrf-token-placeholder"
_PLACEHOLDER = CSRF_PLACEHOLDER.encode()
TIMEOUT = 60 * 60 * 24


@dataclass(frozen=True)
class Entry:
    stamp: str
    time_zone: str
    today: datetime.date
    html: bytes  # UTF-8, as sent: a hit neither decodes nor encodes it


def _stamp_key(slug: str) -> str:
    return f"stamp:{slug}"


def _page_key(request: HttpRequest, slug: str) -> str:
    path = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
    return f"page:{slug}:{request.user.pk}:{get_language()}:{path}"


def enabled() -> bool:
    return settings.PAGE_CACHE


def retire(slugs: Iterable[str]) -> None:
    """Give these teams new stamps: every page cached for them is stale from now on."""
    if not enabled():
        return
    try:
        cache.set_many({_stamp_key(slug): uuid.uuid4().hex for slug in slugs}, timeout=None)
    except Exception:  # the cache is down: nothing can be served from it either
        logger.exception("page cache: could not retire the pages of %s", sorted(slugs))


def _usable(request: HttpRequest) -> bool:
    if not enabled() or request.method != "GET" or request.htmx:
        return False
    storage = messages.get_messages(request)
    return not (storage._loaded_messages or storage._queued_messages)


def _today(time_zone: str) -> datetime.date:
    # schedule.local_today, for a page whose team is not loaded (a hit loads nothing).
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(time_zone))


def _with_token(request: HttpRequest, html: bytes) -> HttpResponse:
    return HttpResponse(html.replace(_PLACEHOLDER, get_token(request).encode()))


def cached(view):
    """Serve a team page (a view taking `team`, the slug) from the cache when it can.

    The view renders through `render` below; a 200 it returns is stored for the next
    request of the same viewer, language and path. Put it under @login_required.
    """

    @wraps(view)
    def wrapper(request, team, *args, **kwargs):
        if not _usable(request):
            return view(request, team, *args, **kwargs)
        stamp_key, page_key = _stamp_key(team), _page_key(request, team)
        try:
            found = cache.get_many([stamp_key, page_key])
            stamp = found.get(stamp_key)
            if stamp is None:  # new, or evicted: start afresh (nothing matches it)
                cache.add(stamp_key, uuid.uuid4().hex, timeout=None)
                stamp = cache.get(stamp_key)
        except Exception:
            logger.exception("page cache: unreachable, rendering")
            return view(request, team, *args, **kwargs)
        entry = found.get(page_key)
        if entry and entry.stamp == stamp and entry.today == _today(entry.time_zone):
            return _with_token(request, entry.html)
        response = view(request, team, *args, **kwargs)
        page = getattr(response, "cacheable", None)
        if response.status_code == 200 and page is not None:
            html, time_zone, today = page
            try:
                cache.set(page_key, Entry(stamp, time_zone, today, html), TIMEOUT)
            except Exception:
                logger.exception("page cache: could not store %s", page_key)
        return response

    return wrapper


def render(request: HttpRequest, team, template: str, context: dict) -> HttpResponse:
    """`django.shortcuts.render` for a cached page: the HTML is kept (with a CSRF
    placeholder) on the response for `cached` to store."""
    context = {**context, "csrf_token": CSRF_PLACEHOLDER}
    html = render_to_string(template, context, request).encode()
    response = _with_token(request, html)
    response.cacheable = (html, team.timezone, local_today(team))
    return response
