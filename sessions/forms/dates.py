"""A session date typed by a person: far from today it must be confirmed, and outside
the hard range it is refused (the limits are in sessions/dates.py)."""

import datetime

from django import forms
from django.forms.boundfield import BoundField
from django.forms.widgets import Input
from django.utils.translation import gettext_lazy as _

from .. import dates


class _CheckboxBoundField(BoundField):
    # peer/edit/_field.html lays a field out by its widget_type, read from the widget's
    # class name: this one is laid out as the checkbox it is.
    @property
    def widget_type(self):
        return "checkbox"


class ConfirmDateInput(forms.CheckboxInput):
    """A checkbox that confirms one date: ticked, it sends that date (ISO), so ticking it
    and then typing another far date confirms nothing."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.date = ""

    def value_from_datadict(self, data, files, name):
        return data.get(name, "")

    def get_context(self, name, value, attrs):
        attrs = {**(attrs or {}), "checked": bool(self.date) and value == self.date}
        return Input.get_context(self, name, self.date, attrs)


def confirm_field() -> forms.CharField:
    return forms.CharField(
        label=_("This date is right"),
        required=False,
        widget=ConfirmDateInput,
        bound_field_class=_CheckboxBoundField,
    )


class FarDateMixin:
    """For forms with session dates, each checked by `check_session_date` from its
    clean_<name>: a date outside the hard range is an error beside its field; a date
    far from today is one too, with a "This date is right" checkbox right after the
    field, until that box is ticked for that date.

    The checkbox (`<name>_confirm`) is a field of the form only while it is asked for,
    so a form that never meets a far date looks as it always did. `today` is the
    team's (schedule.local_today)."""

    def check_session_date(self, name: str, date: datetime.date | None, today: datetime.date):
        if date is None:
            return date
        if dates.is_out_of_range(date, today):
            raise forms.ValidationError(
                _("Enter a date from %(first)s to %(last)s."),
                code="date_range",
                params={
                    "first": dates.EARLIEST_SESSION_DATE.isoformat(),
                    "last": dates.latest_session_date(today).isoformat(),
                },
            )
        if not dates.is_far(date, today):
            return date
        confirm = self._confirm_field(name, date)
        if self.data.get(self.add_prefix(f"{name}_confirm")) == confirm.widget.date:
            return date
        if date > today:
            message = _(
                "%(date)s is more than %(days)s days from today. Check the year; if the "
                "date is right, tick the box below and save again."
            )
            days = dates.FAR_AHEAD.days
        else:
            message = _(
                "%(date)s is more than a year ago. Check the year; if the date is right, "
                "tick the box below and save again."
            )
            days = dates.FAR_BACK.days
        raise forms.ValidationError(
            message, code="far_date", params={"date": date.isoformat(), "days": days}
        )

    def _confirm_field(self, name: str, date: datetime.date) -> forms.Field:
        """Add the date's checkbox right after the date field (kept in order: rebuilt
        after the fields have been cleaned, since they are iterated while cleaning)."""
        field = confirm_field()
        field.widget.date = date.isoformat()
        self._asked = {**getattr(self, "_asked", {}), name: field}
        return field

    def _clean_fields(self):
        super()._clean_fields()
        asked = getattr(self, "_asked", {})
        if not asked:
            return
        fields = {}
        for key, field in self.fields.items():
            fields[key] = field
            if key in asked:
                fields[f"{key}_confirm"] = asked[key]
        self.fields = fields
