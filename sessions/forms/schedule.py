"""Forms of the schedule page: swap two dates, name a substitute, skip a date."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from .. import schedule
from ..models import Day, Membership, SkippedDate
from ..schedule import Slot
from .base import CheckedInputMixin
from .dates import FarDateMixin

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class _ScheduleForm(FarDateMixin, CheckedInputMixin, forms.Form):
    """A change to upcoming session dates of one team; remembers each date's slot. A
    date far ahead asks to be confirmed (FarDateMixin)."""

    def __init__(self, *args, team, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.team = team
        self.today = today
        self.slots: dict[datetime.date, Slot] = {}

    def _upcoming(self, name: str, *, needs_moderator: bool) -> datetime.date:
        date = self.cleaned_data[name]
        if date < self.today:
            raise forms.ValidationError(_("Choose today or a later date."))
        self.check_session_date(name, date, self.today)
        if not schedule.is_session_date(self.team, date):
            raise forms.ValidationError(_("There is no session on this date."))
        slot = schedule.slot_for(self.team, date)
        self.slots[date] = slot
        if slot.day is not None and slot.day.is_closed:
            raise forms.ValidationError(_("The day on this date is closed."))
        if needs_moderator and slot.moderator is None:
            raise forms.ValidationError(_("Nobody is scheduled to moderate on this date yet."))
        return date

    def involves(self, membership: Membership) -> bool:
        """Whether the member is the scheduled moderator of a date in this request."""
        return any(slot.moderator == membership for slot in self.slots.values())


class SwapForm(_ScheduleForm):
    first = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    second = forms.DateField(label=_("Swap with"), widget=DATE_INPUT)

    def clean_first(self):
        return self._upcoming("first", needs_moderator=True)

    def clean_second(self):
        return self._upcoming("second", needs_moderator=True)

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("first"), cleaned.get("second")
        if first is None or second is None:
            return cleaned
        if first == second:
            self.add_error("second", _("Choose two different dates."))
        elif self.slots[first].moderator == self.slots[second].moderator:
            self.add_error(
                "second",
                _("%(name)s moderates on both dates.") % {"name": self.slots[first].moderator},
            )
        return cleaned


class SubstituteForm(_ScheduleForm):
    date = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    member = forms.ModelChoiceField(label=_("Substitute"), queryset=Membership.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the team's participants: an id from elsewhere is an invalid choice.
        self.fields["member"].queryset = Membership.objects.participants().filter(team=self.team)

    def clean_date(self):
        return self._upcoming("date", needs_moderator=False)

    def clean(self):
        cleaned = super().clean()
        date, member = cleaned.get("date"), cleaned.get("member")
        if date is not None and member is not None and self.slots[date].moderator == member:
            self.add_error(
                "member", _("%(name)s is already the moderator on this date.") % {"name": member}
            )
        return cleaned


class SkipForm(FarDateMixin, CheckedInputMixin, forms.ModelForm):
    """A holiday or special-lecture date with no session; one far from today asks to be
    confirmed (FarDateMixin)."""

    class Meta:
        model = SkippedDate
        fields = ["date", "reason"]
        widgets = {
            "date": DATE_INPUT,
            "reason": forms.TextInput(attrs={"placeholder": _("e.g. holiday, special lecture")}),
        }

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.team = team
        self.instance.team = team

    def clean_date(self):
        date = self.check_session_date(
            "date", self.cleaned_data["date"], schedule.local_today(self.team)
        )
        team = self.team
        if not team.is_session_weekday(date) or (team.starts_on and date < team.starts_on):
            raise forms.ValidationError(_("There is no session on this date."))
        if SkippedDate.objects.filter(team=team, date=date).exists():
            raise forms.ValidationError(_("This date is already skipped."))
        if Day.objects.filter(team=team, date=date).exists():
            raise forms.ValidationError(_("A day is already recorded on this date."))
        return date
