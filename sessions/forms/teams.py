"""Forms for accounts, teams, members and invitations."""

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from ..models import Invitation, Membership, Team
from .widgets import markdown_fields

RESERVED_SLUGS = {"new", "admin", "accounts", "static", "i18n", "invite"}


class SignupForm(UserCreationForm):
    email = forms.EmailField(label=_("Email"), required=False)

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ["username", "email"]


class TeamForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ["name", "slug", "course", "mentor", "language", "description", "ground_rules"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].help_text = _(
            "Used in the team's web address: lowercase letters, digits and hyphens."
        )
        if self.instance.pk:
            markdown_fields(self, self.instance, "description", "ground_rules")

    def clean_slug(self):
        slug = self.cleaned_data["slug"].lower()
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError(_("This address is reserved."))
        return slug


class MemberForm(forms.ModelForm):
    """An admin's view of one member: name, role, active flag, rotation order."""

    class Meta:
        model = Membership
        fields = ["display_name", "role", "is_active", "rotation_order"]

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.team = team
        self.instance.team = team

    def clean_display_name(self):
        name = self.cleaned_data["display_name"].strip()
        if not name:
            raise forms.ValidationError(_("A name is required."))
        clash = Membership.objects.filter(team=self.team, display_name=name)
        if clash.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Another member already has this name."))
        return name


class InvitationForm(forms.ModelForm):
    class Meta:
        model = Invitation
        fields = ["role", "member"]

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = team.memberships.filter(user__isnull=True)
        self.fields["member"].required = False


class AcceptInvitationForm(forms.Form):
    display_name = forms.CharField(label=_("Your name in the team"), max_length=40)
