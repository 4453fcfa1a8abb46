"""A member's own log: retrospective, visibility and study links."""

from django import forms
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from ..models import MemberLog, StudyLink
from .base import CheckedInputMixin, OwnRowsFormSet, VersionedForm


class MemberLogForm(VersionedForm):
    markdown = ("retrospective",)

    class Meta:
        model = MemberLog
        fields = ["retrospective", "visibility"]
        widgets = {"visibility": forms.RadioSelect}


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
