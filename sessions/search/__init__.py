"""Searching a team's days: which days hold every word, and the items that matched.

A day matches when each word of the query occurs somewhere in it, each perhaps in a
different item. The test runs on the day's search documents (models.SearchDoc, kept
by search_index.py): one case-folded text per day and scope, so it is one row's test
whatever the filters, and a page asks for the newest ten such rows.

Matching is by substring, which is what makes Korean work as people type it: "초기화"
finds "초기화를", and "xavier" finds "Xavier" (both sides are case-folded). A Korean
word is first split by a morphological analyzer (sessions/korean.py): "기울기가" looks
for "기울기", and "보였다" for the stem 보이 among each document's stems.
- On PostgreSQL, a GIN full-text index holds each document's two-character pieces
  (`grams`). A word is looked up by its pieces, and a word of three characters or
  more is then confirmed in the text with strpos(): see queries._word_sql, and
  migration 0008 for why this and not a trigram index.
- SQLite, the embedded default, runs LIKE over the team's documents.

A page costs a fixed number of queries whatever the data: on PostgreSQL the matches
among the newest PROBE documents (which answer the first pages when the words are
common); if those are few, the matches by the index (at most COUNT_CAP + 1) and the
newest page of them when there are more; then the days, and one UNION of every kind
of item on those days for the snippets.

This module is search() and its paging; criteria.py is what a search asks for (words,
kinds, filters, order), queries.py the SQL for each database, results.py what a page
holds and each day's matching items, snippets.py their escaped, highlighted HTML, and
plain.py the text of their markdown.
Callers import from here.
"""

from django.db import connection

from ..models import Day, Membership, SearchDoc
from ..search_index import TITLE_FIELDS, piece_key
from . import queries
from .criteria import ITEM_KINDS, KIND_CHOICES, MAX_TERMS, NEWEST, RELEVANCE, Filters, split_terms
from .results import HITS_PER_KIND, DayResult, Hit, ResultPage, SearchResult, day_results
from .snippets import SNIPPET_AFTER, SNIPPET_BEFORE, snippet

__all__ = [
    "COUNT_CAP",
    "DAYS_PER_PAGE",
    "HITS_PER_KIND",
    "ITEM_KINDS",
    "KIND_CHOICES",
    "MAX_TERMS",
    "NEWEST",
    "PROBE",
    "RELEVANCE",
    "SNIPPET_AFTER",
    "SNIPPET_BEFORE",
    "DayResult",
    "Filters",
    "Hit",
    "ResultPage",
    "SearchResult",
    "search",
    "snippet",
    "split_terms",
]

# The paging limits live here, in the module whose functions read them, so that setting
# them on the package (as tests do, to page through a handful of days) takes effect.

# A day lists up to HITS_PER_KIND items of each kind: ten days fill a phone screen many times.
DAYS_PER_PAGE = 10
COUNT_CAP = 50  # beyond this the page says "more than 50 days", and stops counting
PROBE = 200  # the newest documents read in date order before the words' index is asked


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

    Each word may match a different item of the same day, and a Korean word matches
    with any particle or ending (korean.py). With no words, the filters alone select
    the days, newest first; with no filter either, an empty box finds nothing.

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
    if not terms and not filters.narrows:
        return SearchResult(terms=terms)
    number = _page_number(page)
    relevance = sort == RELEVANCE and bool(terms)
    docs, key = queries.scoped_docs(team, membership, filters), piece_key(team.pk, filters.scope)
    newest = []  # (day id, score): the newest matches, when the words are common
    if connection.vendor == "postgresql":
        newest = queries.newest(docs, key, terms, 0, COUNT_CAP + 1, scored=relevance, within=PROBE)
    matches = None
    if len(newest) <= COUNT_CAP:
        matches = queries.first_matches(docs, key, terms, COUNT_CAP + 1)
    result = SearchResult(terms=terms)
    if matches is not None and len(matches) <= COUNT_CAP:
        ids, result.page = _counted_page(matches, terms, number, relevance)
        result.count = len(matches)
    else:
        ids, result.page = _capped_page(docs, key, terms, number, relevance, newest)
        result.count, result.count_capped = COUNT_CAP, True
    # What a result shows of its day: the link, the number and the title (the title
    # and tags are searched too).
    days = Day.objects.filter(pk__in=ids).only(
        "team_id", "date", "number", "closed_at", "version", *TITLE_FIELDS
    )  # the API's results also say whether each day is closed, and its version
    by_id = {day.pk: day for day in days.order_by()}
    page_days = [by_id[pk] for pk in ids if pk in by_id]
    for day in page_days:
        day.team = team
    result.days = day_results(page_days, terms, filters.kinds(), membership, filters)
    return result


def _counted_page(matches, terms, number: int, relevance: bool) -> tuple[list[int], ResultPage]:
    """The day ids of one page of all the matches (at most COUNT_CAP), and the page."""
    if relevance:
        found = SearchDoc.objects.filter(pk__in=[pk for pk, _day, _date in matches])
        found = found.annotate(score=queries.occurrences(terms)).order_by("-score", "-date")
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
            newest = queries.newest(docs, key, terms, 0, COUNT_CAP, scored=True)
        # sorted() is stable: newest first among equal scores.
        rows = sorted(newest[:COUNT_CAP], key=lambda row: -row[1])
        rows = rows[start : start + DAYS_PER_PAGE + 1]
    elif start + DAYS_PER_PAGE < len(newest):
        rows = newest[start : start + DAYS_PER_PAGE + 1]
    else:
        rows = queries.newest(docs, key, terms, start, DAYS_PER_PAGE + 1)
    ids = [day_id for day_id, _score in rows]
    return ids[:DAYS_PER_PAGE], ResultPage(number, len(ids) > DAYS_PER_PAGE, None)


def _page_number(page) -> int:
    try:
        return max(1, int(page or 1))
    except (TypeError, ValueError):
        return 1
