"""Follow-ups: Q&A items marked 추가 확인 필요 and action items, open until someone resolves them.

An open follow-up is a question with `needs_follow_up` and no `resolved_at`, or an
action item with no `resolved_at`. It stays on the team's open list, and on the record
of every later day as "carried over", until someone resolves it (what, who, when).
A question's resolution is its follow-up answer; its `answer` from the day is kept as
it was. Questions flagged `for_mentor` collect into the mentoring queue, where the
mentor (usually an observer) answers them: that answer is the question's resolution.

Resolving and reopening are allowed on a closed day, deliberately: closing freezes what
was said that day, but a follow-up lives on after its day (that is its point), so these
writes take no day lock and are not refused by `access.require_open`.

Each write is one conditional UPDATE (… WHERE resolved_at IS NULL, or IS NOT NULL to
reopen), so of two people resolving at once exactly one wins and the other is told who
did; it also bumps the row's `version`, so the day editor's optimistic check and live
refresh notice the change.

Every query here returns whole lists in a fixed number of queries (joined with
select_related), whatever the number of open items.
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import DateField, F, Q, Value
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from . import history, search_index
from .closing import lock_day
from .kinds import FOLLOWED_UP
from .models import ActionItem, Day, Membership, Question, Revision, Team
from .schedule import local_today
from .webhooks import events as webhook_events

# The kinds of follow-up, by the slug used in URLs and templates.
KINDS = FOLLOWED_UP
# What a follow-up's display reads besides its own row, joined into the same query.
_RELATED = {kind.model: ("day", *kind.member_refs) for kind in FOLLOWED_UP.values()}


class AlreadyResolved(Exception):
    """Someone resolved the item first; `item` is it as they left it (resolved_by joined)."""

    def __init__(self, item):
        super().__init__("already resolved")
        self.item = item

    @property
    def message(self) -> str:
        """What the one who came second is told."""
        return _("Already resolved by %(name)s.") % {"name": self.item.resolved_by or _("someone")}


class NotResolved(Exception):
    """Reopening an item that is open (someone reopened it first)."""

    def __init__(self, item):
        super().__init__("not resolved")
        self.item = item


def overdue(due_date: datetime.date | None, *, resolved: bool, today: datetime.date) -> bool:
    """The one rule: still open after its due date (in the team's today)."""
    return due_date is not None and not resolved and due_date < today


@dataclass
class FollowUp:
    """One follow-up as the pages show it, whichever model it is.

    `item` is the Question or ActionItem (None in the home page's summaries, which
    read only the columns below); `today` is the team's today, for overdue and age.
    """

    kind: str
    pk: int
    text: str
    day_date: datetime.date
    day_number: int
    due_date: datetime.date | None
    person: Membership | None
    today: datetime.date
    item: Question | ActionItem | None = None

    @classmethod
    def of(cls, item, today: datetime.date) -> "FollowUp":
        if isinstance(item, Question):
            kind, text, person, due = "question", item.question, item.asked_by, None
        else:
            kind, text, person, due = "action", item.text, item.owner, item.due_date
        return cls(kind, item.pk, text, item.day.date, item.day.number, due, person, today, item)

    @property
    def is_resolved(self) -> bool:
        return self.item is not None and self.item.is_resolved

    @property
    def is_overdue(self) -> bool:
        """Only action items have due dates; an open one past its date is overdue."""
        return overdue(self.due_date, resolved=self.is_resolved, today=self.today)

    @property
    def age_days(self) -> int:
        """Days since the day it came from (0 on that day)."""
        return max((self.today - self.day_date).days, 0)

    @property
    def sort_key(self) -> tuple:
        """Overdue first (oldest due date first), then by due date, then by day, oldest
        first. Ascending due dates put the overdue ones first on their own."""
        return (
            self.due_date is None,
            self.due_date or datetime.date.max,
            self.day_date,
            self.kind,
            self.pk,
        )


# --- queries ----------------------------------------------------------------------------


def _questions(team: Team):
    return Question.objects.filter(day__team=team, needs_follow_up=True).select_related(
        *_RELATED[Question]
    )


def _actions(team: Team):
    return ActionItem.objects.filter(day__team=team).select_related(*_RELATED[ActionItem])


def follow_up_querysets(team: Team, *, kind: str | None = None, owner: Membership | None = None):
    """The team's follow-ups of each kind (open or not), as {kind: queryset}."""
    querysets = {"question": _questions(team), "action": _actions(team)}
    if owner is not None:
        querysets["question"] = querysets["question"].filter(asked_by=owner)
        querysets["action"] = querysets["action"].filter(owner=owner)
    if kind is not None:
        querysets = {kind: querysets[kind]}
    return querysets


def get_follow_up(team: Team, kind: str, pk: int):
    """A follow-up of this team by kind and pk; Http404 for another kind or team, or a
    question that is not a follow-up."""
    if kind not in KINDS:
        raise Http404("No such kind of follow-up")
    return get_object_or_404(follow_up_querysets(team)[kind], pk=pk)


def _wrap(querysets, team: Team) -> list[FollowUp]:
    today = local_today(team)
    items = [FollowUp.of(item, today) for qs in querysets for item in qs]
    return sorted(items, key=lambda f: f.sort_key)


def open_items(
    team: Team, *, kind: str | None = None, owner: Membership | None = None
) -> list[FollowUp]:
    """The team's open follow-ups, overdue first (one query per kind)."""
    querysets = follow_up_querysets(team, kind=kind, owner=owner)
    return _wrap((qs.filter(resolved_at__isnull=True) for qs in querysets.values()), team)


def resolved_rows(team: Team, *, kind: str | None = None, owner: Membership | None = None):
    """(kind, pk, resolved_at) of resolved follow-ups, newest first, as one query that a
    Paginator can count and slice; `resolved_page_items` fetches a page's items."""
    querysets = follow_up_querysets(team, kind=kind, owner=owner)
    rows = [
        qs.filter(resolved_at__isnull=False)
        .order_by()
        .annotate(k=Value(slug))
        .values_list("k", "pk", "resolved_at")
        for slug, qs in querysets.items()
    ]
    combined = rows[0].union(*rows[1:], all=True) if len(rows) > 1 else rows[0]
    return combined.order_by("-resolved_at", "-pk")


def resolved_page_items(team: Team, rows) -> list[FollowUp]:
    """The items of one page of `resolved_rows`, in its order (one query per kind)."""
    wanted = {slug: [pk for k, pk, _at in rows if k == slug] for slug in KINDS}
    querysets = follow_up_querysets(team)
    found = {
        (slug, item.pk): item
        for slug, pks in wanted.items()
        if pks
        for item in querysets[slug].filter(pk__in=pks)
    }
    today = local_today(team)
    return [FollowUp.of(found[k, pk], today) for k, pk, _at in rows if (k, pk) in found]


def _local_day_bounds(team: Team, date: datetime.date) -> tuple[datetime.datetime, ...]:
    start = datetime.datetime.combine(date, datetime.time.min, tzinfo=team.tz)
    return start, start + datetime.timedelta(days=1)


def carried_over(day: Day) -> list[FollowUp]:
    """Follow-ups from the team's earlier days still open now, and those resolved on this
    day's date (in the team's time zone), which the record shows as resolved that day.

    Two queries whatever their number; `day.team` should already be loaded.
    """
    team = day.team
    start, end = _local_day_bounds(team, day.date)
    state = Q(resolved_at__isnull=True) | Q(resolved_at__gte=start, resolved_at__lt=end)
    querysets = follow_up_querysets(team).values()
    return _wrap((qs.filter(state, day__date__lt=day.date) for qs in querysets), team)


def open_for_member(membership: Membership) -> list[FollowUp]:
    """A member's own open follow-ups in their team: the follow-up questions they asked
    and the action items they own, overdue first. One query (a UNION of both kinds)."""
    team = membership.team
    common = {"d": F("day__date"), "n": F("day__number")}
    questions = (
        Question.objects.filter(
            day__team=team, asked_by=membership, needs_follow_up=True, resolved_at__isnull=True
        )
        .order_by()
        .annotate(k=Value("question"), t=F("question"), due=Value(None, DateField()), **common)
        .values_list("k", "pk", "t", "d", "n", "due")
    )
    actions = (
        ActionItem.objects.filter(day__team=team, owner=membership, resolved_at__isnull=True)
        .order_by()
        .annotate(k=Value("action"), t=F("text"), due=F("due_date"), **common)
        .values_list("k", "pk", "t", "d", "n", "due")
    )
    today = local_today(team)
    items = [
        FollowUp(kind, pk, text, day_date, number, due, membership, today)
        for kind, pk, text, day_date, number, due in questions.union(actions, all=True)
    ]
    return sorted(items, key=lambda f: f.sort_key)


def mentor_queue(team: Team):
    """The team's questions for the mentor: (open oldest first, answered newest first)."""
    questions = Question.objects.filter(day__team=team, for_mentor=True).select_related(
        *_RELATED[Question]
    )
    waiting = questions.filter(resolved_at__isnull=True).order_by("day__date", "position", "pk")
    answered = questions.filter(resolved_at__isnull=False).order_by("-resolved_at", "-pk")
    return waiting, answered


# --- writes -----------------------------------------------------------------------------


def _stamp(membership: Membership, now) -> dict:
    """What every resolve/reopen writes besides its own fields: a new version, and who
    changed the row (the day editor shows rows moving on by these)."""
    return {
        "version": F("version") + 1,
        "updated_at": now,
        "updated_by": membership.user_id,
    }


def _reload(item):
    model = type(item)
    return model.objects.select_related(*_RELATED[model]).get(pk=item.pk)


def resolve(item, membership: Membership, resolution: str):
    """Resolve an open follow-up with `resolution`, by `membership`, now.

    One conditional UPDATE: if someone resolved it meanwhile, nothing is written and
    AlreadyResolved carries the item as they left it. Allowed on a closed day (see the
    module docstring). Returns the item as saved.
    """
    model = type(item)
    now = timezone.now()
    with transaction.atomic():
        lock_day(item.day_id)  # before the item's row, as every write to a day (closing.py)
        before = history.snapshot(item)
        changed = model.objects.filter(pk=item.pk, resolved_at__isnull=True).update(
            resolution=resolution.strip(),
            resolved_at=now,
            resolved_by=membership,
            **_stamp(membership, now),
        )
        current = _reload(item)
        if changed:  # an UPDATE goes around the model's save(): tell the index
            search_index.changed(item.day_id, item.kind)
            history.record(
                current, Revision.Action.RESOLVED, author_id=membership.user_id, before=before
            )
            webhook_events.follow_up_resolved(current)
    if not changed:
        raise AlreadyResolved(current)
    return current


def reopen(item, membership: Membership):
    """Open a resolved follow-up again. The resolution text is kept (the resolve form
    starts from it); who resolved it and when are cleared."""
    model = type(item)
    now = timezone.now()
    with transaction.atomic():
        lock_day(item.day_id)
        before = history.snapshot(item)
        changed = model.objects.filter(pk=item.pk, resolved_at__isnull=False).update(
            resolved_at=None, resolved_by=None, **_stamp(membership, now)
        )
        current = _reload(item)
        if changed:
            search_index.changed(item.day_id, item.kind)
            history.record(
                current, Revision.Action.REOPENED, author_id=membership.user_id, before=before
            )
    if not changed:
        raise NotResolved(current)
    return current


def answer_for_mentor(question: Question, membership: Membership, text: str) -> Question:
    """The mentor's answer to a question in the mentoring queue: it resolves the question
    (its `answer` from the day stays as it was)."""
    if not question.for_mentor:
        raise ValueError("not a question for the mentor")
    return resolve(question, membership, text)
