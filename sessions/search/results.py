"""What a page of search results holds, and each of its days' matching items."""

import re
from dataclasses import dataclass, field

from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from ..models import Day
from ..search_index import TITLE_FIELDS
from . import queries
from .criteria import ITEM_KINDS, analyzed
from .plain import plain_around
from .snippets import snippet

HITS_PER_KIND = 3  # matching items of one kind listed under a day
# With no words (a filter alone), a day lists the first item of each kind, a sample of
# what it holds; the open follow-ups filter lists them as it does with words.
HITS_PER_KIND_UNSEARCHED = 1


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


def day_results(page_days, terms, kinds, membership, filters) -> list[DayResult]:
    """Each day of the page with its matching items: one query, a UNION of every kind."""
    pattern = highlight(terms)
    per_kind = HITS_PER_KIND if pattern or filters.follow_up else HITS_PER_KIND_UNSEARCHED
    by_day = {day.pk: DayResult(day=day, hits=[]) for day in page_days}
    if "title" in kinds and pattern:  # with no words, the day's heading shows its title
        for day in page_days:
            texts = [getattr(day, f) for f in TITLE_FIELDS]
            hit = _hit("title", str(_("Title and tags")), texts, pattern)
            if hit is not None:
                by_day[day.pk].hits.append(hit)
    item_kinds = [kind for kind in kinds if kind != "title"]
    if not page_days or not item_kinds:
        return list(by_day.values())
    rows = queries.item_rows(item_kinds, membership, filters, list(by_day))
    order = {kind: n for n, kind in enumerate(item_kinds)}
    labels = {kind: str(ITEM_KINDS[kind][0]._meta.verbose_name) for kind in item_kinds}
    shown: dict[tuple[int, str], int] = {}
    for kind, day_id, who, _position, *texts in sorted(
        rows, key=lambda r: (order[r[0]], r[1], r[2], r[3])
    ):
        # The first few of each kind: a common word would list every item otherwise.
        if shown.get((day_id, kind), 0) >= per_kind:
            continue
        label = f"{labels[kind]} · {who}" if who else labels[kind]
        hit = _hit(kind, label, texts, pattern)
        if hit is not None:
            shown[day_id, kind] = shown.get((day_id, kind), 0) + 1
            by_day[day_id].hits.append(hit)
    return list(by_day.values())


def highlight(terms) -> re.Pattern | None:
    """What a snippet marks: each word as typed, its needles (the noun of "기울기가"), and
    its stems where a word starts with one ("보이" in "보이는"; not in "보였다", whose
    surface changed: that item is listed when another of its words shows)."""
    if not terms:
        return None
    marks: dict[str, int] = {}  # regex: how many letters it marks
    for word in analyzed(terms):
        for literal in (word.text, *word.needles):
            marks[re.escape(literal)] = len(literal)
        marks.update({r"(?<!\w)" + re.escape(stem): len(stem) for stem in word.stems})
    # Longest first: "기울기가" is marked whole where it stands, "기울기" elsewhere.
    ordered = sorted(marks, key=lambda regex: -marks[regex])
    return re.compile("|".join(ordered), re.IGNORECASE)


def _hit(kind: str, label: str, texts, pattern) -> Hit | None:
    texts = [t or "" for t in texts]
    found = None
    if pattern:
        found = next(((t, m) for t in texts if (m := pattern.search(t))), None)
        if found is None:
            return None  # another item of the day holds the words
    text, match = found or (next((t for t in texts if t.strip()), ""), None)
    return Hit(kind=kind, label=label, snippet=snippet(plain_around(text, match), pattern))
