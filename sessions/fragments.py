"""A day's items rendered one by one, each kept in the shared cache by its version.

During a live session the day changes every second or so, and every change retires
the team's cached pages (sessions/page_cache.py), so the record is rendered afresh on
almost every view. Most of that work is the items: their templates and their markdown.
Here each item's HTML is kept under a key naming everything it shows: the row and its
version (and when it was last saved, for writes that bypass the services), the people
it names, the language, the team's time zone and its today (the overdue mark, and
whether a date shows its year). One `get_many` brings every item of the page back; only the items
that changed since are rendered, and stored in one `set_many`. An item shows nothing
that depends on who looks, so one copy serves the whole team.

A deploy that changes an item's template or the markdown renderer changes every key.
"""

import datetime
import functools
import hashlib

from django.core.cache import cache
from django.template.loader import get_template
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from .kinds import KINDS, Kind
from .markdown import RENDERER_VERSION
from .schedule import local_today

TIMEOUT = 60 * 60 * 24 * 7


@functools.cache
def _templates_digest() -> str:
    """The item templates as this process has them: a changed template, a new key."""
    sources = [get_template(kind.template).template.source for kind in KINDS.values()]
    sources.append(get_template("peer/followups/_resolution.html").template.source)
    return hashlib.sha256("\0".join(sources).encode()).hexdigest()[:12]


def _people(kind: Kind, item) -> list[str]:
    """The names the item shows, read from what `Kind.prefetch` brought along."""
    names = []
    for name in kind.prefetch:
        value = getattr(item, name)
        if hasattr(value, "all"):  # many-to-many: the presenters
            names += [str(each) for each in value.all()]
        else:
            names.append("" if value is None else str(value))
    return names


def _key(kind: Kind, item, team, language: str, today: str) -> str:
    parts = [
        kind.slug,
        str(item.pk),
        str(item.version),
        item.updated_at.isoformat() if item.updated_at else "",
        language,
        team.timezone,
        today,
        *_people(kind, item),
    ]
    digest = hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return f"item:{RENDERER_VERSION}:{_templates_digest()}:{digest[:32]}"


def render_items(day, team) -> dict[str, SafeString]:
    """The HTML of each item of `day` (fetched with Day.objects.for_record), by
    "slug:pk", rendered in the team's record language."""
    language = team.language
    today = local_today(team).isoformat()
    wanted = {}  # key → (kind, item)
    for kind in KINDS.values():
        for item in getattr(day, kind.related).all():
            wanted[_key(kind, item, team, language, today)] = (kind, item)
    found = cache.get_many(list(wanted)) if wanted else {}
    rendered = {}
    with translation.override(language):
        for key, (kind, item) in wanted.items():
            if key not in found:
                rendered[key] = _render(kind, item, team)
    if rendered:
        cache.set_many(rendered, TIMEOUT)
    return {
        f"{kind.slug}:{item.pk}": mark_safe(found.get(key) or rendered[key])  # noqa: S308
        for key, (kind, item) in wanted.items()
    }


def versions(day) -> dict[str, int]:
    """Each item's version, by "slug:pk", of a day fetched as for render_items."""
    return {
        f"{kind.slug}:{item.pk}": item.version
        for kind in KINDS.values()
        for item in getattr(day, kind.related).all()
    }


def store(kind: Kind, item, team) -> tuple[str, datetime.date]:
    """Render one item (its `kind.prefetch` loaded) and keep it: its key and the today
    it was rendered for (sessions/page_patch.py)."""
    today = local_today(team)
    key = _key(kind, item, team, team.language, today.isoformat())
    with translation.override(team.language):
        cache.set(key, _render(kind, item, team), TIMEOUT)
    return key, today


def _render(kind: Kind, item, team) -> str:
    return get_template(kind.template).render({"item": item, "team": team})
