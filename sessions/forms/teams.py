"""Forms for accounts, teams and members (invitations: forms/invitations.py)."""

import functools
import zoneinfo
from dataclasses import dataclass

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .. import outbound
from ..models import Membership, Team
from ..models.validators import RESERVED_SLUGS
from .accounts import clean_account_email, clean_team_name
from .base import CheckedInputMixin
from .widgets import LongSelect, markdown_fields


class SignupForm(CheckedInputMixin, UserCreationForm):
    # Required: reminders and password reset both need it, and sign-up forms here
    # ask for one as a matter of course.
    email = forms.EmailField(
        label=_("Email"), help_text=_("Reminders and password reset links are sent here.")
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ["username", "email"]

    def clean_email(self):
        return clean_account_email(self.cleaned_data["email"])


class WeekdaysField(forms.MultipleChoiceField):
    """Weekday checkboxes stored as Team.session_weekdays: "01234" is Monday to Friday."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        choices = [(str(day), name) for day, name in WEEKDAYS_ABBR.items()]
        super().__init__(choices=choices, **kwargs)

    def prepare_value(self, value):
        return list(value) if isinstance(value, str) else value

    def to_python(self, value):
        return super().to_python(list(value) if isinstance(value, str) else value)

    def clean(self, value) -> str:
        return "".join(sorted(set(super().clean(value))))


@functools.cache
def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


@dataclass
class FieldGroup:
    """Some of a form's fields, shaped like a form for peer/edit/_fields.html."""

    key: str
    title: str
    visible_fields: list
    hidden_fields: tuple = ()
    non_field_errors: tuple = ()


TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


GENERAL_FIELDS = ["name", "slug", "course", "mentor", "language", "description", "ground_rules"]
CALENDAR_FIELDS = [
    "starts_on",
    "session_weekdays",
    "session_start",
    "session_end",
    "timezone",
    "rotation",
]
REMINDER_FIELDS = ["webhook_url"]
POST_FIELDS = ["post_footer"]


class TeamForm(CheckedInputMixin, forms.ModelForm):
    """A team's name and description; on an existing team, also its session calendar.

    Creating a team stays short: the calendar starts from the defaults (Monday to
    Friday, 16:00-17:30 in Seoul, name order) and is set in the settings afterwards.
    """

    GENERAL, CALENDAR, REMINDERS, POSTS = (
        GENERAL_FIELDS,
        CALENDAR_FIELDS,
        REMINDER_FIELDS,
        POST_FIELDS,
    )
    # A settings post carries this marker with the calendar fields; a post without it
    # (an older form, a script changing the name) leaves the calendar as it is
    # rather than failing on, or blanking, fields it never sent.
    calendar = forms.BooleanField(widget=forms.HiddenInput, required=False, initial=True)
    session_weekdays = WeekdaysField(
        label=capfirst(_("session weekdays")),
        error_messages={"required": _("Choose at least one weekday.")},
    )
    timezone = forms.ChoiceField(
        label=capfirst(_("time zone")), choices=timezone_choices, widget=LongSelect
    )
    webhook_url = forms.URLField(
        label=capfirst(_("webhook URL")),
        required=False,
        max_length=200,
        assume_scheme="https",
        help_text=Team._meta.get_field("webhook_url").help_text,
    )

    class Meta:
        model = Team
        fields = [*GENERAL_FIELDS, *CALENDAR_FIELDS, *REMINDER_FIELDS, *POST_FIELDS]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "session_start": TIME_INPUT,
            "session_end": TIME_INPUT,
        }
        help_texts = {
            "starts_on": _("Day 1. Day numbers and the moderator rotation count from here."),
            "rotation": _(
                "Name order goes through display names in 가나다 order; custom order follows "
                "each member's rotation order; manual leaves every date to be assigned on "
                "the schedule page."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].help_text = _(
            "Used in the team's web address: lowercase letters, digits and hyphens."
        )
        scheduling = ["calendar", *self.CALENDAR, *self.REMINDERS, *self.POSTS]
        if not self.instance.pk:
            for name in scheduling:
                del self.fields[name]
            return
        markdown_fields(self, self.instance, "description", "ground_rules")
        if self.is_bound and not self.data.get(self.add_prefix("calendar")):
            for name in scheduling:
                self.fields[name].disabled = True

    def sections(self) -> list["FieldGroup"]:
        """The settings page's parts, each rendered like a small form of its own."""
        parts = [
            ("team", _("Team"), self.GENERAL),
            ("calendar", _("Session calendar"), self.CALENDAR),
            ("reminders", _("Reminders"), self.REMINDERS),
            ("posts", _("Blog posts"), self.POSTS),
        ]
        groups = [
            FieldGroup(key, title, [self[name] for name in names if name in self.fields])
            for key, title, names in parts
        ]
        return [group for group in groups if group.visible_fields]

    def clean_slug(self):
        slug = self.cleaned_data["slug"].lower()
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError(_("This address is reserved."))
        return slug

    def clean_webhook_url(self):
        """Refuse an address that sending would always refuse (outbound.public_address:
        loopback, private, link-local…), here beside the field rather than in every
        night's reminder report. A name that does not resolve now is kept: sending
        reports it if it still does not. Only a changed address is looked up: saving
        other settings asks the resolver nothing."""
        url = self.cleaned_data["webhook_url"]
        if url and "webhook_url" in self.changed_data and outbound.not_public(url):
            raise forms.ValidationError(
                _(
                    "Reminders can only be sent to a public address; this one is on a "
                    "private or local network."
                ),
                code="not_public",
            )
        return url

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("session_start"), cleaned.get("session_end")
        if start and end and end <= start:
            self.add_error("session_end", _("The session must end after it starts."))
        return cleaned


class MemberForm(CheckedInputMixin, forms.ModelForm):
    """An admin's view of one member: name, role, active flag, rotation order."""

    class Meta:
        model = Membership
        fields = ["display_name", "role", "is_active", "rotation_order"]

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.team = team
        self.instance.team = team

    def clean_display_name(self):
        member = self.instance if self.instance.pk else None
        return clean_team_name(
            self.cleaned_data["display_name"], team_id=self.team.pk, member=member
        )
