"""A member's own log: study links and notes (학습 내용), retrospective and visibility."""

from django import forms
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from ..models import MemberLog, StudyLink
from .base import CheckedInputMixin, OwnRowsFormSet, VersionedForm


class MemberLogForm(VersionedForm):
    markdown = ("study_notes", "retrospective")

    class Meta:
        model = MemberLog
        fields = ["study_notes", "retrospective", "visibility"]
        widgets = {"visibility": forms.RadioSelect}
        labels = {"study_notes": _("Notes")}
        help_texts = {"study_notes": _("Markdown, shown under your badges.")}
        error_messages = {
            # The model's limit is the form's only (a TextField's max_length is not a
            # column limit), so imports keep longer notes; typing is held to it here.
            "study_notes": {
                "max_length": _(
                    "Notes can be at most %(limit_value)d characters long "
                    "(these have %(show_value)d)."
                )
            }
        }


class StudyLinkForm(CheckedInputMixin, forms.ModelForm):
    url = forms.URLField(
        label=StudyLink._meta.get_field("url").verbose_name,
        max_length=500,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )

    class Meta:
        model = StudyLink
        fields = ["title", "url", "color"]
        widgets = {"title": forms.TextInput(attrs={"placeholder": _("Title, e.g. CNN Model")})}

    def clean_url(self):
        url = self.cleaned_data["url"]
        if url and not url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError(forms.URLField.default_error_messages["invalid"])
        return url


class BaseStudyLinkFormSet(OwnRowsFormSet):
    ordering_widget = forms.HiddenInput  # the page script fills ORDER from the rows' order


StudyLinkFormSet = inlineformset_factory(
    MemberLog,
    StudyLink,
    form=StudyLinkForm,
    formset=BaseStudyLinkFormSet,
    extra=1,
    can_delete=True,
    can_order=True,
    max_num=30,
    absolute_max=30,  # a post claiming more forms is refused before they are built
    validate_max=True,
)
