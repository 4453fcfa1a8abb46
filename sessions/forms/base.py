"""Form pieces shared by every editable part of a team."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .widgets import markdown_fields


class TeamScopedForm(forms.ModelForm):
    """A ModelForm bound to a team: member pickers only offer the team's members
    (an id from another team is an invalid choice), markdown fields get the
    team's editor. Django's CharField already refuses NUL bytes."""

    markdown: tuple[str, ...] = ()  # fields edited with the markdown editor
    members: tuple[str, ...] = ()  # fields that pick members of the team

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.team = team
        markdown_fields(self, team, *self.markdown)
        for name in self.members:
            self.fields[name].queryset = team.memberships.all()


class VersionedForm(TeamScopedForm):
    """Carries the row's version, for the optimistic check in services."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["version"] = self.instance.version if self.instance.pk else 0

    @property
    def expected_version(self) -> int:
        return self.cleaned_data.get("version") or 0


DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DateRangeForm(forms.Form):
    """Optional ?from=&to= dates after the subclass's own fields; the start may not come
    after the end. ("from" is a Python keyword, so the fields are added by name.)"""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from"] = forms.DateField(label=_("From"), required=False, widget=DATE_INPUT)
        self.fields["to"] = forms.DateField(label=_("To"), required=False, widget=DATE_INPUT)

    def clean(self):
        data = super().clean()
        start, end = data.get("from"), data.get("to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data
