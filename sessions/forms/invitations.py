"""Forms for the ways into a team: one-time invitations, the join link, e-mailed invitations."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .. import schedule
from ..invitations import MAX_ADDRESSES, invalid_addresses, split_addresses
from ..models import Invitation, Membership, Team
from .accounts import clean_team_name
from .base import CheckedInputMixin

# What a link anyone can pass on may make of its holder: never an admin.
JOIN_ROLES = [
    (Membership.Role.MEMBER, Membership.Role.MEMBER.label),
    (Membership.Role.OBSERVER, Membership.Role.OBSERVER.label),
]


class InvitationForm(forms.ModelForm):
    class Meta:
        model = Invitation
        fields = ["role", "member"]

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = team.memberships.filter(user__isnull=True)
        self.fields["member"].required = False


class AcceptInvitationForm(CheckedInputMixin, forms.Form):
    display_name = forms.CharField(label=_("Your name in the team"), max_length=40)


class JoinForm(AcceptInvitationForm):
    """The name someone joining through the team's link will have: unique in the team."""

    def __init__(self, *args, team: Team, **kwargs):
        super().__init__(*args, **kwargs)
        self.team = team

    def clean_display_name(self):
        return clean_team_name(self.cleaned_data["display_name"], team_id=self.team.pk)


class JoinLinkForm(CheckedInputMixin, forms.Form):
    role = forms.ChoiceField(label=_("Joins as"), choices=JOIN_ROLES)
    expires_on = forms.DateField(
        label=_("Works until (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The link stops working after this day. Leave empty to keep it until revoked."),
    )

    def __init__(self, *args, team: Team, **kwargs):
        super().__init__(*args, **kwargs)
        self.team = team

    def clean_expires_on(self):
        day = self.cleaned_data["expires_on"]
        if day is not None and day < schedule.local_today(self.team):
            raise forms.ValidationError(_("Choose today or a later day."))
        return day

    @property
    def expires_at(self) -> datetime.datetime | None:
        """The end of the chosen day in the team's time zone."""
        day = self.cleaned_data["expires_on"]
        if day is None:
            return None
        return datetime.datetime.combine(
            day + datetime.timedelta(days=1), datetime.time(0), tzinfo=self.team.tz
        )


class EmailInvitationForm(forms.Form):
    addresses = forms.CharField(
        label=_("E-mail addresses"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off", "spellcheck": "false"}),
    )
    role = forms.ChoiceField(label=_("Role"), choices=JOIN_ROLES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["addresses"].help_text = _(
            "One per line, or separated by commas; up to %(max)d at once. Each gets "
            "their own link, which works once, for 14 days."
        ) % {"max": MAX_ADDRESSES}

    def clean_addresses(self) -> list[str]:
        addresses = split_addresses(self.cleaned_data["addresses"])
        if not addresses:
            raise forms.ValidationError(_("Enter at least one e-mail address."))
        bad = invalid_addresses(addresses)
        if bad:
            raise forms.ValidationError(
                ngettext(
                    "Not an e-mail address: %(list)s. Nothing was sent.",
                    "Not e-mail addresses: %(list)s. Nothing was sent.",
                    len(bad),
                )
                % {"list": ", ".join(bad)}
            )
        if len(addresses) > MAX_ADDRESSES:
            raise forms.ValidationError(
                _("%(count)d addresses: send at most %(max)d at once. Nothing was sent.")
                % {"count": len(addresses), "max": MAX_ADDRESSES}
            )
        return addresses
