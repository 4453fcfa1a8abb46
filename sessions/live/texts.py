"""The texts a live document holds, and writing them back to their rows.

A live text is named by a key, "<kind>:<id>:<field>": "question:12:answer" in a day's
shared document, "log:34:retrospective" in a member's own. Only the fields below are
live, and a key only ever reaches a row of the document's own day: a key naming another
day's row (or another member's log) reads and writes nothing.

Writing back is the HTTP save's path in one transaction per row: the day's lock (a
closed day refuses, its logs excepted), the row's lock, the field limits, a new
version and a revision in the day's history.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from .. import freshness, history
from ..closing import lock_open_day
from ..kinds import KINDS, MODERATED
from ..models import Day, MemberLog, Membership, Revision
from .names import FIELDS, LOG


@dataclass(frozen=True)
class Key:
    kind: str
    pk: int
    field: str

    @classmethod
    def parse(cls, text: object) -> "Key | None":
        if not isinstance(text, str) or len(text) > 80:
            return None
        parts = text.split(":")
        if len(parts) != 3 or not parts[1].isdigit():
            return None
        kind, pk, name = parts[0], int(parts[1]), parts[2]
        if name not in FIELDS.get(kind, ()):
            return None
        return cls(kind, pk, name)

    def __str__(self) -> str:
        return f"{self.kind}:{self.pk}:{self.field}"

    @property
    def is_log(self) -> bool:
        return self.kind == LOG

    @property
    def model(self):
        return MemberLog if self.is_log else KINDS[self.kind].model

    @property
    def limit(self) -> int | None:
        return self.model._meta.get_field(self.field).max_length


def _rows(day_id: int, kind: str, log_id: int | None):
    if kind == LOG:
        return MemberLog.objects.filter(day_id=day_id, pk=log_id)
    return KINDS[kind].model.objects.filter(day_id=day_id)


def load(day_id: int, key: Key, *, log_id: int | None = None) -> tuple[str, int] | None:
    """The key's text and its row's version, if the key is this document's."""
    if key.is_log != (log_id is not None):
        return None
    row = _rows(day_id, key.kind, log_id).filter(pk=key.pk).values(key.field, "version").first()
    if row is None:
        return None
    # Forms submit CRLF; the editor breaks lines at LF only, so positions match.
    return row[key.field].replace("\r\n", "\n"), row["version"]


def may_write(key: Key, day: Day, membership: Membership) -> bool:
    """Whether the member may change this text (the document is theirs to open)."""
    if not membership.can_write:
        return False
    if key.is_log:
        return True  # the log document is its own member's alone (checked on connect)
    if day.is_closed:
        return False
    return key.kind not in MODERATED or day.can_moderate(membership)


@dataclass
class Written:
    saved: list[tuple[str, int, int]] = field(default_factory=list)  # (kind, id, version)
    refused: dict[str, tuple[int, int]] = field(default_factory=dict)  # key → (length, limit)
    closed: bool = False


def write_back(day_id: int, texts: dict[Key, str], authors: dict[tuple, list[int]], *, log_id=None):
    """Save changed texts, one transaction and one revision per row; `authors` names
    who wrote each row's change ((kind, id) → user ids, most typing first). Texts equal
    to the row's are skipped; a text over its field's limit is refused, never cut."""
    result = Written()
    by_row: dict[tuple[str, int], dict[str, str]] = {}
    for key, text in texts.items():
        limit = key.limit
        if limit is not None and len(text) > limit:
            result.refused[str(key)] = (len(text), limit)
            continue
        by_row.setdefault((key.kind, key.pk), {})[key.field] = text
    for (kind, pk), values in by_row.items():
        try:
            version = _write_row(day_id, kind, pk, values, authors.get((kind, pk), []), log_id)
        except _DayClosed:
            result.closed = True
            break
        if version is not None:
            result.saved.append((kind, pk, version))
    return result


def too_long(length: int, limit: int) -> str:
    return _(
        "This text is %(count)s characters long and at most %(limit)s can be saved, so it "
        "is not being saved. Shorten it and it is saved again."
    ) % {"count": f"{length:,}", "limit": f"{limit:,}"}


class _DayClosed(Exception):
    pass


def _write_row(day_id, kind, pk, values, author_ids: list[int], log_id) -> int | None:
    from ..closing import DayClosed

    with transaction.atomic():
        if kind != LOG:
            try:
                lock_open_day(day_id)
            except (DayClosed, Day.DoesNotExist):
                raise _DayClosed from None
        row = _rows(day_id, kind, log_id).select_for_update(no_key=True).filter(pk=pk).first()
        if row is None:
            return None  # deleted meanwhile: its text goes nowhere
        changed = {name: text for name, text in values.items() if getattr(row, name) != text}
        if not changed:
            return None
        before = history.snapshot(row)
        for name, text in changed.items():
            setattr(row, name, text)
        row.version += 1
        author_id, *coauthor_ids = author_ids or [None]
        row.updated_by_id = author_id
        is_item = kind != LOG  # an item's pages: freshness.item_edited below
        row.save(update_fields=[*changed, "version", "updated_by", "updated_at"], pages=not is_item)
        after = history.snapshot(row)
        history.record(
            row,
            Revision.Action.EDITED,
            author_id=author_id,
            coauthor_ids=coauthor_ids,
            before=before,
            after=after,
        )
        if is_item:
            freshness.item_edited(row, history.changed_fields(before, after))
        return row.version
