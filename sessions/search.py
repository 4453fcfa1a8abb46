"""Searching a team's days: which days hold every word, and the items that matched.

A day matches when each word of the query occurs somewhere in it, each perhaps in a
different item. The test runs on the day's search documents (models.SearchDoc, kept
by search_index.py): one case-folded text per day and scope, so it is one row's test
whatever the filters, and a page asks for the newest ten such rows.

Matching is by substring, which is what makes Korean work as people type it: "초기화"
finds "초기화를", and "xavier" finds "Xavier" (both sides are case-folded).
- On PostgreSQL, a GIN full-text index holds each document's two-character pieces
  (`grams`). A word is looked up by its pieces, and a word of three characters or
  more is then confirmed in the text with strpos(): see _word_sql, and migration 0008
  for why this and not a trigram index.
- SQLite, the embedded default, runs LIKE over the team's documents.

A page costs a fixed number of queries whatever the data: on PostgreSQL the matches
among the newest PROBE documents (which answer the first pages when the words are
common); if those are few, the matches by the index (at most COUNT_CAP + 1) and the
newest page of them when there are more; then the days, and one UNION of every kind
of item on those days for the snippets.
"""

import datetime
import re
from dataclasses import dataclass, field
from html import escape

from django.db import connection, models, transaction
from django.db.models import Q, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Length, Replace
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from .models import (
    AssignmentReview,
    Day,
    MemberLog,
    Membership,
    Question,
    SearchDoc,
)
from .search_index import FIELDS, TITLE_FIELDS, fold, piece_key

# A day lists up to HITS_PER_KIND items of each kind: ten days fill a phone screen many times.
DAYS_PER_PAGE = 10
COUNT_CAP = 50  # beyond this the page says "more than 50 days", and stops counting
HITS_PER_KIND = 3  # matching items of one kind listed under a day
MAX_TERMS = 8  # more words than this are dropped: each one adds a clause to the query
PROBE = 200  # the newest documents read in date order before the words' index is asked
SNIPPET_BEFORE, SNIPPET_AFTER = 40, 120

# The kinds of item whose matches a day's results list, in order, with their fields:
# what the search documents hold (search_index.FIELDS), and retrospectives.
ITEM_KINDS: dict[str, tuple[type[models.Model], tuple[str, ...]]] = {
    **{str(scope): spec for scope, spec in FIELDS.items()},
    "retrospective": (MemberLog, ("retrospective",)),
}
KIND_CHOICES = [
    ("title", _("Title and tags")),
    ("question", _("Questions")),
    ("suggestion", _("Suggestions")),
    ("review", _("Reviews")),
    ("section", _("Sections")),
    ("action", _("Action items")),
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
    follow_up: bool = False  # only open follow-ups (questions and action items)

    @property
    def scope(self) -> str:
        if self.follow_up:
            return SearchDoc.Scope.FOLLOW_UP
        return self.kind or SearchDoc.Scope.ALL

    def kinds(self) -> list[str]:
        """The kinds whose matching items a result lists."""
        if self.follow_up:
            return ["question", "action"]
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


@dataclass(frozen=True)
class ResultPage:
    """Which page of results this is; `total` is None when the count was capped."""

    number: int
    has_next: bool
    total: int | None

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


@dataclass
class SearchResult:
    terms: list[str]
    page: ResultPage | None = None
    days: list[DayResult] = field(default_factory=list)
    count: int = 0
    count_capped: bool = False  # more than COUNT_CAP days match; `count` is the cap


def split_terms(query: str) -> list[str]:
    """The distinct words of a query, case-insensitively, at most MAX_TERMS."""
    terms: list[str] = []
    for word in query.split():
        if fold(word) not in {fold(t) for t in terms}:
            terms.append(word)
    return terms[:MAX_TERMS]


def _tsquery(folded: str, key: str) -> str:
    """The document pieces that a word needs: each of its two-character pieces (one of
    them for a two-character word), or for one character, any piece that starts with it;
    each under `key`, the team and scope searched."""
    if len(folded) == 1:
        return _lexeme(key + folded) + ":*"
    pieces = dict.fromkeys(folded[i : i + 2] for i in range(len(folded) - 1))
    return " & ".join(_lexeme(key + piece) for piece in pieces)


def _lexeme(piece: str) -> str:
    return "'" + piece.replace("\\", "\\\\").replace("'", "''") + "'"


def _word_sql(term: str, table: str, key: str) -> tuple[str, list[str]]:
    """PostgreSQL's test that a document of `table` holds `term` (case-folded).

    The full-text index of the documents' two-character pieces finds the documents that
    have all of the word's pieces. For a word of one or two characters that is exact;
    a longer one is then confirmed to be there in one piece by strpos(). The index
    answers exactly (no recheck), so the team and scope tests run before strpos() reads
    any text: only this team's documents of this scope are ever read.
    """
    folded = fold(term)
    sql, params = f"{table}.grams @@ %s::tsquery", [_tsquery(folded, key)]
    if len(folded) > 2:
        sql, params = f"{sql} AND strpos({table}.text, %s) > 0", [*params, folded]
    return sql, params


def _has_words(terms, key: str) -> Q:
    """Documents that hold every word (`key`: the team and scope searched)."""
    q = Q()
    for term in terms:
        if connection.vendor == "postgresql":
            sql, params = _word_sql(term, f'"{SearchDoc._meta.db_table}"', key)
            q &= Q(RawSQL(sql, params, output_field=models.BooleanField()))
        else:
            q &= Q(text__contains=fold(term))
    return q


def _tag_regex(tag: str) -> str:
    # Tags are stored comma-separated ("파이썬, 자료구조"): match one whole tag.
    return r"(^|,)\s*" + re.escape(tag) + r"\s*(,|$)"


def _scoped_docs(team, membership: Membership, filters: Filters):
    """The team's documents of the filters' scope that the requester may read, one per
    day at most, narrowed by the filters but not yet by the words."""
    scope = filters.scope
    mine = SearchDoc.objects.filter(team=team, scope=scope, owner=membership)
    docs = SearchDoc.objects.filter(team=team, scope=scope)
    # A member with a private retrospective that day has their own, fuller, document.
    docs = docs.filter(
        Q(owner=membership) | Q(owner__isnull=True) & ~Q(day_id__in=mine.values("day_id"))
    )
    if filters.date_from:
        docs = docs.filter(date__gte=filters.date_from)
    if filters.date_to:
        docs = docs.filter(date__lte=filters.date_to)
    if filters.tag:
        docs = docs.filter(day__tags__iregex=_tag_regex(filters.tag))
    if filters.member is not None:
        m = filters.member
        docs = docs.filter(
            Q(day__moderator=m)
            | Q(day_id__in=Question.objects.filter(asked_by=m).values("day_id"))
            | Q(day_id__in=AssignmentReview.objects.filter(presenters=m).values("day_id"))
        )
    return docs


def _first_matches(docs, key: str, terms) -> list[tuple[int, int, datetime.date]]:
    """(pk, day id, date) of at most COUNT_CAP + 1 matching documents, in no order.

    On PostgreSQL this is asked of the words' indexes only. Left to itself, the planner
    may read the (team, scope, date) index in order instead, which for a rare word means
    checking every document of the team; SET LOCAL keeps it to bitmap scans for this one
    statement, which stop as soon as enough rows have matched.
    """
    rows = docs.filter(_has_words(terms, key)).values_list("pk", "day_id", "date")
    rows = rows[: COUNT_CAP + 1]
    if connection.vendor != "postgresql":
        return list(rows)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_indexscan = off; SET LOCAL enable_seqscan = off")
        return list(rows)


def _occurrences(terms) -> models.Expression:
    """How often the words occur in a document, all together: the relevance score."""
    total = Value(0)
    for term in terms:
        folded = fold(term)
        total += (Length("text") - Length(Replace("text", Value(folded), Value("")))) / len(folded)
    return total


def snippet(text: str, pattern: re.Pattern | None) -> SafeString:
    """A window of `text` around its first match, escaped, each match in <mark>.

    html.escape is Django's escape() without its lazy-string wrapping: a page of
    results makes a few hundred of these.
    """
    first = pattern.search(text) if pattern else None
    start = max(0, first.start() - SNIPPET_BEFORE) if first else 0
    end = min(len(text), (first.end() if first else 0) + SNIPPET_AFTER)
    window = text[start:end]
    pieces, last = ["…"] if start > 0 else [], 0
    for match in pattern.finditer(window) if pattern else ():
        pieces += [escape(window[last : match.start()]), "<mark>", escape(match.group()), "</mark>"]
        last = match.end()
    pieces.append(escape(window[last:]))
    if end < len(text):
        pieces.append("…")
    return mark_safe("".join(pieces))  # noqa: S308 - every piece of text is escaped above


def _hit(kind: str, label: str, texts, pattern) -> Hit | None:
    texts = [t or "" for t in texts]
    matched = next((t for t in texts if pattern and pattern.search(t)), None)
    if matched is None:
        if pattern:
            return None  # another item of the day holds the words
        matched = next((t for t in texts if t.strip()), "")
    return Hit(kind=kind, label=label, snippet=snippet(matched, pattern))


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
    follow-up filter lists anything (the days with open follow-ups), so an empty box
    is empty.

    The work is bounded both ways. First the newest PROBE documents are read in date
    order, stopping at COUNT_CAP + 1 matches: when the words are common that is where
    it stops, and those matches are already the first pages, newest first, with the
    count "more than COUNT_CAP". Otherwise the words' index finds at most COUNT_CAP + 1
    matching documents, in no order, so that scan stops there too. If that is all of
    them, they are counted and ordered exactly; if not, the documents are read on in
    date order until the page is full. (Asked for all matches in date order at once,
    PostgreSQL's planner misjudges words that occur together and sorts every match; the
    index alone, for a word on every day, reads every day's entry: 10 ms at 10,000
    days, against 1 ms for the probe.) Sorted by relevance, a search with more than
    COUNT_CAP matches ranks the newest COUNT_CAP of them.
    """
    filters = filters or Filters()
    terms = split_terms(query)
    if not terms and not filters.follow_up:
        return SearchResult(terms=terms)
    number = _page_number(page)
    relevance = sort == RELEVANCE and bool(terms)
    docs, key = _scoped_docs(team, membership, filters), piece_key(team.pk, filters.scope)
    newest = []  # (day id, score): the newest matches, when the words are common
    if connection.vendor == "postgresql":
        newest = _newest(docs, key, terms, 0, COUNT_CAP + 1, scored=relevance, within=PROBE)
    matches = _first_matches(docs, key, terms) if len(newest) <= COUNT_CAP else None
    result = SearchResult(terms=terms)
    if matches is not None and len(matches) <= COUNT_CAP:
        ids, result.page = _counted_page(matches, terms, number, relevance)
        result.count = len(matches)
    else:
        ids, result.page = _capped_page(docs, key, terms, number, relevance, newest)
        result.count, result.count_capped = COUNT_CAP, True
    # What a result shows of its day: the link, the number and the title (the title
    # and tags are searched too).
    days = Day.objects.filter(pk__in=ids).only("team_id", "date", "number", *TITLE_FIELDS)
    by_id = {day.pk: day for day in days.order_by()}
    page_days = [by_id[pk] for pk in ids if pk in by_id]
    for day in page_days:
        day.team = team
    result.days = _hits_for(page_days, terms, filters.kinds(), membership, filters)
    return result


def _counted_page(matches, terms, number: int, relevance: bool) -> tuple[list[int], ResultPage]:
    """The day ids of one page of all the matches (at most COUNT_CAP), and the page."""
    if relevance:
        found = SearchDoc.objects.filter(pk__in=[pk for pk, _day, _date in matches])
        found = found.annotate(score=_occurrences(terms)).order_by("-score", "-date")
        day_ids = list(found.values_list("day_id", flat=True))
    else:
        day_ids = [day for _pk, day, _date in sorted(matches, key=lambda m: m[2], reverse=True)]
    last_page = max(1, -(-len(day_ids) // DAYS_PER_PAGE))
    number = min(number, last_page)
    start = (number - 1) * DAYS_PER_PAGE
    page = ResultPage(number, start + DAYS_PER_PAGE < len(day_ids), last_page)
    return day_ids[start : start + DAYS_PER_PAGE], page


def _capped_page(docs, key, terms, number, relevance, newest) -> tuple[list[int], ResultPage]:
    """The day ids of one page when more than COUNT_CAP documents match, and the page;
    `newest` holds the probe's matches, which serve the first pages when it found enough."""
    start = (number - 1) * DAYS_PER_PAGE
    if relevance:
        if len(newest) <= COUNT_CAP:
            newest = _newest(docs, key, terms, 0, COUNT_CAP, scored=True)
        # sorted() is stable: newest first among equal scores.
        rows = sorted(newest[:COUNT_CAP], key=lambda row: -row[1])
        rows = rows[start : start + DAYS_PER_PAGE + 1]
    elif start + DAYS_PER_PAGE < len(newest):
        rows = newest[start : start + DAYS_PER_PAGE + 1]
    else:
        rows = _newest(docs, key, terms, start, DAYS_PER_PAGE + 1)
    ids = [day_id for day_id, _score in rows]
    return ids[:DAYS_PER_PAGE], ResultPage(number, len(ids) > DAYS_PER_PAGE, None)


def _page_number(page) -> int:
    try:
        return max(1, int(page or 1))
    except (TypeError, ValueError):
        return 1


def _newest(docs, key: str, terms, offset, limit, *, scored=False, within=None):
    """(day id, score) of matching documents (of `docs`, the scoped documents), newest
    first, reading them in date order and stopping as soon as `limit` after `offset`
    have matched, or (`within`) after reading that many documents. On PostgreSQL."""
    docs = docs.order_by("-date")
    if connection.vendor != "postgresql":
        docs = docs.filter(_has_words(terms, ""))
        if scored:
            rows = docs.annotate(score=_occurrences(terms)).values_list("day_id", "score")
        else:
            rows = docs.annotate(score=Value(0)).values_list("day_id", "score")
        return list(rows[offset : offset + limit])
    inner, inner_params = docs.values("day_id", "date", "text", "grams").query.sql_with_params()
    # LIMIT (or OFFSET 0) keeps the subquery in date order as written: the planner can't
    # fold the words into it and go through their index instead.
    window, window_params = ("LIMIT %s", [within]) if within else ("OFFSET 0", [])
    where, params = [], []
    for term in terms:
        sql, term_params = _word_sql(term, "d", key)
        where.append(sql)
        params.extend(term_params)
    score, score_params = "0", []
    if scored:
        pieces = []
        for term in terms:
            pieces.append("(length(d.text) - length(replace(d.text, %s, ''))) / length(%s)")
            score_params.extend([fold(term), fold(term)])
        score = " + ".join(pieces)
    sql = (
        f"SELECT d.day_id, {score} FROM ({inner} {window}) d "
        f"WHERE {' AND '.join(where) or 'TRUE'} ORDER BY d.date DESC LIMIT %s OFFSET %s"
    )
    # Only the (team, scope, date) index in order. The planner multiplies the odds of a
    # word's pieces as if they were independent, so for a long word ("softmax": six
    # pieces) it expects almost no match and would rather read and sort every document
    # of the team (50 ms at 10,000 days) than walk the index and stop at the page (1 ms).
    # It is asked here for a bounded number of documents, or when the words are common.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; "
            "SET LOCAL enable_sort = off"
        )
        cursor.execute(sql, [*score_params, *inner_params, *window_params, *params, limit, offset])
        return cursor.fetchall()


def _hits_for(page_days, terms, kinds, membership, filters) -> list[DayResult]:
    """Each day of the page with its matching items: one query per kind."""
    pattern = re.compile("|".join(map(re.escape, terms)), re.IGNORECASE) if terms else None
    by_day = {day.pk: DayResult(day=day, hits=[]) for day in page_days}
    if "title" in kinds:
        for day in page_days:
            texts = [getattr(day, f) for f in TITLE_FIELDS]
            hit = _hit("title", str(_("Title and tags")), texts, pattern)
            if hit is not None:
                by_day[day.pk].hits.append(hit)
    item_kinds = [kind for kind in kinds if kind != "title"]
    if not page_days or not item_kinds:
        return list(by_day.values())
    parts = [_hit_rows(kind, membership, filters, list(by_day)) for kind in item_kinds]
    with connection.cursor() as cursor:
        cursor.execute(
            " UNION ALL ".join(sql for sql, _params in parts),
            [param for _sql, params in parts for param in params],
        )
        rows = cursor.fetchall()
    order = {kind: n for n, kind in enumerate(item_kinds)}
    labels = {kind: str(ITEM_KINDS[kind][0]._meta.verbose_name) for kind in item_kinds}
    shown: dict[tuple[int, str], int] = {}
    for kind, day_id, who, _position, *texts in sorted(
        rows, key=lambda r: (order[r[0]], r[1], r[2], r[3])
    ):
        # The first few of each kind: a common word would list every item otherwise.
        if shown.get((day_id, kind), 0) >= HITS_PER_KIND:
            continue
        label = f"{labels[kind]} · {who}" if who else labels[kind]
        hit = _hit(kind, label, texts, pattern)
        if hit is not None:
            shown[day_id, kind] = shown.get((day_id, kind), 0) + 1
            by_day[day_id].hits.append(hit)
    return list(by_day.values())


def _hit_rows(kind, membership, filters, day_ids) -> tuple[str, list]:
    """SQL for (kind, day id, who, position, text, text, text) of one kind's items on
    these days: the same columns for every kind, so that one UNION fetches them all.

    Which of them hold the words is for _hit to say: a page's ten days hold a few
    hundred items, and Python's regex over them is faster than the database's
    case-insensitive LIKE. Written as SQL because building six ORM querysets for one
    UNION costs more than running it.
    """
    model, fields = ITEM_KINDS[kind]
    table = model._meta.db_table
    texts = [f"{table}.{f}" for f in fields] + ["''"] * (3 - len(fields))
    where, params = [f"{table}.day_id IN ({', '.join(['%s'] * len(day_ids))})"], [*day_ids]
    who, position, join = "''", f"{table}.position", ""
    if kind == "retrospective":
        members = Membership._meta.db_table
        who, position = f"{members}.display_name", "0"
        join = f" JOIN {members} ON {members}.id = {table}.member_id"
        where.append(f"({table}.visibility = %s OR {table}.member_id = %s)")
        params += [MemberLog.Visibility.TEAM, membership.pk]
    if filters.follow_up and kind in ("question", "action"):
        where.append(f"{table}.resolved_at IS NULL")
        if kind == "question":
            where.append(f"{table}.needs_follow_up")
    sql = (
        f"SELECT %s, {table}.day_id, {who}, {position}, {', '.join(texts)} "
        f"FROM {table}{join} WHERE {' AND '.join(where)}"
    )
    return sql, [kind, *params]
