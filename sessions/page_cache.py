"""Rendered pages kept in the shared cache, per login session, until the team changes.

The pages a team opens all day (a day's record, a member's record, the archive) are
rendered once per login session and served from the cache after that. Each team has a
stamp in the cache, replaced whenever a change to the team commits (sessions/freshness.py);
each page is stored with the stamp it was rendered under, and served only while that
is still the team's stamp. Both come back in the round trip that reads the session
(studylog/session_store.py), so a hit costs no query and no round trip beyond the
login every page makes, and every app server sharing the cache sees a change the
moment it commits.

A page varies by who looks (private retrospectives, edit buttons, the name in the menu),
so it is kept per login session, which belongs to one user for its life (logging in
starts a new one); and by the language, the full path and the team's today (overdue
marks); and by the deploy's static files (the pages link to their hashed names). The
CSRF token is the one part that varies by request: pages are rendered with a placeholder
that each response fills in. Requests with messages to show are rendered afresh.

A day's record is also kept with where each item sits in it, so that an edit of one
item's text brings it up to date without a render (sessions/page_patch.py).

Only with a cache every app server shares (Redis; settings.PAGE_CACHE): a per-process
cache could not hear about changes made in another process. If the cache is down,
pages are rendered as if it were off.
"""

import dataclasses
import datetime
import functools
import hashlib
import logging
import threading
import uuid
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import DEFAULT_CACHE_ALIAS, cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language

from . import fragments, page_patch
from .page_patch import Patch, Slots
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
    content_type: str = "text/html; charset=utf-8"  # or a JSON answer's
    slots: Slots | None = None  # a record's items, for patches


def stamp_key(slug: str) -> str:
    return f"stamp:{slug}"


def stamp_in(found: dict, slug: str) -> str:
    """The team's stamp from a get_many that asked for its key; a team with none yet (new,
    or evicted) is given one, which nothing cached matches."""
    stamp = found.get(stamp_key(slug))
    if stamp is None:
        cache.add(stamp_key(slug), uuid.uuid4().hex, timeout=None)
        stamp = cache.get(stamp_key(slug))
    return stamp


def _changes_key(slug: str) -> str:
    return f"changes:{slug}"


@functools.cache
def _build() -> str:
    """The static files this process links to (the hash of collectstatic's manifest): a
    deploy with new scripts or styles gets new keys, so no cached page from before it
    loads files that are gone or no longer match the server."""
    return getattr(staticfiles_storage, "manifest_hash", "") or ""


def _page_key(request: HttpRequest, slug: str) -> str:
    viewer = f"{_build()}\n{request.session.session_key}\n{request.get_full_path()}"
    return f"page:{slug}:{get_language()}:{hashlib.sha256(viewer.encode()).hexdigest()[:40]}"


def enabled() -> bool:
    return settings.PAGE_CACHE


_moving = threading.Lock()  # for a cache without set_and_append: one process's memory


def retire(slugs: Iterable[str], patch: Patch | None = None) -> None:
    """Give these teams new stamps: every page cached for them is stale from now on,
    except the records `patch` brings up to date. Each stamp is appended to its team's
    list of changes (page_patch.py) in the same transaction as it is set."""
    if not enabled():
        return
    slugs = sorted(set(slugs))
    try:
        for slug in slugs:
            record = (uuid.uuid4().hex, patch)
            keys = (stamp_key(slug), record[0], _changes_key(slug), record)
            set_and_append = getattr(cache, "set_and_append", None)
            if set_and_append is not None:
                set_and_append(*keys, keep=page_patch.KEEP, timeout=TIMEOUT)
            else:
                with _moving:
                    changes = cache.get(_changes_key(slug)) or []
                    cache.set(_changes_key(slug), [*changes, record][-page_patch.KEEP :], TIMEOUT)
                    cache.set(stamp_key(slug), record[0], timeout=None)
    except Exception:  # the cache is down: nothing can be served from it either
        logger.exception("page cache: could not retire the pages of %s", slugs)


def _changes(slug: str) -> list:
    get_list = getattr(cache, "get_list", None)
    if get_list is not None:
        return get_list(_changes_key(slug))
    return cache.get(_changes_key(slug)) or []


def _caught_up(slug: str, entry: Entry, stamp: str) -> Entry | None:
    """`entry`, a record cached under an older stamp, patched to stand for `stamp`; None
    when it cannot be (page_patch.changes_since)."""
    if entry.slots is None:
        return None
    try:
        patches = page_patch.changes_since(
            _changes(slug), entry.stamp, stamp, entry.slots, entry.today
        )
        if patches is None:
            return None
        found = cache.get_many([patch.key for patch in patches.values()]) if patches else {}
    except Exception:
        logger.exception("page cache: could not read the changes of %s", slug)
        return None
    if any(patch.key not in found for patch in patches.values()):
        return None  # a fragment gone from the cache
    new = {slot: (patch.version, found[patch.key].encode()) for slot, patch in patches.items()}
    html, slots = page_patch.splice(entry.html, entry.slots, new)
    return dataclasses.replace(entry, stamp=stamp, html=html, slots=slots)


def _usable(request: HttpRequest) -> bool:
    """Whether a page could come from the cache, asked before the session is read."""
    return (
        enabled()
        and request.method == "GET"
        and not request.htmx
        and request.session.session_key is not None
    )


def _messages_waiting(request: HttpRequest) -> bool:
    storage = messages.get_messages(request)
    return bool(storage._loaded_messages or storage._queued_messages)


def _today(time_zone: str) -> datetime.date:
    # schedule.local_today, for a page whose team is not loaded (a hit loads nothing).
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(time_zone))


def _with_token(
    request: HttpRequest, html: bytes, content_type: str = Entry.content_type
) -> HttpResponse:
    body = html.replace(_PLACEHOLDER, get_token(request).encode())
    return HttpResponse(body, content_type=content_type)


def _ask_along(request: HttpRequest, keys: list[str]) -> bool:
    """Have `keys` read in the session's own round trip, if the session store can
    (studylog/session_store.py, over this same cache) and has not been read yet."""
    along = getattr(request.session, "fetch_along", None)
    return along is not None and settings.SESSION_CACHE_ALIAS == DEFAULT_CACHE_ALIAS and along(keys)


def cached(view):
    """Serve a team page (a view taking `team`, the slug) from the cache when it can.

    The view renders through `render` below; a 200 it returns is stored for the next
    request of the same session, language and path. Put it above @login_required: it
    names the page's keys before the login reads the session, then serves a hit only to
    a logged-in user; everything else goes to the view, whose @login_required answers.
    """

    @wraps(view)
    def wrapper(request, team, *args, **kwargs):
        if not _usable(request):
            return view(request, team, *args, **kwargs)
        keys = [stamp_key(team), _page_key(request, team)]
        asked = _ask_along(request, keys)
        if not request.user.is_authenticated or _messages_waiting(request):
            return view(request, team, *args, **kwargs)
        page_key = keys[1]
        try:
            brought = request.session.brought() if asked else None
            found = cache.get_many(keys) if brought is None else brought
            stamp = stamp_in(found, team)
        except Exception:
            logger.exception("page cache: unreachable, rendering")
            return view(request, team, *args, **kwargs)
        entry = found.get(page_key)
        if entry and entry.today == _today(entry.time_zone):
            if entry.stamp == stamp:
                return _with_token(request, entry.html, entry.content_type)
            entry = _caught_up(team, entry, stamp)
            if entry is not None:
                _store(page_key, entry)
                return _with_token(request, entry.html, entry.content_type)
        response = view(request, team, *args, **kwargs)
        page = getattr(response, "cacheable", None)
        if response.status_code == 200 and page is not None:
            _store(page_key, Entry(stamp, *page))
        return response

    return wrapper


def _store(page_key: str, entry: Entry) -> None:
    try:
        cache.set(page_key, entry, TIMEOUT)
    except Exception:
        logger.exception("page cache: could not store %s", page_key)


def render(
    request: HttpRequest, team, template: str, context: dict, *, day=None, refs=frozenset()
) -> HttpResponse:
    """`django.shortcuts.render` for a cached page: the HTML is kept (with a CSRF
    placeholder) on the response for `cached` to store. A day's record passes its `day`
    (fetched with Day.objects.for_record, its `items_html` in the context) and `refs`,
    the items it shows outside their slots: patches can then bring it up to date."""
    context = {**context, "csrf_token": CSRF_PLACEHOLDER}
    slots = None
    if day is not None and enabled():
        text, spans = page_patch.render(template, context, request, fragments.versions(day))
        slots = Slots(day.pk, tuple(spans), frozenset(refs))
    else:
        text = render_to_string(template, context, request)
    html = text.encode()
    response = _with_token(request, html)
    content_type = response["Content-Type"]
    response.cacheable = (team.timezone, local_today(team), html, content_type, slots)
    return response


def render_json(team, data: dict) -> HttpResponse:
    """A JSON answer of a cached view (the editor's state/, which every open editor
    polls): kept like a page, until the team changes."""
    response = JsonResponse(data)
    today = local_today(team)
    response.cacheable = (team.timezone, today, response.content, "application/json", None)
    return response
