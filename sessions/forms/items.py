"""One small form per kind of day item."""

from django import forms

from ..links import validate_links
from ..models import AssignmentReview, FreeSection, Question, Suggestion
from .base import VersionedForm


class SuggestionForm(VersionedForm):
    markdown = ("outcome",)

    class Meta:
        model = Suggestion
        fields = ["proposal", "discussion", "outcome", "status"]
        widgets = {
            "proposal": forms.Textarea(attrs={"rows": 2}),
            "discussion": forms.Textarea(attrs={"rows": 3}),
        }


class ReviewForm(VersionedForm):
    markdown = ("notes",)
    members = ("presenters",)

    class Meta:
        model = AssignmentReview
        fields = ["assignment", "topic", "presenters", "notes"]
        widgets = {"presenters": forms.CheckboxSelectMultiple}


class QuestionForm(VersionedForm):
    markdown = ("answer",)
    members = ("asked_by", "answered_by")

    class Meta:
        model = Question
        fields = ["question", "asked_by", "answer", "answered_by", "links", "needs_follow_up"]
        widgets = {
            "question": forms.Textarea(attrs={"rows": 2}),
            "links": forms.Textarea(attrs={"rows": 2}),
        }

    def clean_links(self):
        links = self.cleaned_data["links"]
        validate_links(links)
        return links


class SectionForm(VersionedForm):
    markdown = ("body",)

    class Meta:
        model = FreeSection
        fields = ["heading", "body"]
