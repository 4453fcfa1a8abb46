"""Comments on a day and its items: writing them (post, edit, delete, hide), each as one
transaction with its revision and its mentions, and gathering a day's threads.

Any active member may comment, observers too, on an open or a closed day: a comment is
talk about the record, not part of it. Only its author edits or deletes a comment; an
admin hides one (and shows it again), which takes its text off the page, out of search
and out of the mentions, for everyone but its author and the admins.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, F, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from . import history, search_index
from .closing import lock_day
from .kinds import KINDS
from .models import Comment, Day, Membership, Mention, Revision


class Gone(Exception):
    """The comment (or the one answered) was deleted meanwhile, by another tab or person."""


def _current(pk: int) -> Comment:
    """The comment as stored, under the day's lock its caller holds; Gone if deleted."""
    comment = Comment.objects.select_related("author").filter(pk=pk, deleted_at=None).first()
    if comment is None:
        raise Gone(pk)
    return comment


# An @ starts a mention where no letter, digit or @ stands before it (not in a@b.com).
_AT = re.compile(r"(?<![\w@])@")


def mentioned(text: str, members: Iterable[Membership]) -> list[Membership]:
    """The members named as `@display name` in `text`, each once, in order of appearance.

    The longest name that follows an @ wins ("@김민수" is 김민수, not 김민, when both are
    members). Korean particles may follow a name directly ("@김민수님"), so after a name
    only a Latin letter or digit means it was a longer word ("@Alexis" is not Alex)."""
    by_length = sorted(members, key=lambda m: -len(m.display_name))
    found: dict[int, Membership] = {}
    for at in _AT.finditer(text):
        rest = text[at.end() :]
        for member in by_length:
            name = member.display_name
            after = rest[len(name) : len(name) + 1]
            if rest.startswith(name) and not (
                after.isascii() and (after.isalnum() or after == "_")
            ):
                found.setdefault(member.pk, member)
                break
    return list(found.values())


def snapshot(comment: Comment) -> dict:
    """What the history shows of a comment: its text and whether it is hidden."""
    return {"body": comment.body, "hidden": comment.hidden}


def _sync_mentions(comment: Comment, author: Membership) -> None:
    """Make the comment's mentions those its text holds now: new names are told (home
    page, digest), names taken out are no longer; the author's own name tells nobody."""
    members = Membership.objects.filter(team_id=author.team_id, is_active=True)
    named = {m.pk for m in mentioned(comment.body, members) if m.pk != author.pk}
    had = set(comment.mentions.values_list("member_id", flat=True))
    comment.mentions.filter(member_id__in=had - named).delete()
    Mention.objects.bulk_create(Mention(comment=comment, member_id=pk) for pk in named - had)


def post(
    *, day: Day, author: Membership, body: str, target: tuple[str, int | None], parent=None, user
) -> Comment:
    """A new comment on `target` ("", None for the day; a kind's slug and an item id), or a
    reply to `parent` (on its thread). The caller's form checked both belong to `day`;
    Gone if the parent was deleted since."""
    with transaction.atomic(), search_index.deferred():
        lock_day(day.pk)
        if parent is not None:
            parent = _current(parent.pk)
        kind, pk = (parent.target_kind, parent.target_id) if parent is not None else target
        comment = Comment(
            day=day, target_kind=kind, target_id=pk, parent=parent, author=author, body=body
        )
        comment.save()
        history.record(
            comment, Revision.Action.CREATED, user=user, before=None, after=snapshot(comment)
        )
        _sync_mentions(comment, author)
    return comment


def edit(comment: Comment, *, body: str, user) -> Comment:
    with transaction.atomic(), search_index.deferred():
        lock_day(comment.day_id)
        # As stored: a bound ModelForm has already put the new text on its instance.
        comment = _current(comment.pk)
        before = snapshot(comment)
        comment.body = body
        comment.edited_at = timezone.now()
        comment.save(update_fields=["body", "edited_at"])
        history.record(
            comment, Revision.Action.EDITED, user=user, before=before, after=snapshot(comment)
        )
        _sync_mentions(comment, comment.author)
    return comment


def delete(comment: Comment, *, user) -> None:
    """Delete a comment. One with replies stays as a marker, its text gone, while they
    stand; a marker whose last reply goes is deleted with it."""
    with transaction.atomic(), search_index.deferred():
        lock_day(comment.day_id)
        try:
            comment = _current(comment.pk)
        except Gone:
            return  # deleted from another tab meanwhile: nothing left to do
        history.record(comment, Revision.Action.DELETED, user=user, before=snapshot(comment))
        comment.mentions.all().delete()
        if comment.replies.exists():
            comment.body, comment.deleted_at = "", timezone.now()
            comment.save(update_fields=["body", "deleted_at"])
            return
        parent = comment.parent
        comment.delete()
        if parent is not None and parent.is_deleted and not parent.replies.exists():
            parent.delete()


def set_hidden(comment: Comment, *, hidden: bool, by: Membership, user) -> None:
    """An admin hides a comment, or shows it again; Gone if it was deleted meanwhile."""
    with transaction.atomic(), search_index.deferred():
        lock_day(comment.day_id)
        comment = _current(comment.pk)
        if comment.hidden == hidden:
            return
        before = snapshot(comment)
        comment.hidden, comment.hidden_by = hidden, by if hidden else None
        comment.save(update_fields=["hidden", "hidden_by"])
        action = Revision.Action.HIDDEN if hidden else Revision.Action.UNHIDDEN
        history.record(comment, action, user=user, before=before, after=snapshot(comment))


# Reading ------------------------------------------------------------------------------


@dataclass
class Thread:
    """The comments on one target, top-level ones in order, each with `.replies_shown`."""

    target: str  # Comment.target: "" for the day, "question:12" for an item
    comments: list[Comment] = field(default_factory=list)

    @property
    def count(self) -> int:
        # A deleted comment with replies is a marker, not a comment; replies are never one.
        return sum((not c.is_deleted) + len(c.replies_shown) for c in self.comments)


@dataclass
class DayThreads:
    day: Thread
    # Threads on items deleted since (a restored item gets its thread back).
    orphans: list[Thread]
    count: int  # comments on the day and all its items


def threads_for_record(day: Day, membership: Membership) -> DayThreads:
    """Every comment on `day`, in one query, as threads; each item the record shows (the
    day fetched with Day.objects.for_record) gets its own as `item.comment_thread`.

    Each comment is marked for the reader: `readable` (its text shows), `mine` (they
    may edit and delete it)."""
    rows = list(Comment.objects.filter(day=day).select_related("author"))
    threads: dict[str, Thread] = {}
    top: dict[int, Comment] = {}
    for comment in rows:
        comment.readable = comment.readable_by(membership)
        comment.mine = comment.author_id is not None and comment.author_id == membership.pk
        if comment.parent_id is None:
            comment.replies_shown = []
            top[comment.pk] = comment
            threads.setdefault(comment.target, Thread(comment.target)).comments.append(comment)
    for comment in rows:
        if comment.parent_id is not None and comment.parent_id in top:
            top[comment.parent_id].replies_shown.append(comment)
    count = sum(thread.count for thread in threads.values())
    for kind in KINDS.values():
        for item in getattr(day, kind.related).all():
            key = f"{kind.slug}:{item.pk}"
            item.comment_thread = threads.pop(key, None) or Thread(key)
    own = threads.pop("", None) or Thread("")
    return DayThreads(day=own, orphans=list(threads.values()), count=count)


def target_item(day: Day, kind: str, pk: int):
    """The item of `day` a comment names by its kind's slug and id, or None."""
    spec = KINDS.get(kind)
    return spec.model.objects.filter(day=day, pk=pk).first() if spec is not None else None


# Mentions -------------------------------------------------------------------------------

HOME_MENTIONS = 5  # a home card lists this many of the member's unseen mentions


def unseen_mentions(memberships: Iterable[Membership]):
    """Mentions of these members not yet opened, on comments the team still reads, newest
    first."""
    return (
        Mention.objects.filter(
            member__in=memberships,
            seen_at=None,
            comment__deleted_at=None,
            comment__hidden=False,
        )
        .select_related("comment__day", "comment__author")
        .order_by("-created_at", "-id")
    )


def attach_unseen_mentions(memberships: list[Membership]) -> None:
    """Give each membership (of one account, for its home page) `.unseen`, its newest few
    unseen mentions, and `.unseen_total`, how many it has: one query for all the teams,
    ranking each member's mentions apart."""
    newest = [F("created_at").desc(), F("id").desc()]
    ranked = unseen_mentions(memberships).annotate(
        rank=Window(RowNumber(), partition_by=[F("member_id")], order_by=newest),
        total=Window(Count("id"), partition_by=[F("member_id")]),
    )
    found: dict[int, list[Mention]] = {m.pk: [] for m in memberships}
    for mention in ranked.filter(rank__lte=HOME_MENTIONS):
        found[mention.member_id].append(mention)
    for m in memberships:
        m.unseen = found[m.pk]
        m.unseen_total = found[m.pk][0].total if found[m.pk] else 0


DIGEST_MENTIONS = 8  # a reminder digest lists this many mentions, then says how many more
_DIGEST_CAP = 500


def undigested_mentions(team) -> list[Mention]:
    """The team's mentions that no digest has told yet and that their member has not
    opened, on comments the team still reads, oldest first (at most _DIGEST_CAP)."""
    found = (
        Mention.objects.filter(
            member__team=team,
            member__is_active=True,
            digested_at=None,
            seen_at=None,
            comment__deleted_at=None,
            comment__hidden=False,
        )
        .select_related("member", "comment__author", "comment__day")
        .order_by("created_at", "id")
    )
    return list(found[:_DIGEST_CAP])


def mark_digested(mentions: Iterable[Mention]) -> None:
    Mention.objects.filter(pk__in=[m.pk for m in mentions]).update(digested_at=timezone.now())
