"""Keeping the search documents (models.SearchDoc) in step with the days they copy.

Every save or delete of a day's searchable rows rebuilds that day's documents in the
same transaction (signals, connected in apps.py), so a search never sees half an edit.
Bulk writers (imports, the demo, benchmarks) wrap their work in `deferred()`, which
rebuilds each touched day once at the end, or call `reindex_days` after bulk_create,
which sends no signals.

What goes in: a day's title and tags, its questions (with answers and follow-up
resolutions), suggestions, reviews, free sections, action items and team-visible
retrospectives, case-folded. A private retrospective goes only into its author's own
copy of the day's documents.
"""

import contextlib
import contextvars
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator

from django.db import models, transaction
from django.db.models.signals import post_delete, post_save

from . import freshness
from .models import (
    ActionItem,
    AssignmentReview,
    Day,
    FreeSection,
    MemberLog,
    Question,
    SearchDoc,
    Suggestion,
    Team,
)

Scope = SearchDoc.Scope

# The text each kind contributes, by field.
FIELDS: dict[str, tuple[type[models.Model], tuple[str, ...]]] = {
    Scope.QUESTION: (Question, ("question", "answer", "resolution")),
    Scope.SUGGESTION: (Suggestion, ("proposal", "discussion", "outcome")),
    Scope.REVIEW: (AssignmentReview, ("assignment", "topic", "notes")),
    Scope.SECTION: (FreeSection, ("heading", "body")),
    Scope.ACTION: (ActionItem, ("text", "resolution")),
}
TITLE_FIELDS = ("title", "tags")
WATCHED = (Day, *(model for model, _fields in FIELDS.values()), MemberLog)

_WHITESPACE = re.compile(r"\s+")

_deferred: contextvars.ContextVar[set[int] | None] = contextvars.ContextVar(
    "search_index_deferred", default=None
)


def fold(text: str) -> str:
    """The form documents and search words are compared in: lower case."""
    return text.lower()


def grams(text: str, key: str = "") -> str:
    """Every two-character piece of each word of `text`, and each word's last character,
    as a PostgreSQL tsvector literal (each lexeme quoted). It is what the full-text
    index holds, so that any word is found through its pieces (see search.py).

    Each piece starts with `key` (the team and scope, see `piece_key`), so the index
    keeps one team's pieces of one scope apart from everyone else's: a lookup reads
    only the postings it can use, however many teams share the table.
    """
    found: set[str] = set()
    for word in text.split():
        found.update(word[i : i + 2] for i in range(len(word) - 1))
        found.add(word[-1])
    return " ".join(_quoted(key + piece) for piece in sorted(found))


SCOPE_KEYS = {
    Scope.ALL: "a",
    Scope.TITLE: "t",
    Scope.QUESTION: "q",
    Scope.SUGGESTION: "s",
    Scope.REVIEW: "r",
    Scope.SECTION: "x",
    Scope.ACTION: "c",
    Scope.RETROSPECTIVE: "p",
    Scope.FOLLOW_UP: "f",
}


def piece_key(team_id: int, scope: str) -> str:
    """What a document's pieces start with: e.g. "12a." for team 12's whole days."""
    return f"{team_id}{SCOPE_KEYS[scope]}."


def _quoted(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def _join(parts: Iterable[str]) -> str:
    return "\n".join(part for part in parts if part and part.strip())


def _documents(day: Day, rows: dict[str, list], logs: list[MemberLog], with_grams: bool):
    """The SearchDoc rows of one day (unsaved)."""
    texts: dict[str, str] = {Scope.TITLE: _join(getattr(day, f) for f in TITLE_FIELDS)}
    for scope, (_model, fields) in FIELDS.items():
        texts[scope] = _join(getattr(obj, f) for obj in rows[scope] for f in fields)
    shared_logs = [log.retrospective for log in logs if log.is_public]
    texts[Scope.RETROSPECTIVE] = _join(shared_logs)
    texts[Scope.FOLLOW_UP] = _join(
        [
            *(_join([q.question, q.answer]) for q in rows[Scope.QUESTION] if q.is_open_follow_up),
            *(a.text for a in rows[Scope.ACTION] if a.resolved_at is None),
        ]
    )
    texts[Scope.ALL] = _join(texts[s] for s in (Scope.TITLE, *FIELDS, Scope.RETROSPECTIVE))

    def doc(scope, text, owner=None):
        folded = fold(text)
        return SearchDoc(
            day=day,
            team_id=day.team_id,
            date=day.date,
            scope=scope,
            owner=owner,
            text=folded,
            grams=grams(folded, piece_key(day.team_id, scope)) if with_grams else "",
        )

    docs = [doc(scope, text) for scope, text in texts.items() if text]
    for log in logs:
        if log.is_public or not log.retrospective.strip():
            continue
        for scope in (Scope.ALL, Scope.RETROSPECTIVE):
            docs.append(doc(scope, _join([texts[scope], log.retrospective]), owner=log.member))
    return docs


def reindex_days(day_ids: Iterable[int]) -> None:
    """Rebuild the documents of these days: a fixed number of queries per batch. Their
    teams' stamps move on too (freshness.py): whatever changed a day's search text
    changed its pages."""
    ids = sorted(set(day_ids))
    if not ids:
        return
    freshness.touch_days(ids)
    using = SearchDoc.objects.db
    with_grams = transaction.get_connection(using).vendor == "postgresql"
    for start in range(0, len(ids), 200):
        batch = ids[start : start + 200]
        days = list(Day.objects.filter(pk__in=batch).only("pk", "team_id", "date", "title", "tags"))
        rows: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        for scope, (model, _fields) in FIELDS.items():
            for obj in model.objects.filter(day_id__in=batch).order_by("day_id", "position", "pk"):
                rows[obj.day_id][scope].append(obj)
        logs: dict[int, list[MemberLog]] = defaultdict(list)
        for log in MemberLog.objects.filter(day_id__in=batch).select_related("member"):
            logs[log.day_id].append(log)
        with transaction.atomic(using=using):
            SearchDoc.objects.filter(day_id__in=batch).delete()
            SearchDoc.objects.bulk_create(
                doc
                for day in days
                for doc in _documents(day, rows[day.pk], logs[day.pk], with_grams)
            )


def reindex_team(team: Team) -> None:
    reindex_days(Day.objects.filter(team=team).values_list("pk", flat=True))


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Collect the days touched inside the block and rebuild each once, at its end."""
    if _deferred.get() is not None:  # already inside one: the outer block rebuilds
        yield
        return
    touched: set[int] = set()
    token = _deferred.set(touched)
    try:
        yield
    finally:
        _deferred.reset(token)
    reindex_days(touched)


def _touched(day_id: int | None) -> None:
    if day_id is None:
        return
    pending = _deferred.get()
    if pending is not None:
        pending.add(day_id)
    else:
        reindex_days([day_id])


def _deleting_the_day(origin) -> bool:
    """Whether a delete started at a day or a team: its documents go with it."""
    if isinstance(origin, models.QuerySet):
        return origin.model in (Day, Team)
    return isinstance(origin, (Day, Team))


def _on_save(sender, instance, raw=False, **kwargs):
    if raw:  # loaddata: the fixture's own rows; reindex afterwards
        return
    _touched(instance.pk if sender is Day else instance.day_id)


def _on_delete(sender, instance, origin=None, **kwargs):
    if sender is Day or _deleting_the_day(origin):
        return
    _touched(instance.day_id)


def connect() -> None:
    for model in WATCHED:
        post_save.connect(_on_save, sender=model, dispatch_uid=f"search-save-{model.__name__}")
        if model is not Day:
            post_delete.connect(
                _on_delete, sender=model, dispatch_uid=f"search-delete-{model.__name__}"
            )
