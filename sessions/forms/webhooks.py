"""The form of a team's event webhook: where to, and which events."""

from django import forms
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from .. import outbound
from ..models import WebhookSubscription
from ..models.webhooks import Event
from .base import CheckedInputMixin


class WebhookForm(CheckedInputMixin, forms.ModelForm):
    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        validators=[URLValidator(schemes=["http", "https"])],
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=Event.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one event.")},
    )

    class Meta:
        model = WebhookSubscription
        fields = ["url", "events", "is_active"]

    def clean_url(self):
        """As the reminder webhook's: an address sending would always refuse (on a
        private or local network) is refused here, beside the field."""
        url = self.cleaned_data["url"]
        if "url" in self.changed_data and outbound.not_public(url):
            raise forms.ValidationError(
                _("Webhooks can only be sent to a public address; this one is on a "
                  "private or local network."),
                code="not_public",
            )  # fmt: skip
        return url
