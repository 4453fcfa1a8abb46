"""The search page's form: the words, the filters and the order, all from the query string."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..search import KIND_CHOICES, NEWEST, RELEVANCE, Filters
from ..search.criteria import plain_tag
from .base import DateRangeForm


class SearchForm(DateRangeForm):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("Everything")), *KIND_CHOICES]
    )
    tag = forms.CharField(label=_("Tag"), required=False, max_length=60)
    member = forms.ModelChoiceField(
        label=_("Member"),
        required=False,
        queryset=None,
        empty_label=_("Anyone"),
        help_text=_("Days they asked in, presented in or moderated."),
    )
    follow_up = forms.BooleanField(label=_("Open follow-ups only"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[(NEWEST, _("Newest first")), (RELEVANCE, _("Most matches first"))],
    )

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = team.memberships.all()

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(
            kind=data["kind"],
            date_from=data["from"],
            date_to=data["to"],
            tag=plain_tag(data["tag"]),
            member=data["member"],
            follow_up=data["follow_up"],
        )

    def ordering(self) -> str:
        return self.cleaned_data["sort"] or NEWEST


def filters_in_use(form) -> bool:
    """Whether the search narrows by anything besides its words (the filters start open)."""
    data = form.data if form.is_bound else {}
    return any(data.get(name) for name in form.fields if name not in ("q", "sort", "page"))
