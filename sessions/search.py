"""Searching a team's days: which days match every word, and the items that matched.

Plain `icontains` queries: on PostgreSQL they are `UPPER(col) LIKE UPPER(%s)`, which
the trigram indexes of migration 0006 serve; on SQLite the same LIKE is the fallback
(case-insensitive for ASCII only, which is enough: Korean has no case). Substring
matching is what makes Korean work as people type it: "초기화" finds "초기화를".

A page costs a fixed number of queries whatever the data: the count of matching days,
one page of days, and one query per kind of item for that page's matches.
"""

import datetime
import re
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import Case, Count, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from .models import AssignmentReview, Day, FreeSection, MemberLog, Membership, Question, Suggestion

DAYS_PER_PAGE = 20
MAX_TERMS = 8  # more words than this are dropped: each one adds a clause to every query
SNIPPET_BEFORE, SNIPPET_AFTER = 40, 120

# The kinds of item searched, in the order a day's results list them, with their fields.
ITEM_KINDS: dict[str, tuple[type[models.Model], tuple[str, ...]]] = {
    "question": (Question, ("question", "answer")),
    "suggestion": (Suggestion, ("proposal", "discussion", "outcome")),
    "review": (AssignmentReview, ("assignment", "topic", "notes")),
    "section": (FreeSection, ("heading", "body")),
    "retrospective": (MemberLog, ("retrospective",)),
}
TITLE_FIELDS = ("title", "tags")
KIND_CHOICES = [
    ("title", _("Title and tags")),
    ("question", _("Questions")),
    ("suggestion", _("Suggestions")),
    ("review", _("Reviews")),
    ("section", _("Sections")),
    ("retrospective", _("Retrospectives")),
]
NEWEST, RELEVANCE = "newest", "relevance"


@dataclass(frozen=True)
class Filters:
    kind: str = ""  # one of KIND_CHOICES, or "" for everything
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    tag: str = ""
    member: Membership | None = None  # days they asked in, presented in or moderated
    follow_up: bool = False  # only questions that still need a follow-up

    def kinds(self) -> list[str]:
        if self.follow_up:
            return ["question"]
        if self.kind:
            return [self.kind]
        return ["title", *ITEM_KINDS]


@dataclass
class Hit:
    kind: str
    label: str
    snippet: SafeString


@dataclass
class DayResult:
    day: Day
    hits: list[Hit]


@dataclass
class SearchResult:
    terms: list[str]
    page: Page | None = None
    days: list[DayResult] = field(default_factory=list)

    @property
    def count(self) -> int:
        return self.page.paginator.count if self.page is not None else 0


def split_terms(query: str) -> list[str]:
    """The distinct words of a query, case-insensitively, at most MAX_TERMS."""
    terms: list[str] = []
    for word in query.split():
        if word.casefold() not in {t.casefold() for t in terms}:
            terms.append(word)
    return terms[:MAX_TERMS]


def _any_field(fields, terms) -> Q:
    """Rows where any of `fields` contains any of `terms`; every row without terms."""
    if not terms:
        return Q()
    return reduce(or_, (Q(**{f"{f}__icontains": t}) for f in fields for t in terms))


def _items(kind: str, membership: Membership, filters: Filters) -> models.QuerySet:
    """The rows of one kind the requester may see (and the filters allow)."""
    model, _fields = ITEM_KINDS[kind]
    qs = model.objects.all()
    if kind == "retrospective":
        qs = qs.filter(Q(visibility=MemberLog.Visibility.TEAM) | Q(member=membership))
    if kind == "question" and filters.follow_up:
        qs = qs.filter(needs_follow_up=True)
    return qs


def _matching(kind: str, membership, filters, terms) -> models.QuerySet:
    return _items(kind, membership, filters).filter(_any_field(ITEM_KINDS[kind][1], terms))


def _day_has(term_list, kinds, membership, filters) -> Q:
    """Days where some item of `kinds` (or the title/tags) matches any of `term_list`."""
    parts = []
    for kind in kinds:
        if kind == "title":
            if term_list:  # without words, a title "matches" nothing in particular
                parts.append(_any_field(TITLE_FIELDS, term_list))
        else:
            rows = _matching(kind, membership, filters, term_list).values("day_id")
            parts.append(Q(pk__in=rows))
    return reduce(or_, parts) if parts else Q(pk__in=[])


def _tag_regex(tag: str) -> str:
    # Tags are stored comma-separated ("파이썬, 자료구조"): match one whole tag.
    return r"(^|,)\s*" + re.escape(tag) + r"\s*(,|$)"


def _filtered_days(team, filters: Filters) -> models.QuerySet:
    days = Day.objects.for_team(team)
    if filters.date_from:
        days = days.filter(date__gte=filters.date_from)
    if filters.date_to:
        days = days.filter(date__lte=filters.date_to)
    if filters.tag:
        days = days.filter(tags__iregex=_tag_regex(filters.tag))
    if filters.member is not None:
        m = filters.member
        days = days.filter(
            Q(moderator=m)
            | Q(pk__in=Question.objects.filter(asked_by=m).values("day_id"))
            | Q(pk__in=AssignmentReview.objects.filter(presenters=m).values("day_id"))
        )
    return days


def _relevance(terms, kinds, membership, filters):
    """How many items of a day match (its title counting as one), as one expression."""
    total = Value(0)
    for kind in kinds:
        if kind == "title":
            total += Case(When(_any_field(TITLE_FIELDS, terms), then=1), default=0)
            continue
        rows = (
            _matching(kind, membership, filters, terms)
            .filter(day=OuterRef("pk"))
            .order_by()
            .values("day")
            .annotate(n=Count("pk"))
            .values("n")
        )
        total += Coalesce(Subquery(rows, output_field=IntegerField()), 0)
    return total


def snippet(text: str, pattern: re.Pattern | None) -> SafeString:
    """A window of `text` around its first match, escaped, each match in <mark>."""
    first = pattern.search(text) if pattern else None
    start = max(0, first.start() - SNIPPET_BEFORE) if first else 0
    end = min(len(text), (first.end() if first else 0) + SNIPPET_AFTER)
    window = text[start:end]
    pieces, last = [], 0  # (text before a match, the match): format_html escapes both
    for match in pattern.finditer(window) if pattern else ():
        pieces.append((window[last : match.start()], match.group()))
        last = match.end()
    return format_html(
        "{}{}{}{}",
        "…" if start > 0 else "",
        format_html_join("", "{}<mark>{}</mark>", pieces),
        window[last:],
        "…" if end < len(text) else "",
    )


def _hit(kind: str, label, obj, fields, pattern) -> Hit | None:
    texts = [getattr(obj, f) or "" for f in fields]
    matched = next((t for t in texts if pattern and pattern.search(t)), None)
    if matched is None:
        if pattern:
            return None  # matched in the database by a case rule Python does not share
        matched = next((t for t in texts if t.strip()), "")
    return Hit(kind=kind, label=str(label), snippet=snippet(matched, pattern))


def search(
    team,
    membership: Membership,
    query: str,
    *,
    filters: Filters | None = None,
    sort: str = NEWEST,
    page: int | str | None = 1,
) -> SearchResult:
    """The days of `team` that contain every word of `query`, one page of them.

    Each word may match a different item of the same day. With no words, only the
    follow-up filter lists anything (the open questions), so an empty box is empty.
    """
    filters = filters or Filters()
    terms = split_terms(query)
    if not terms and not filters.follow_up:
        return SearchResult(terms=terms)
    kinds = filters.kinds()
    days = _filtered_days(team, filters)
    for term in terms or [None]:
        days = days.filter(_day_has([term] if term else [], kinds, membership, filters))
    if sort == RELEVANCE:
        days = days.annotate(n_hits=_relevance(terms, kinds, membership, filters)).order_by(
            "-n_hits", "-date"
        )
    else:
        days = days.order_by("-date")
    result = SearchResult(terms=terms)
    result.page = Paginator(days, DAYS_PER_PAGE).get_page(page)
    page_days = list(result.page.object_list)
    for day in page_days:
        day.team = team
    result.days = _hits_for(page_days, terms, kinds, membership, filters)
    return result


def _hits_for(page_days, terms, kinds, membership, filters) -> list[DayResult]:
    """Each day of the page with its matching items: one query per kind."""
    pattern = re.compile("|".join(map(re.escape, terms)), re.IGNORECASE) if terms else None
    by_day = {day.pk: DayResult(day=day, hits=[]) for day in page_days}
    if "title" in kinds:
        for day in page_days:
            hit = _hit("title", _("Title and tags"), day, TITLE_FIELDS, pattern)
            if hit is not None:
                by_day[day.pk].hits.append(hit)
    for kind in kinds:
        if kind == "title" or not page_days:
            continue
        model, fields = ITEM_KINDS[kind]
        rows = _matching(kind, membership, filters, terms).filter(day_id__in=list(by_day))
        if kind == "retrospective":
            rows = rows.select_related("member").order_by("member__display_name")
        for obj in rows:
            label = model._meta.verbose_name
            if kind == "retrospective":
                label = f"{label} · {obj.member.display_name}"
            hit = _hit(kind, label, obj, fields, pattern)
            if hit is not None:
                by_day[obj.day_id].hits.append(hit)
    return list(by_day.values())
