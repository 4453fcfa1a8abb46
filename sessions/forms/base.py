"""Form pieces shared by every editable part of a team."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ..models.validators import validate_date_range, validate_one_line
from .widgets import markdown_fields

# The largest primary key (BigAutoField); a bigger number names no row, and SQLite
# raises OverflowError when one reaches a query.
MAX_ID = 2**63 - 1


def parse_id(value) -> int | None:
    """A row id from a query string or a field name: ASCII digits that fit a primary
    key, else None (str.isdigit() also takes "²", which int() refuses)."""
    text = str(value or "")
    # The length first: int() refuses more than 4300 digits with a ValueError.
    if len(text) <= 19 and text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID:
        return int(text)
    return None


def _is_one_line(field: forms.Field) -> bool:
    widget = field.widget
    return (
        isinstance(field, forms.CharField)
        and isinstance(widget, forms.TextInput)
        and not isinstance(widget, forms.PasswordInput)
    )


# What a date field reads: what <input type="date"> sends. Django's Korean formats also
# take "3/4/2024" (month first), which a script could mean either way.
ISO_DATE = ["%Y-%m-%d"]


TOO_LONG = _(
    "This is %(show_value)d characters long; at most %(limit_value)d fit. Nothing was "
    "cut: shorten it, then save again."
)


class LimitedBoundField(forms.BoundField):
    """A text field whose limit is shown, never enforced by the browser: `maxlength`
    silently cuts a longer paste, so the field gets `data-maxlength` instead. The page
    script counts characters beside it and warns past the limit (static/js/counter.js);
    the form refuses a longer text with an error beside the field, the text kept."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        limit = getattr(self.field, "max_length", None)
        typed = isinstance(widget, (forms.widgets.Input, forms.Textarea))
        if limit and typed and not widget.is_hidden:
            # The field gave its widget (a copy per form) the attribute; markdownx's
            # widget lets its own attrs override these, so drop it there.
            widget.attrs.pop("maxlength", None)
            attrs["maxlength"] = False
            attrs["data-maxlength"] = limit
        return attrs


class CheckedInputMixin:
    """For every form that saves: one-line text fields (names, titles, notes shown on
    one line) refuse control characters, and date fields take ISO dates from
    EARLIEST_DATE to LATEST_DATE only; both as errors beside the field, with what was
    typed kept.

    Free text (markdown, questions) keeps bidi characters, which right-to-left
    writing needs; the rendered block they are in ends their effect.

    Text fields with a limit are counted, not cut (LimitedBoundField)."""

    bound_field_class = LimitedBoundField

    def full_clean(self):
        # Here rather than in __init__: subclasses add and replace fields there.
        for field in self.fields.values():
            if getattr(field, "max_length", None):
                field.error_messages.setdefault("max_length", TOO_LONG)
            if _is_one_line(field) and validate_one_line not in field.validators:
                field.validators.append(validate_one_line)
            elif isinstance(field, forms.DateField):
                checked_date_field(field)
        super().full_clean()


def checked_date_field(field: forms.DateField) -> forms.DateField:
    field.input_formats = ISO_DATE
    if validate_date_range not in field.validators:
        field.validators.append(validate_date_range)
    return field


class OwnRowsFormSet(forms.BaseInlineFormSet):
    """An inline formset whose forms may only name its own rows. Django's hidden id
    field accepts any row of the model, so a post naming another team's attendance or
    link would have that form skipped or saved as a new row while the rest is saved;
    here it is an invalid choice and nothing is saved."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields[self._pk_field.name].queryset = self.get_queryset()

    def clean(self):
        super().clean()
        # A form marked for deletion skips its own validation, so the id check above
        # does not reach it: an existing row's form that found no row of ours is refused.
        if any(form.instance.pk is None for form in self.initial_forms):
            raise forms.ValidationError(
                _("This list changed since the page was loaded. Reload it and try again."),
                code="unknown_row",
            )


class MembersField(forms.ModelMultipleChoiceField):
    """Several members of the team, by id: an id no column holds is an invalid choice
    before it reaches the database (a query with it would fail on SQLite)."""

    def _check_values(self, value):
        for pk in value:
            if parse_id(pk) is None:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


class TeamScopedForm(CheckedInputMixin, forms.ModelForm):
    """A ModelForm bound to a team: member pickers only offer the team's members
    (an id from another team is an invalid choice), markdown fields get the
    team's editor. Django's CharField already refuses NUL bytes."""

    markdown: tuple[str, ...] = ()  # fields edited with the markdown editor
    members: tuple[str, ...] = ()  # fields that pick members of the team

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.team = team
        markdown_fields(self, team, *self.markdown)
        for name in self.members:
            self.fields[name].queryset = team.memberships.all()


class VersionedForm(TeamScopedForm):
    """Carries the row's version, for the optimistic check in services."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["version"] = self.instance.version if self.instance.pk else 0
        live_keys(self)

    @property
    def expected_version(self) -> int:
        return self.cleaned_data.get("version") or 0


DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DateRangeForm(forms.Form):
    """Optional ?from=&to= dates after the subclass's own fields; the start may not come
    after the end. ("from" is a Python keyword, so the fields are added by name.)"""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in (("from", _("From")), ("to", _("To"))):
            field = forms.DateField(label=label, required=False, widget=DATE_INPUT)
            self.fields[name] = checked_date_field(field)

    def clean(self):
        data = super().clean()
        start, end = data.get("from"), data.get("to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data


def live_keys(form) -> None:
    """Name each live text of a saved row for the live editor (sessions/live/names.py):
    `data-live-key="question:12:answer"`, and a log's texts as its member's own room's."""
    from ..live.names import FIELDS, LOG

    instance = form.instance
    if instance.pk is None:
        return
    kind = LOG if instance._meta.model_name == "memberlog" else getattr(instance, "kind", "")
    for name in FIELDS.get(kind, ()):
        field = form.fields.get(name)
        if field is None or not isinstance(field.widget, forms.Textarea):
            continue
        field.widget.attrs["data-live-key"] = f"{kind}:{instance.pk}:{name}"
        if kind == LOG:
            field.widget.attrs["data-live-room"] = "log"
