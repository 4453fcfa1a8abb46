"""Forms for an account's own settings: its name, e-mail, language and names in teams."""

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ..models import Membership, Profile
from ..models.accounts import email_taken, normalize_email
from .base import CheckedInputMixin

EMAIL_TAKEN = _("Another account already uses this e-mail address.")
NAME_TAKEN = _("Another member of this team already has this name.")


def clean_account_email(address: str, *, user=None) -> str:
    """A form's e-mail value as stored, or a field error when another account has it."""
    address = normalize_email(address)
    if email_taken(address, exclude=user):
        raise forms.ValidationError(EMAIL_TAKEN, code="email_taken")
    return address


def clean_team_name(name: str, *, team_id: int, member: Membership | None = None) -> str:
    """A form's name for `member` (or for someone joining) in a team, as stored: trimmed,
    not blank, and no other member of the team has it."""
    name = name.strip()
    if not name:
        raise forms.ValidationError(_("A name is required."))
    clash = Membership.objects.filter(team_id=team_id, display_name=name)
    if member is not None:
        clash = clash.exclude(pk=member.pk)
    if clash.exists():
        raise forms.ValidationError(NAME_TAKEN, code="name_taken")
    return name


class ProfileForm(CheckedInputMixin, forms.ModelForm):
    """The account's name, e-mail address and language; the name fills first_name alone
    (display_name_for reads last_name + first_name, so the old last name is cleared)."""

    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)

    class Meta:
        model = get_user_model()
        fields = ["first_name", "email"]
        labels = {"first_name": _("Your name"), "email": _("Email")}
        help_texts = {
            "first_name": _("Used as your name when you join a new team."),
            "email": _("Reminders and password reset links are sent here."),
        }

    def __init__(self, *args, profile: Profile, **kwargs):
        super().__init__(*args, **kwargs)
        self.profile = profile
        self.fields["language"].initial = profile.language
        if self.instance.last_name:
            self.initial["first_name"] = f"{self.instance.last_name}{self.instance.first_name}"

    def clean_email(self):
        return clean_account_email(self.cleaned_data["email"], user=self.instance)

    def save(self, commit=True):
        user = super().save(commit=False)
        user.last_name = ""
        self.profile.language = self.cleaned_data["language"]
        if commit:
            with transaction.atomic():
                user.save(update_fields=["first_name", "last_name", "email"])
                self.profile.save()
        return user


class TeamNameForm(CheckedInputMixin, forms.ModelForm):
    """The account's display name in one of its teams (unique in that team)."""

    class Meta:
        model = Membership
        fields = ["display_name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["display_name"].label = self.instance.team.name

    def clean_display_name(self):
        return clean_team_name(
            self.cleaned_data["display_name"], team_id=self.instance.team_id, member=self.instance
        )


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's form, also for accounts with no usable password yet: `addmember
    --email` makes such accounts, and a reset link is how their owners set a first
    password. Inactive accounts still get nothing, and the page says the same whether
    or not the address belongs to anyone."""

    def get_users(self, email):
        users = get_user_model()._default_manager.filter(email__iexact=email, is_active=True)
        return (u for u in users if u.email.casefold() == email.casefold())
