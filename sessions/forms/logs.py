"""A member's own log: retrospective, visibility and study links."""

from django import forms
from django.forms import inlineformset_factory

from ..models import MemberLog, StudyLink
from .base import VersionedForm


class MemberLogForm(VersionedForm):
    markdown = ("retrospective",)

    class Meta:
        model = MemberLog
        fields = ["retrospective", "visibility"]
        widgets = {"visibility": forms.RadioSelect}


class StudyLinkForm(forms.ModelForm):
    class Meta:
        model = StudyLink
        fields = ["title", "url", "color"]
        widgets = {"url": forms.URLInput(attrs={"placeholder": "https://"})}

    def clean_url(self):
        url = self.cleaned_data["url"]
        if url and not url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError(forms.URLField.default_error_messages["invalid"])
        return url


StudyLinkFormSet = inlineformset_factory(
    MemberLog,
    StudyLink,
    form=StudyLinkForm,
    extra=1,
    can_delete=True,
    max_num=30,
    validate_max=True,
)
