"""One small form per kind of day item."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext as _

from ..links import validate_links
from ..models import (
    ActionItem,
    AssignmentReview,
    FreeSection,
    Question,
    Suggestion,
)
from .base import MembersField, VersionedForm


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
    """A review's form. Saved through reviewers.save_review, which refuses presenters
    who already present another review of the day (see `double_booked`)."""

    markdown = ("notes",)
    members = ("presenters",)

    class Meta:
        model = AssignmentReview
        fields = ["assignment", "topic", "presenters", "notes"]
        field_classes = {"presenters": MembersField}
        widgets = {"presenters": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only participants present a review: not observers, not inactive members. Those
        # already presenting this review stay choosable, so it can be saved as it is.
        field = self.fields["presenters"]
        field.queryset = self.team.memberships.participants()
        if self.instance.pk:
            field.queryset = self.team.memberships.filter(
                Q(pk__in=field.queryset.values("pk"))
                | Q(pk__in=self.instance.presenters.values("pk"))
            )
        field.error_messages["invalid_choice"] = _(
            "Only active members who take part in the sessions can present a review "
            "(not observers or inactive members)."
        )

    def double_booked(self, member) -> None:
        self.add_error("presenters", double_booked_message(member))


def double_booked_message(member) -> str:
    return _("%(name)s already presents another review this day.") % {"name": member}


class PresenterChoice(forms.ModelChoiceField):
    """A participant, marked when they are away that day."""

    def __init__(self, *args, away: dict[int, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.away = away

    def label_from_instance(self, obj) -> str:
        status = self.away.get(obj.pk)
        return f"{obj} ({status})" if status else str(obj)


class AssignPresentersForm(forms.Form):
    """The moderator's plan: a presenter, or nobody, for each review still without one.

    Each review's field starts at the suggested presenter; a hidden field carries the
    version of the review the moderator saw.
    """

    def __init__(self, data=None, *, reviews, people, proposal, away, allow_doubles: bool):
        super().__init__(data)
        self.reviews = list(reviews)
        self.allow_doubles = allow_doubles
        for review in self.reviews:
            self.fields[f"review-{review.pk}"] = PresenterChoice(
                queryset=people,
                required=False,
                away=away,
                label=str(review),
                empty_label=_("— nobody —"),
                initial=proposal[review.pk].pk if review.pk in proposal else None,
            )
            self.fields[f"version-{review.pk}"] = forms.IntegerField(
                widget=forms.HiddenInput, initial=review.version, min_value=0
            )

    def rows(self) -> list[tuple]:
        """(review, its presenter field, its version field), in the reviews' order."""
        return [
            (review, self[f"review-{review.pk}"], self[f"version-{review.pk}"])
            for review in self.reviews
        ]

    def clean(self):
        cleaned = super().clean()
        if self.allow_doubles:
            return cleaned
        seen = set()
        for review in self.reviews:
            name = f"review-{review.pk}"
            member = cleaned.get(name)
            if member is None:
                continue
            if member.pk in seen:
                self.add_error(
                    name, _("%(name)s is already picked for another review.") % {"name": member}
                )
            seen.add(member.pk)
        return cleaned

    def assignments(self) -> dict[int, list]:
        """Review pk → its presenters (only the reviews given someone)."""
        return {
            review.pk: [member]
            for review in self.reviews
            if (member := self.cleaned_data.get(f"review-{review.pk}")) is not None
        }

    def versions(self) -> dict[int, int]:
        return {review.pk: self.cleaned_data[f"version-{review.pk}"] for review in self.reviews}

    def double_booked(self, member) -> None:
        """Show the refusal beside every review the member was picked for."""
        for review in self.reviews:
            name = f"review-{review.pk}"
            picked = self.cleaned_data.get(name)
            if picked is not None and picked.pk == member.pk:
                self.add_error(name, double_booked_message(member))


class QuestionForm(VersionedForm):
    markdown = ("answer",)
    members = ("asked_by", "answered_by")

    class Meta:
        model = Question
        fields = [
            "question",
            "asked_by",
            "answer",
            "answered_by",
            "links",
            "needs_follow_up",
            "for_mentor",
        ]
        widgets = {
            "question": forms.Textarea(attrs={"rows": 2}),
            "links": forms.Textarea(attrs={"rows": 2}),
        }

    def clean_links(self):
        links = self.cleaned_data["links"]
        validate_links(links)
        return links


class ActionItemForm(VersionedForm):
    """An action item: what, who (a member of the team) and by when. It is resolved on
    the follow-ups list, not here, so the resolution fields are not part of it."""

    members = ("owner",)

    class Meta:
        model = ActionItem
        fields = ["text", "owner", "due_date"]
        widgets = {"due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class SectionForm(VersionedForm):
    markdown = ("body",)

    class Meta:
        model = FreeSection
        fields = ["heading", "body"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["heading"].required = True  # blank only as an imported `## ` left it
