"""What a page of search results holds, and each of its days' matching items."""

import re
from dataclasses import dataclass, field

from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from ..models import Day
from ..search_index import TITLE_FIELDS
from . import queries
from .criteria import ITEM_KINDS
from .snippets import snippet

HITS_PER_KIND = 3  # matching items of one kind listed under a day


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
    rows = queries.item_rows(item_kinds, membership, filters, list(by_day))
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


def _hit(kind: str, label: str, texts, pattern) -> Hit | None:
    texts = [t or "" for t in texts]
    matched = next((t for t in texts if pattern and pattern.search(t)), None)
    if matched is None:
        if pattern:
            return None  # another item of the day holds the words
        matched = next((t for t in texts if t.strip()), "")
    return Hit(kind=kind, label=label, snippet=snippet(matched, pattern))
