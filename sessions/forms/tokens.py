"""The form that makes a personal access token for the HTTP API."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import ApiToken, Team
from .base import CheckedInputMixin


class TokenForm(CheckedInputMixin, forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["name", "scope", "team"]
        labels = {"team": _("Only this team")}
        help_texts = {
            "name": _("What it is for, e.g. “chat bot”."),
            "team": _("Leave empty for every team you are in."),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.user = user
        # Only the teams the account is in: another team's id is an invalid choice.
        self.fields["team"].queryset = Team.objects.filter(
            memberships__user=user, memberships__is_active=True
        ).order_by("name")
        self.fields["scope"].widget = forms.RadioSelect(choices=ApiToken.Scope.choices)
