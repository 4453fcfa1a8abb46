"""What a search asks for: its words, the kinds of item it lists, its filters and order."""

import datetime
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from ..kinds import SEARCHED
from ..korean import Word, parts
from ..models import Comment, MemberLog, Membership, SearchDoc
from ..search_index import COMMENT_FIELDS, FIELDS, fold

MAX_TERMS = 8  # more words than this are dropped: each one adds a clause to the query

# The kinds of item whose matches a day's results list, in order, with their fields:
# what the search documents hold (the registry's kinds, kinds.SEARCHED), and
# members' logs (retrospectives, and the 학습 내용 notes searched with them), and the
# comments.
ITEM_KINDS: dict[str, tuple[type[models.Model], tuple[str, ...]]] = {
    **{str(scope): spec for scope, spec in FIELDS.items()},
    "retrospective": (MemberLog, ("retrospective", "study_notes")),
    "comment": (Comment, COMMENT_FIELDS),
}
KIND_CHOICES = [
    ("title", _("Title and tags")),
    *((slug, kind.search_label) for slug, kind in SEARCHED.items()),
    ("retrospective", _("Retrospectives")),
    ("comment", _("Comments")),
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
    def narrows(self) -> bool:
        """Whether any filter is set: then an empty query lists the days it selects."""
        return self != Filters()

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


def split_terms(query: str) -> list[str]:
    """The distinct words of a query, case-insensitively, at most MAX_TERMS. A word's
    leading `#` goes: tags are shown as "#TTA", and "#TTA" finds the tag "TTA"."""
    terms: list[str] = []
    for word in query.split():
        word = word.lstrip("#")
        if word and fold(word) not in {fold(t) for t in terms}:
            terms.append(word)
    return terms[:MAX_TERMS]


def analyzed(terms) -> list[Word]:
    """Each word as search looks for it: its needles and stems (korean.py)."""
    return [parts(fold(term)) for term in terms]


def plain_tag(tag: str) -> str:
    """A tag as it is stored: without the `#` it is shown with."""
    return tag.strip().lstrip("#").strip()
