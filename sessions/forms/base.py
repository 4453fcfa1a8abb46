"""Form pieces shared by every editable part of a team."""

from django import forms

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
