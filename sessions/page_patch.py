"""A cached record brought up to date by replacing only the items that changed.

During a live session a day's items are edited every second, and every edit gives the
team a new stamp (sessions/page_cache.py), so a day's record would be rendered afresh on
almost every view. But an edit of an item's own text changes nothing on the record
except that item's fragment (sessions/fragments.py). Such an edit moves the stamp with
a patch: the item, its new version and the cache key of its fragment, rendered once
when the edit commits (sessions/freshness.py). A record cached under an older stamp
remembers where each item's fragment sits in its HTML (its slots), and is brought up to
date by splicing in the new fragments, with no query and no template.

Every stamp a team gets is appended, with its patch or with none, to the team's list of
changes in the same transaction (studylog/redis_cache.py), so all servers see the stamps
in one order. A cached record is patched only when every change between its stamp and
the current one is a patch it can apply: one of its own items, with the same today;
an item of another day that it does not show is no change to it. Anything else (a
change without a patch, a stamp older than the list, an item it shows outside its slot,
a fragment gone from the cache) renders the page afresh, as without patches.
"""

import datetime
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

KEEP = 64  # changes kept per team; a page older than that is rendered afresh


@dataclass(frozen=True)
class Patch:
    """An edit that changed only one item's fragment: its slot ("question:12"), new
    version and the fragment's cache key, for the records of its day."""

    day: int
    slot: str
    version: int
    key: str
    today: datetime.date


@dataclass(frozen=True)
class Slots:
    """Where a cached record shows which item: spans of its UTF-8 HTML, in order, as
    (slot, version, start, end); `refs`, the items it also shows outside any slot (the
    follow-ups it carries over from earlier days)."""

    day: int
    spans: tuple[tuple[str, int, int, int], ...] = ()
    refs: frozenset[str] = field(default_factory=frozenset)


def render(template: str, context: dict, request, versions: dict[str, int]) -> tuple[str, list]:
    """Render a page whose `items_html` are fragments by slot, noting where each lands:
    the HTML and its spans (slot, version, start, end) in UTF-8 bytes.

    Each slot is marked with a word nobody can type: this render's own secret, between
    two private-use characters (which user text may hold, and the sanitizer keeps)."""
    fragments = context["items_html"]
    secret = secrets.token_hex(8)
    marks = {slot: mark_safe(f"\ue000{secret}{slot}\ue001") for slot in fragments}  # noqa: S308
    html = render_to_string(template, {**context, "items_html": marks}, request)
    mark = re.compile(f"\ue000{secret}([^\ue001]*)\ue001")
    parts, spans, at = [], [], 0
    for n, piece in enumerate(mark.split(html)):
        if n % 2:  # a slot's name
            text = fragments[piece]
            size = len(text.encode())
            spans.append((piece, versions[piece], at, at + size))
        else:
            text = piece
            size = len(piece.encode())
        parts.append(text)
        at += size
    return "".join(parts), spans


def changes_since(
    records: Sequence[tuple[str, Patch | None]],
    since: str,
    until: str,
    slots: Slots,
    today: datetime.date,
) -> dict[str, Patch] | None:
    """The patches a page cached under stamp `since` needs to stand for stamp `until`, by
    slot (the newest version of each); None when it cannot be patched."""
    stamps = [stamp for stamp, _patch in records]
    try:
        start, end = stamps.index(since), stamps.index(until)
    except ValueError:  # older than the list, or a stamp made without one
        return None
    if end <= start:
        return None
    versions = {slot: version for slot, version, _start, _end in slots.spans}
    newest: dict[str, Patch] = {}
    for _stamp, patch in records[start + 1 : end + 1]:
        if patch is None or patch.today != today or patch.slot in slots.refs:
            return None
        if patch.day != slots.day:
            continue  # another day's item, not shown here
        if patch.slot not in versions:
            return None  # an item this page does not know: render it afresh
        seen = newest[patch.slot].version if patch.slot in newest else versions[patch.slot]
        if patch.version > seen:
            newest[patch.slot] = patch
    return newest


def splice(html: bytes, slots: Slots, fragments: dict[str, tuple[int, bytes]]) -> tuple:
    """`html` with the fragments of `fragments` (slot → (version, UTF-8 HTML)) in their
    slots: the new HTML and its Slots."""
    parts: list[bytes] = []
    spans = []
    at = done = 0
    for slot, version, start, end in slots.spans:
        parts.append(html[done:start])
        at += start - done
        if slot in fragments:
            version, piece = fragments[slot]
        else:
            piece = html[start:end]
        parts.append(piece)
        spans.append((slot, version, at, at + len(piece)))
        at += len(piece)
        done = end
    parts.append(html[done:])
    return b"".join(parts), Slots(slots.day, tuple(spans), slots.refs)


def refs_of(followups: Iterable) -> frozenset[str]:
    """The slots of the follow-ups a record carries over (sessions/followups.FollowUp)."""
    return frozenset(f"{each.kind}:{each.pk}" for each in followups)
