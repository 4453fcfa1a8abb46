"""Forms for a day's session fields and attendance."""

from django import forms
from django.db import transaction
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from .. import freshness
from ..models import Attendance, Day
from .base import CheckedInputMixin, OwnRowsFormSet, TeamScopedForm, VersionedForm


class DayForm(TeamScopedForm):
    """A new day: date, number, moderator, title and tags."""

    class Meta:
        model = Day
        fields = ["date", "number", "moderator", "title", "tags"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["moderator"].queryset = self.team.memberships.participants()
        number = self.initial.get("number") or self.instance.number or 1
        self.fields["title"].help_text = _("Leave empty for “%(example)s”.") % {
            "example": Day.default_title(self.team, number)
        }
        self.fields["tags"].help_text = _("Separate tags with commas.")

    def clean_date(self):
        date = self.cleaned_data["date"]
        clash = Day.objects.filter(team=self.team, date=date).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("This team already has a day on that date."))
        return date


class SessionForm(VersionedForm, DayForm):
    """The session fields of an existing day, saved with its attendance.

    The date is not among them: it is the day's address, which every open editor uses.
    """

    class Meta(DayForm.Meta):
        fields = ["number", "moderator", "title", "tags"]


class AttendanceForm(CheckedInputMixin, forms.ModelForm):
    class Meta:
        model = Attendance
        fields = ["status", "note"]
        widgets = {"note": forms.TextInput(attrs={"placeholder": _("note")})}


class BaseAttendanceFormSet(OwnRowsFormSet):
    """At most one form per existing attendance row: a tampered TOTAL_FORMS adds no
    rows, and a tampered INITIAL_FORMS (100000, or a number with twenty digits) does
    not make the server build that many forms."""

    def initial_form_count(self):
        posted = super().initial_form_count()
        if not self.is_bound:
            return posted
        return max(0, min(posted, len(self.get_queryset())))

    def total_form_count(self):
        return self.initial_form_count()


AttendanceFormSet = inlineformset_factory(
    Day,
    Attendance,
    form=AttendanceForm,
    formset=BaseAttendanceFormSet,
    extra=0,
    can_delete=False,
    max_num=200,
)


def attendance_formset(day, data=None):
    """Attendance rows for the day; members who joined since the day was made get a row."""
    missing = day.team.memberships.participants().exclude(attendances__day=day)
    if missing.exists():
        with transaction.atomic():
            Attendance.objects.bulk_create(
                [Attendance(day=day, member=m) for m in missing], ignore_conflicts=True
            )
            freshness.touch_days([day.pk])  # the record lists them now
    queryset = Attendance.objects.filter(day=day).select_related("member")
    return AttendanceFormSet(data, instance=day, queryset=queryset, prefix="attendance")
