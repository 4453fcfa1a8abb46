"""Keeping the search documents (models.SearchDoc) in step with the days they copy.

A day's searchable parts are its title and tags, each kind of item (kinds.SEARCHED), its
team-visible logs (each member's 학습 내용 notes and retrospective: one part,
"retrospective") and its comments (those neither deleted nor hidden: one part,
"comment"). A save or delete names the part it changed, with `changed(day_id, part)`:
the models' own save() and delete() do it (models/base.py, day.py, logs.py), and so does
any writer that changes rows without them (an UPDATE, a bulk_create). Only the documents
of that part, the day's whole-day document and, for follow-ups, its open follow-ups are
rewritten, and only where their text changed; the other parts' texts are read back from
their documents, not rebuilt from their rows.

Inside `deferred()` (every service that saves several rows opens one) the parts are
collected and each day is rebuilt once, at the end of the block, inside the caller's
transaction: a search never sees half an edit, and a transaction rebuilds a day once.

Every day has its whole-day document, even with no text: a filter alone lists the
days it selects through them.

What goes in: case-folded text, and the verb and adjective stems of its Korean words
(korean.py), which search looks up for a word typed with another ending. A private
log's notes and retrospective go only into its member's own copy of the day's
whole-day and retrospective documents.
"""

import contextlib
import contextvars
from collections import defaultdict
from collections.abc import Iterable, Iterator

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from . import freshness, korean
from .closing import lock_day
from .kinds import FOLLOWED_UP, SEARCHED
from .models import Comment, Day, MemberLog, SearchDoc, Team
from .models.base import Resolvable

Scope = SearchDoc.Scope

# The text each kind contributes, by field, in search's order.
FIELDS = {scope: (kind.model, kind.searched) for scope, kind in SEARCHED.items()}
TITLE_FIELDS = ("title", "tags")
# What a member's log adds to the retrospective part, in order.
LOG_FIELDS = ("study_notes", "retrospective")
# What a comment adds to the comment part.
COMMENT_FIELDS = ("body",)
# Every part of a day, in the order the whole-day document joins them.
PARTS = (Scope.TITLE, *FIELDS, Scope.RETROSPECTIVE, Scope.COMMENT)
_RESOLUTION = {field.name for field in Resolvable._meta.get_fields()}
# What opens and closes a follow-up, of the fields each follow-up kind has.
_OPENS = {
    slug: tuple(
        f.name
        for f in kind.model._meta.get_fields()
        if f.name in ("needs_follow_up", "resolved_at")
    )
    for slug, kind in FOLLOWED_UP.items()
}
# What a follow-up kind's row adds to the open follow-ups document: its text, not how it
# was resolved (an open one has not been).
_FOLLOW_UP_FIELDS = {
    slug: tuple(f for f in kind.searched if f not in _RESOLUTION)
    for slug, kind in FOLLOWED_UP.items()
}
# Fields whose change changes a part: its searched fields, and for follow-ups what
# opens and closes them.
_WATCHED = {
    Scope.TITLE: {*TITLE_FIELDS, "date"},  # documents carry the date search sorts by
    Scope.RETROSPECTIVE: {*LOG_FIELDS, "visibility"},
    Scope.COMMENT: {*COMMENT_FIELDS, "hidden", "deleted_at"},
    **{slug: {*kind.searched, *_OPENS.get(slug, ())} for slug, kind in SEARCHED.items()},
}

_pending: contextvars.ContextVar[dict[int, set[str]] | None] = contextvars.ContextVar(
    "search_index_pending", default=None
)


def fold(text: str) -> str:
    """The form documents and search words are compared in: lower case."""
    return text.lower()


def grams(text: str, key: str = "", stems: Iterable[str] = ()) -> str:
    """Every two-character piece of each word of `text`, and each word's last character,
    as a PostgreSQL tsvector literal (each lexeme quoted). It is what the full-text
    index holds, so that any word is found through its pieces (see search/queries.py).
    With them, the text's `stems` (korean.py), each as one lexeme: `stem_lexeme`.

    Each piece starts with `key` (the team and scope, see `piece_key`), so the index
    keeps one team's pieces of one scope apart from everyone else's: a lookup reads
    only the postings it can use, however many teams share the table.
    """
    found: set[str] = set()
    for word in text.split():
        found.update(word[i : i + 2] for i in range(len(word) - 1))
        found.add(word[-1])
    lexemes = [key + piece for piece in sorted(found)]
    lexemes += [stem_lexeme(key, stem) for stem in sorted(stems)]
    return " ".join(_quoted(lexeme) for lexeme in lexemes)


def stem_lexeme(key: str, stem: str) -> str:
    """A stem's lexeme: after the key, a space, which no piece holds (pieces are cut from
    words), so a stem never meets a piece of the same letters."""
    return f"{key} {stem}"


SCOPE_KEYS = {
    Scope.ALL: "a",
    Scope.TITLE: "t",
    Scope.RETROSPECTIVE: "p",
    Scope.FOLLOW_UP: "f",
    Scope.COMMENT: "m",
    **{slug: kind.search_key for slug, kind in SEARCHED.items()},
}
if len(set(SCOPE_KEYS.values())) != len(SCOPE_KEYS):
    raise ImproperlyConfigured("Two search scopes share a key: see kinds.py, search_key.")


def piece_key(team_id: int, scope: str) -> str:
    """What a document's pieces start with: e.g. "12a." for team 12's whole days."""
    return f"{team_id}{SCOPE_KEYS[scope]}."


def _quoted(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def _join(parts: Iterable[str]) -> str:
    return "\n".join(part for part in parts if part and part.strip())


# What each part's text is ---------------------------------------------------------------


def _title_text(day: Day) -> str:
    return fold(_join(getattr(day, f) for f in TITLE_FIELDS))


def _kind_text(scope: str, rows: list) -> str:
    fields = FIELDS[scope][1]
    return fold(_join(getattr(row, f) for row in rows for f in fields))


def _follow_up_text(rows: dict[str, list]) -> str:
    return fold(
        _join(
            _join(getattr(row, f) for f in _FOLLOW_UP_FIELDS[slug])
            for slug in FOLLOWED_UP
            for row in rows[slug]
            if row.is_open_follow_up
        )
    )


def _log_text(log: MemberLog) -> str:
    return _join(getattr(log, f) for f in LOG_FIELDS)


def _retrospective_text(logs: list[MemberLog]) -> str:
    return fold(_join(_log_text(log) for log in logs if log.is_public))


def _comment_text(comments: list[Comment]) -> str:
    return fold(_join(c.body for c in comments if not c.hidden and c.deleted_at is None))


def _whole_day(texts: dict[str, str]) -> str:
    return _join(texts.get(part, "") for part in PARTS)


def _private(logs: list[MemberLog]) -> list[MemberLog]:
    return [log for log in logs if not log.is_public and _log_text(log).strip()]


def _owner_texts(texts: dict[str, str], logs: list[MemberLog]) -> dict[tuple[str, int], str]:
    """Each private log's member's own copy of the day's whole-day and retrospective
    documents, by (scope, member)."""
    return {
        (scope, log.member_id): _join([texts.get(scope, ""), fold(_log_text(log))])
        for log in _private(logs)
        for scope in (Scope.ALL, Scope.RETROSPECTIVE)
    }


def _doc(team_id: int, day_id: int, date, scope: str, text: str, owner_id=None, *, with_grams):
    stems = korean.stems(text)
    return SearchDoc(
        day_id=day_id,
        team_id=team_id,
        date=date,
        scope=scope,
        owner_id=owner_id,
        text=text,
        stems=korean.stem_field(stems),
        grams=grams(text, piece_key(team_id, scope), stems) if with_grams else "",
    )


def _with_grams() -> bool:
    return transaction.get_connection(SearchDoc.objects.db).vendor == "postgresql"


def _rows(scopes: Iterable[str], day_ids: list[int]) -> dict[int, dict[str, list]]:
    """The searched rows of these kinds on these days, in order, by day and kind."""
    rows: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for scope in scopes:
        model, fields = FIELDS[scope]
        found = model.objects.filter(day_id__in=day_ids).only(
            "day_id", *fields, *_OPENS.get(scope, ())
        )
        for row in found.order_by("day_id", "position", "pk"):
            rows[row.day_id][scope].append(row)
    return rows


def _logs(day_ids: list[int]) -> dict[int, list[MemberLog]]:
    logs: dict[int, list[MemberLog]] = defaultdict(list)
    found = MemberLog.objects.filter(day_id__in=day_ids).only(
        "day_id", "member_id", *LOG_FIELDS, "visibility"
    )
    for log in found:
        logs[log.day_id].append(log)
    return logs


def _comments(day_ids: list[int]) -> dict[int, list[Comment]]:
    comments: dict[int, list[Comment]] = defaultdict(list)
    found = Comment.objects.filter(day_id__in=day_ids).only(
        "day_id", *COMMENT_FIELDS, "hidden", "deleted_at"
    )
    for comment in found.order_by("day_id", "created_at", "pk"):
        comments[comment.day_id].append(comment)
    return comments


# Rebuilding -----------------------------------------------------------------------------


def reindex_days(day_ids: Iterable[int]) -> None:
    """Rebuild every document of these days from their rows: a fixed number of queries
    per batch of 200 days. For bulk writers (imports, backups) and repairs. Their teams'
    stamps move on too (freshness.py): whatever changed a day's search text changed its
    pages."""
    ids = sorted(set(day_ids))
    if not ids:
        return
    freshness.touch_days(ids)
    with_grams = _with_grams()
    for start in range(0, len(ids), 200):
        batch = ids[start : start + 200]
        with transaction.atomic(using=SearchDoc.objects.db):
            _reindex_batch(batch, with_grams)


def _reindex_batch(batch: list[int], with_grams: bool) -> None:
    # The days locked first, in order, as a part's rebuild locks its day (closing.lock_day).
    days = list(
        Day.objects.select_for_update(no_key=True)
        .filter(pk__in=batch)
        .order_by("pk")
        .only("pk", "team_id", "date", *TITLE_FIELDS)
    )
    rows = _rows(FIELDS, batch)
    logs = _logs(batch)
    comments = _comments(batch)
    docs = []
    for day in days:
        texts = {Scope.TITLE: _title_text(day)}
        texts |= {scope: _kind_text(scope, rows[day.pk][scope]) for scope in FIELDS}
        texts[Scope.RETROSPECTIVE] = _retrospective_text(logs[day.pk])
        texts[Scope.FOLLOW_UP] = _follow_up_text(rows[day.pk])
        texts[Scope.COMMENT] = _comment_text(comments[day.pk])
        texts[Scope.ALL] = _whole_day(texts)
        owned = _owner_texts(texts, logs[day.pk])
        docs += [
            _doc(day.team_id, day.pk, day.date, scope, text, with_grams=with_grams)
            for scope, text in texts.items()
            if text or scope == Scope.ALL
        ]
        docs += [
            _doc(day.team_id, day.pk, day.date, scope, text, owner, with_grams=with_grams)
            for (scope, owner), text in owned.items()
        ]
    SearchDoc.objects.filter(day_id__in=batch).delete()
    SearchDoc.objects.bulk_create(docs)


def reindex_team(team: Team) -> int:
    """Rebuild every document of the team's days (manage.py reindex_search): how many."""
    days = list(Day.objects.filter(team=team).values_list("pk", flat=True))
    reindex_days(days)
    return len(days)


def _rebuild_parts(day_id: int, parts: set[str]) -> None:
    """Rewrite the documents of one day that these parts feed, where their text changed.

    Reads the changed kinds' rows and the day's current documents (whose texts stand in
    for the parts that did not change), and the logs only where a private log has
    documents of its own or the logs changed.

    The day's row is locked first (as every write to its session and items already
    does): two rebuilds of one day, say a log's save beside an item's, run one after the
    other, each composing the whole-day document from what the other committed.
    """
    day = lock_day(day_id)
    if day is None:  # deleted in the same block: its documents went with it
        return
    team_id, date = day.team_id, day.date
    docs = list(SearchDoc.objects.filter(day_id=day_id).values_list("scope", "owner_id", "text"))
    old = {scope: text for scope, owner, text in docs if owner is None}
    old_owned = {(scope, owner): text for scope, owner, text in docs if owner}
    if Scope.TITLE in parts:  # the day may have moved: every document carries its date
        SearchDoc.objects.filter(day_id=day_id).exclude(date=date).update(date=date)

    new = dict(old)
    if Scope.TITLE in parts:
        new[Scope.TITLE] = _title_text(day)
    kinds = {p for p in parts if p in FIELDS}
    follow_ups = bool(kinds & FOLLOWED_UP.keys())
    rows = _rows(kinds | (FOLLOWED_UP.keys() if follow_ups else set()), [day_id])[day_id]
    for scope in kinds:
        new[scope] = _kind_text(scope, rows[scope])
    if follow_ups:
        new[Scope.FOLLOW_UP] = _follow_up_text(rows)
    logs = None
    if Scope.RETROSPECTIVE in parts or old_owned:
        logs = _logs([day_id])[day_id]
        if Scope.RETROSPECTIVE in parts:
            new[Scope.RETROSPECTIVE] = _retrospective_text(logs)
    if Scope.COMMENT in parts:
        new[Scope.COMMENT] = _comment_text(_comments([day_id])[day_id])
    new[Scope.ALL] = _whole_day(new)

    stale = {s for s in new.keys() | old.keys() if (new.get(s) or "") != (old.get(s) or "")}
    if Scope.ALL not in old:
        stale.add(Scope.ALL)  # a new day: its whole-day document is written even empty
    owned = _owner_texts(new, logs) if logs is not None else old_owned
    owners_stale = owned != old_owned
    if not stale and not owners_stale:
        return
    with_grams = _with_grams()
    fresh = [
        _doc(team_id, day_id, date, scope, new[scope], with_grams=with_grams)
        for scope in stale
        if new.get(scope) or scope == Scope.ALL
    ]
    if owners_stale:
        fresh += [
            _doc(team_id, day_id, date, scope, text, owner, with_grams=with_grams)
            for (scope, owner), text in owned.items()
        ]
    gone = SearchDoc.objects.filter(day_id=day_id, owner=None, scope__in=stale)
    if owners_stale:
        gone = gone | SearchDoc.objects.filter(day_id=day_id, owner__isnull=False)
    gone.delete()
    SearchDoc.objects.bulk_create(fresh)


# More days than this in one block (an import, a restored backup) are rebuilt whole, in
# batches, which takes fewer queries than part by part.
_PART_BY_PART = 3


# In a day's pending parts: its pages changed too (the default). An item edit whose
# pages a patch brings up to date (freshness.item_edited) leaves it out.
_PAGES = ""


def _apply(pending: dict[int, set[str]]) -> None:
    touched = {day_id for day_id, parts in pending.items() if _PAGES in parts}
    days = {day_id: parts - {_PAGES} for day_id, parts in pending.items() if parts - {_PAGES}}
    if len(days) > _PART_BY_PART:
        freshness.touch_days(touched - days.keys())
        reindex_days(days)
        return
    freshness.touch_days(touched)
    for day_id, parts in sorted(days.items()):
        with transaction.atomic(using=SearchDoc.objects.db):  # for the day's lock
            _rebuild_parts(day_id, parts)


# Telling the index what changed -----------------------------------------------------------


def changed(day_id: int | None, *parts: str, pages: bool = True) -> None:
    """These parts of the day changed ("title", a kind's slug, "retrospective",
    "comment"); no
    parts: only its pages did (attendance, order, presenters). `pages=False`: its cached
    pages are seen to by the caller (freshness.item_edited). Inside `deferred()`
    collected for its end; otherwise applied now."""
    if day_id is None:
        return
    parts = {*parts, _PAGES} if pages else set(parts)
    pending = _pending.get()
    if pending is not None:
        pending.setdefault(day_id, set()).update(parts)
    else:
        _apply({day_id: parts})


def part_of(instance) -> str:
    """The part of its day a day, an item or a log (or their model) is."""
    model = instance if isinstance(instance, type) else type(instance)
    if issubclass(model, Day):
        return Scope.TITLE
    if issubclass(model, MemberLog):
        return Scope.RETROSPECTIVE
    if issubclass(model, Comment):
        return Scope.COMMENT
    return model.kind


def saved(instance, update_fields: Iterable[str] | None = None, *, pages: bool = True) -> None:
    """Called by the models' save(): a save that wrote none of a part's fields changed
    only the pages (a move, a version bump, closing the day)."""
    part = part_of(instance)
    day_id = instance.pk if isinstance(instance, Day) else instance.day_id
    if update_fields is not None and not _WATCHED[part] & set(update_fields):
        changed(day_id, pages=pages)
    else:
        changed(day_id, part, pages=pages)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Collect the parts changed inside the block and rebuild each day once, at its end."""
    if _pending.get() is not None:  # already inside one: the outer block rebuilds
        yield
        return
    pending: dict[int, set[str]] = {}
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
    _apply(pending)
