"""The one registry of the kinds of item a day holds: each kind is declared here once.

Everything that treats kinds alike reads this: the editor (form, template, labels),
who may change it (`moderated`), follow-ups (`followed_up`), the search documents and
the search form (`searched`, `search_label`), the team backup (`backup_key`,
`backed_up`, `member_refs`) and history. Adding a kind is one `Kind(...)` below, plus its
model, its form and its `peer/items/_<slug>.html` template (README, Development).

The editor lists kinds in the order declared here; search lists them by `search_rank`
(questions first: they are what people look for).
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from .models import ActionItem, AssignmentReview, FreeSection, Question, Suggestion
from .models.base import DayItem


@dataclass(frozen=True)
class Kind:
    slug: str  # in URLs, templates, revisions and search scopes; the model's `kind`
    model: type[DayItem]
    form_path: str  # dotted path: domain modules read the registry without importing forms
    label: Promise  # the editor's and the record's heading
    add_label: Promise
    search_label: Promise  # the search form's name for it
    search_rank: int  # where search lists it
    search_key: str  # one letter, unique among scopes: its search pieces' prefix (search_index)
    related: str  # Day's reverse accessor, e.g. "questions"
    searched: tuple[str, ...]  # fields copied into the search documents, lead text first
    backup_key: str  # its list in a team backup
    backed_up: tuple[str, ...]  # fields a team backup carries
    member_refs: tuple[str, ...] = ()  # members it names (backup by name; joined for display)
    prefetch: tuple[str, ...] = ()  # what its template reads besides its row
    moderated: bool = False  # only the day's moderator or an admin changes it
    followed_up: bool = False  # stays open until resolved (models.base.Resolvable)
    # Fields that a day's record shows only in the item's own fragment: an edit of
    # nothing else patches the cached records instead of retiring them (page_patch.py).
    # Not the follow-up state (it moves an item onto or off later days' records), nor a
    # section's heading (the record's contents list it).
    patchable: tuple[str, ...] = ()

    @property
    def form(self) -> type:
        return import_string(self.form_path)

    @property
    def template(self) -> str:
        return f"peer/items/_{self.slug}.html"

    def queryset(self, day):
        return self.model.objects.filter(day=day).prefetch_related(*self.prefetch)


_FORMS = "sessions.forms.items."

KINDS: dict[str, Kind] = {
    kind.slug: kind
    for kind in [
        Kind(
            "suggestion",
            Suggestion,
            _FORMS + "SuggestionForm",
            _("Suggestions"),
            _("Add a suggestion"),
            search_label=_("Suggestions"),
            search_rank=2,
            search_key="s",
            related="suggestions",
            searched=("proposal", "discussion", "outcome"),
            backup_key="suggestions",
            backed_up=("position", "proposal", "discussion", "outcome", "status"),
            patchable=("proposal", "discussion", "outcome", "status"),
        ),
        Kind(
            "review",
            AssignmentReview,
            _FORMS + "ReviewForm",
            _("Assignment reviews"),
            _("Add a review"),
            search_label=_("Reviews"),
            search_rank=3,
            search_key="r",
            related="assignmentreviews",
            searched=("assignment", "topic", "notes"),
            backup_key="reviews",
            backed_up=("position", "assignment", "topic", "notes"),
            prefetch=("presenters",),
            moderated=True,
            patchable=("assignment", "topic", "notes", "presenters"),
        ),
        Kind(
            "question",
            Question,
            _FORMS + "QuestionForm",
            _("Questions"),
            _("Add a question"),
            search_label=_("Questions"),
            search_rank=1,
            search_key="q",
            related="questions",
            searched=("question", "answer", "resolution"),
            backup_key="questions",
            backed_up=(
                "position",
                "question",
                "answer",
                "links",
                "needs_follow_up",
                "for_mentor",
                "resolution",
                "resolved_at",
            ),
            member_refs=("asked_by", "answered_by", "resolved_by"),
            prefetch=("asked_by", "answered_by", "resolved_by"),
            followed_up=True,
            patchable=("question", "answer", "links", "asked_by", "answered_by"),
        ),
        Kind(
            "action",
            ActionItem,
            _FORMS + "ActionItemForm",
            _("Action items"),
            _("Add an action item"),
            search_label=_("Action items"),
            search_rank=5,
            search_key="c",
            related="actionitems",
            searched=("text", "resolution"),
            backup_key="actions",
            backed_up=("position", "text", "due_date", "resolution", "resolved_at"),
            member_refs=("owner", "resolved_by"),
            prefetch=("owner", "resolved_by"),
            followed_up=True,
            patchable=("text", "owner", "due_date"),
        ),
        Kind(
            "section",
            FreeSection,
            _FORMS + "SectionForm",
            _("Other topics"),
            _("Add a section"),
            search_label=_("Sections"),
            search_rank=4,
            search_key="x",
            related="freesections",
            searched=("heading", "body"),
            backup_key="sections",
            backed_up=("position", "heading", "body", "level", "needs_review"),
            patchable=("body",),
        ),
    ]
}

MODERATED = frozenset(slug for slug, kind in KINDS.items() if kind.moderated)
FOLLOWED_UP = {slug: kind for slug, kind in KINDS.items() if kind.followed_up}
# The kinds whose text the search documents hold (each its own scope), in search's order.
SEARCHED = {kind.slug: kind for kind in sorted(KINDS.values(), key=lambda kind: kind.search_rank)}


def of_model(model: type) -> Kind:
    """The kind whose model is `model` (an item's class)."""
    return KINDS[model.kind]
