"""Revision history of a day: snapshots taken by every save, their differences, and
restoring one.

A snapshot is a row's content as JSON: its own fields (members as ids), its
many-to-many members, and for the session its attendance, for a log its links.
Order (position), versions and who-saved stamps are left out: they are not content.
Writers call `record()` inside their transaction, with the state before and after.
"""

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from .closing import lock_open_day
from .kinds import KINDS
from .live import notify as live
from .models import Attendance, Comment, Day, MemberLog, Membership, Revision, StudyLink
from .models.base import DayItem
from .search.plain import plain

SESSION, LOG, COMMENT = "session", "log", Comment.kind
_NOT_CONTENT = {
    "id", "day", "position", "version", "updated_at", "updated_by", "team", "date",
    "created_at", "closed_at", "closed_by", "reopened_at", "reopened_by", "member",
}  # fmt: skip
_ENCODER = DjangoJSONEncoder()


def kind_of(obj) -> str:
    if isinstance(obj, Day):
        return SESSION
    if isinstance(obj, MemberLog):
        return LOG
    return obj.kind


def _fields(model) -> list:
    return [f for f in model._meta.concrete_fields if f.name not in _NOT_CONTENT]


def _m2m(model) -> list:
    return list(model._meta.many_to_many)


def _json(value):
    """A field value as it will read back from the JSON column."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, list | dict):  # a JSONField's value (a log's study_layout)
        return value
    return _ENCODER.default(value)


def snapshot(obj) -> dict:
    """The content of a day, a log or an item, as JSON-ready values."""
    data = {f.name: _json(f.value_from_object(obj)) for f in _fields(type(obj))}
    for field in _m2m(type(obj)):
        # values_list queries even where the manager holds a prefetched (stale) list.
        data[field.name] = sorted(getattr(obj, field.name).values_list("pk", flat=True))
    if isinstance(obj, Day):
        rows = Attendance.objects.filter(day=obj).order_by("member_id")
        data["attendance"] = {str(a.member_id): [a.status, a.note] for a in rows}
    elif isinstance(obj, MemberLog) and obj.pk:
        links = StudyLink.objects.filter(log=obj).values_list("title", "url", "color")
        data["study_links"] = [list(link) for link in links]
    return data


def changed_fields(before: dict, after: dict) -> set[str]:
    """The names whose values differ between two snapshots of one row."""
    return {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}


def record(
    obj,
    action: str,
    *,
    user=None,
    author_id=None,
    coauthor_ids=(),
    before: dict | None,
    after: dict | None = None,
):
    """Keep one revision of `obj` (call inside the save's transaction), by `user` (or
    the user whose id is `author_id`), with the users `coauthor_ids` who wrote it too.

    `after` defaults to `obj` as it is now, except for a deletion. A save that changed
    no content (a resubmitted form) is not recorded.
    """
    if after is None and action != Revision.Action.DELETED:
        after = snapshot(obj)
    if before is not None and before == after:
        return None
    day_id = obj.pk if isinstance(obj, Day) else obj.day_id
    private_to = None
    if isinstance(obj, MemberLog):
        states = [s for s in (before, after) if s is not None]
        if any(s.get("visibility") == MemberLog.Visibility.PRIVATE for s in states):
            private_to = obj.member_id
    return Revision.objects.create(
        day_id=day_id,
        kind=kind_of(obj),
        object_id=obj.pk,
        action=action,
        author_id=user.pk if getattr(user, "is_authenticated", False) else author_id,
        coauthors=list(coauthor_ids),
        before=before,
        after=after,
        private_to_id=private_to,
    )


def visible(day: Day, membership: Membership | None):
    """The revisions of `day` a member may read: all but other members' private logs."""
    rows = Revision.objects.filter(day=day)
    mine = membership.pk if membership is not None else None
    return rows.filter(models.Q(private_to__isnull=True) | models.Q(private_to=mine))


# Showing differences -----------------------------------------------------------------


@dataclass
class Change:
    """One field that differs between two states, ready for the template."""

    label: str
    old: str
    new: str
    lines: list[tuple[str, str]] | None = None  # for text over one line: (" "|"-"|"+", line)


def _item_models() -> dict[str, type]:
    return {slug: kind.model for slug, kind in KINDS.items()}


def model_for(kind: str) -> type | None:
    return {SESSION: Day, LOG: MemberLog, COMMENT: Comment, **_item_models()}.get(kind)


# Kept in snapshots (restoring brings them back) but not shown as changes: what an
# imported post recorded for its export (how it laid out a log's badges and notes,
# where its follow-up mark stood, which post brought a section) is not for reading.
_UNSHOWN = {"study_layout", "follow_up_mark", "from_post"}


def _labels(model) -> dict[str, str]:
    fields = [*_fields(model), *_m2m(model)]
    labels = {f.name: str(f.verbose_name) for f in fields if f.name not in _UNSHOWN}
    if model is Day:
        labels["attendance"] = str(_("attendance"))
    if model is MemberLog:
        labels["study_links"] = str(_("study links"))
    return labels


def _member_fields(model) -> set[str]:
    fields = [*_fields(model), *_m2m(model)]
    return {f.name for f in fields if f.related_model is Membership}


def _choices(model) -> dict[str, dict]:
    return {f.name: dict(f.flatchoices) for f in _fields(model) if f.choices}


def member_ids(revisions: Iterable[Revision]) -> set[int]:
    """Every member a page of revisions names, to look up their names in one query."""
    ids: set[int] = set()
    for rev in revisions:
        model = model_for(rev.kind)
        if model is None:
            continue
        names = _member_fields(model)
        for state in (rev.before, rev.after):
            for name, value in (state or {}).items():
                if name in names and value is not None:
                    ids.update(value if isinstance(value, list) else [value])
                elif name == "attendance" and model is Day:
                    ids.update(int(pk) for pk in value)
    return ids


def _show(name: str, value, *, model, names: dict[int, str]) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if name in _member_fields(model):
        values = value if isinstance(value, list) else [value]
        return ", ".join(names.get(pk, str(_("(former member)"))) for pk in values)
    if name == "attendance" and model is Day:
        statuses = dict(Attendance.Status.choices)
        parts = []
        for pk, (status, note) in sorted(value.items(), key=lambda kv: names.get(int(kv[0]), "")):
            part = f"{names.get(int(pk), _('(former member)'))}: {statuses.get(status, status)}"
            parts.append(f"{part} ({note})" if note else part)
        return "\n".join(parts)
    if name == "study_links":
        return "\n".join(f"{title} <{url}>" for title, url, _color in value)
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    choices = _choices(model).get(name)
    if choices and value in choices:
        return str(choices[value])
    return str(value)


def changes(rev: Revision, names: dict[int, str]) -> list[Change]:
    """What `rev` changed, field by field, in the model's field order."""
    model = model_for(rev.kind)
    if model is None:
        return []
    before, after = rev.before or {}, rev.after or {}
    labels = _labels(model)
    result = []
    for name in labels:
        if name not in before and name not in after:
            continue
        old, new = before.get(name), after.get(name)
        if rev.before is not None and rev.after is not None and old == new:
            continue
        if rev.before is None and new in (None, "", [], {}, False):
            continue  # a new row: list only what it was given
        if rev.after is None and old in (None, "", [], {}, False):
            continue
        shown_old = _show(name, old, model=model, names=names) if rev.before is not None else ""
        shown_new = _show(name, new, model=model, names=names) if rev.after is not None else ""
        change = Change(labels[name], shown_old, shown_new)
        if rev.before is not None and rev.after is not None and "\n" in shown_old + shown_new:
            diff = difflib.ndiff(shown_old.splitlines(), shown_new.splitlines())
            change.lines = [(line[0], line[2:]) for line in diff if line[0] in " -+"]
        result.append(change)
    return result


def log_owners(revisions: Iterable[Revision]) -> dict[int, int]:
    """Whose log each log revision on a page is about, by log id (one query). A log's
    writer (the revision's author) is not always its member: an admin or the day's
    moderator writes the log of a member who has no account."""
    ids = {rev.object_id for rev in revisions if rev.kind == LOG}
    if not ids:
        return {}
    return dict(MemberLog.objects.filter(pk__in=ids).values_list("pk", "member_id"))


def title_of(
    rev: Revision, names: dict[int, str] | None = None, owners: dict[int, int] | None = None
) -> str:
    """A short name for the row a revision is about: for a log, whose it is (from
    `owners`, see log_owners, and the members' `names`); otherwise the first words of
    its lead text (the first field search reads of its kind)."""
    if rev.kind == SESSION:
        return str(_("Session"))
    if rev.kind == LOG:
        owner = (owners or {}).get(rev.object_id)
        name = (names or {}).get(owner) if owner is not None else None
        return str(_("%(name)s's log") % {"name": name}) if name else str(_("Log"))
    lead = {kind.model: kind.searched[0] for kind in KINDS.values()}
    lead[Comment] = "body"
    text = str((rev.state or {}).get(lead.get(model_for(rev.kind), ""), "")).strip()
    line = plain(text.splitlines()[0]) if text else ""  # as read, without its markup
    short = line[:60] + ("…" if len(line) > 60 else "") if line else f"#{rev.object_id}"
    return str(_("Comment: %(text)s") % {"text": short}) if rev.kind == COMMENT else short


# Restoring -----------------------------------------------------------------------------


class CannotRestore(Exception):
    """The revision's row cannot be brought back (its member's log, say, is gone)."""


def _apply(obj, state: dict, team) -> None:
    """Put a snapshot's values on `obj`; members no longer in the team become empty."""
    model = type(obj)
    members = set(team.memberships.values_list("pk", flat=True))
    for field in _fields(model):
        if field.name not in state:
            continue
        value = state[field.name]
        if field.related_model is Membership:
            setattr(obj, field.attname, value if value in members else None)
        elif field.is_relation:
            continue
        else:
            setattr(obj, field.attname, field.to_python(value))


def _set_m2m(obj, state: dict, team) -> None:
    members = set(team.memberships.values_list("pk", flat=True))
    for field in _m2m(type(obj)):
        if field.name in state:
            getattr(obj, field.name).set([pk for pk in state[field.name] if pk in members])


def _restore_attendance(day: Day, rows: dict) -> None:
    present = {a.member_id: a for a in Attendance.objects.filter(day=day)}
    for pk, (status, note) in rows.items():
        row = present.get(int(pk))
        if row is not None and (row.status, row.note) != (status, note):
            row.status, row.note = status, note
            row.save(update_fields=["status", "note"])


def _restore_links(log: MemberLog, rows: list) -> None:
    log.links.all().delete()
    StudyLink.objects.bulk_create(
        StudyLink(log=log, position=n, title=title, url=url, color=color)
        for n, (title, url, color) in enumerate(rows, start=1)
    )


def restore(rev: Revision, *, user):
    """Bring the row back to the state `rev` left it in (for a deletion, the state it
    had), as a new save: a new version and a new revision. A deleted item comes back
    under its old id, at the end of its list. Returns the row."""
    model = model_for(rev.kind)
    state = rev.state
    if model is None or model is Comment or state is None:  # its author edits a comment
        raise CannotRestore(rev)
    day = rev.day
    with transaction.atomic():
        if rev.kind != LOG:  # a member's log stays theirs to change on a closed day
            lock_open_day(day.pk)
        obj = model.objects.select_for_update(no_key=True).filter(pk=rev.object_id).first()
        if obj is not None and (obj.pk if model is Day else obj.day_id) != day.pk:
            raise CannotRestore(rev)
        before = snapshot(obj) if obj is not None else None
        if obj is None:
            if not issubclass(model, DayItem):
                raise CannotRestore(rev)
            last = model.objects.filter(day=day).aggregate(m=Max("position"))["m"]
            obj = model(pk=rev.object_id, day=day, position=(last or 0) + 1, version=0)
        _apply(obj, state, day.team)
        obj.version += 1
        obj.updated_by = user
        obj.save()
        _set_m2m(obj, state, day.team)
        if model is Day and "attendance" in state:
            _restore_attendance(obj, state["attendance"])
        if model is MemberLog and "study_links" in state:
            _restore_links(obj, state["study_links"])
        record(obj, Revision.Action.RESTORED, user=user, before=before)
        if model is Day:
            live.session_changed(day.pk)
        elif before is None:
            live.list_changed(day.pk, obj.kind)
        else:
            live.texts_saved(obj)
        return obj
