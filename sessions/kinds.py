"""The kinds of item a day holds, and what each needs for editing and display."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .forms.items import ActionItemForm, QuestionForm, ReviewForm, SectionForm, SuggestionForm
from .models import ActionItem, AssignmentReview, FreeSection, Question, Suggestion


@dataclass(frozen=True)
class Kind:
    slug: str
    model: type
    form: type
    label: Promise
    add_label: Promise
    related: str  # Day's reverse accessor, e.g. "questions"
    prefetch: tuple[str, ...] = ()

    @property
    def template(self) -> str:
        return f"peer/items/_{self.slug}.html"

    def queryset(self, day):
        return self.model.objects.filter(day=day).prefetch_related(*self.prefetch)


KINDS = {
    kind.slug: kind
    for kind in [
        Kind(
            "suggestion", Suggestion, SuggestionForm, _("Suggestions"), _("Add a suggestion"),
            "suggestions",
        ),
        Kind(
            "review", AssignmentReview, ReviewForm, _("Assignment reviews"), _("Add a review"),
            "assignmentreviews", prefetch=("presenters",),
        ),
        Kind(
            "question", Question, QuestionForm, _("Questions"), _("Add a question"),
            "questions", prefetch=("asked_by", "answered_by", "resolved_by"),
        ),
        Kind(
            "action", ActionItem, ActionItemForm, _("Action items"), _("Add an action item"),
            "actionitems", prefetch=("owner", "resolved_by"),
        ),
        Kind(
            "section", FreeSection, SectionForm, _("Other topics"), _("Add a section"),
            "freesections",
        ),
    ]
}  # fmt: skip
