"""Forms for a day's session fields and attendance."""

from django import forms
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from .. import schedule
from ..models import Attendance, Day, DayTemplate, Membership
from .base import CheckedInputMixin, OwnRowsFormSet, TeamScopedForm, VersionedForm, parse_id
from .dates import FarDateMixin


class DayForm(FarDateMixin, TeamScopedForm):
    """A new day: date, number, moderator, title and tags.

    A date far from today is saved only once confirmed (FarDateMixin). The number is
    prefilled for the prefilled date; left as it was (or emptied), it follows the date
    that is saved: its calendar number, else its place in date order
    (services.create_day). A number the person typed is kept.
    """

    class Meta:
        model = Day
        fields = ["date", "number", "moderator", "title", "tags"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["moderator"].queryset = self.team.memberships.participants()
        if self.instance.pk is None and "date" in self.fields:  # a new day: from a template
            templates = DayTemplate.objects.filter(team=self.team, is_active=True)
            self.fields["template"] = forms.ModelChoiceField(
                queryset=templates,
                required=False,
                label=_("Template"),
                empty_label=_("None (an empty day)"),
                initial=templates.filter(is_default=True).values_list("pk", flat=True).first(),
                help_text=_("Its free sections, review outline and timings."),
            )
        number = self.initial.get("number") or self.instance.number or 1
        self.fields["title"].help_text = _("Leave empty for “%(example)s”.") % {
            "example": Day.default_title(self.team, number)
        }
        self.fields["tags"].help_text = _("Separate tags with commas.")
        if self.instance.pk is None and "date" in self.fields:
            # The page's own number comes back beside it: unchanged, the number follows
            # the date (a date changed in the form must not keep today's number).
            self.fields["number"].show_hidden_initial = True
            self.fields["number"].required = False
            self.fields["number"].help_text = _("Leave as it is to number the day by its date.")
            if self.is_bound:  # the number the page first proposed, not today's
                proposed = self.data.get(self.add_initial_prefix("number"))
                if proposed is not None:
                    self.initial["number"] = proposed

    def number_follows_date(self) -> bool:
        """Whether the new day takes its number from its date (not typed by the person)."""
        return self.cleaned_data.get("number") is None or "number" not in self.changed_data

    def clean_date(self):
        date = self.check_session_date(
            "date", self.cleaned_data["date"], schedule.local_today(self.team)
        )
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

    def has_changed(self):
        # A newcomer's form is a new row whatever it says, if it names a newcomer.
        if self.instance.pk is None:
            return "member" in self.fields
        return super().has_changed()


class BaseAttendanceFormSet(OwnRowsFormSet):
    """One form per existing attendance row, and one per newcomer: a participant who
    joined since the day was made, whose row the session's save creates (opening the
    editor writes nothing). A newcomer's form names its member; one whose member stopped
    being a newcomer meanwhile (left the team, or became an observer) is passed over.
    A tampered TOTAL_FORMS adds no other rows, and a tampered INITIAL_FORMS (100000, or
    a number with twenty digits) does not make the server build that many forms."""

    def __init__(self, *args, newcomers=(), **kwargs):
        self.newcomers = list(newcomers)
        self._newcomer = {m.pk: m for m in self.newcomers}
        kwargs["initial"] = [{"member": m.pk} for m in self.newcomers]
        super().__init__(*args, **kwargs)
        self.extra = len(self.newcomers)

    def initial_form_count(self):
        posted = super().initial_form_count()
        if not self.is_bound:
            return posted
        return max(0, min(posted, len(self.get_queryset())))

    def total_form_count(self):
        if not self.is_bound:
            return super().total_form_count()
        posted_new = super().total_form_count() - super().initial_form_count()
        # Room for the forms of newcomers who left meanwhile, beside those who stayed.
        room = 2 * len(self.newcomers)
        return self.initial_form_count() + max(0, min(posted_new, room))

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if index is None or index < self.initial_form_count():
            return
        if self.is_bound:
            member = self._newcomer.get(parse_id(form.data.get(form.add_prefix("member"))))
            if member is None:
                return  # no longer (or never) a newcomer: a form with nothing to save
        else:
            member = self.newcomers[index - self.initial_form_count()]
        form.instance.member = member  # the name shown beside the row
        form.fields["member"] = forms.ModelChoiceField(
            queryset=Membership.objects.filter(pk__in=self._newcomer),
            widget=forms.HiddenInput,
        )

    def clean(self):
        super().clean()
        chosen = [f.cleaned_data.get("member") for f in self.extra_forms if f.is_valid()]
        chosen = [member for member in chosen if member is not None]
        if len(chosen) != len(set(chosen)):
            raise forms.ValidationError(
                _("This list changed since the page was loaded. Reload it and try again."),
                code="unknown_row",
            )

    def save_new(self, form, commit=True):
        form.instance.member = form.cleaned_data["member"]
        return super().save_new(form, commit=commit)


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
    """The day's attendance rows, and a new one for each participant who joined since
    the day was made (created when the session is saved)."""
    newcomers = day.team.memberships.participants().exclude(attendances__day=day)
    queryset = Attendance.objects.filter(day=day).select_related("member")
    return AttendanceFormSet(
        data, instance=day, queryset=queryset, prefix="attendance", newcomers=newcomers
    )
