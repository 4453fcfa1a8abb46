"""The form of a day template: its name, whether it is the default, and its content
(saved as a new version, sessions/day_templates.py)."""

from django import forms
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _

from ..models import DayTemplate, TemplateVersion
from .base import TeamScopedForm

MAX_MINUTES = 180


class TemplateForm(TeamScopedForm):
    name = forms.CharField(label=_("Name"), max_length=80)
    is_default = forms.BooleanField(
        label=_("Default for new days"),
        required=False,
        help_text=_("A new day starts from this template unless another is picked."),
    )
    markdown = ("review_outline", "retro_prompt")

    class Meta:
        model = TemplateVersion
        fields = TemplateVersion.CONTENT
        widgets = {"sections": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, template: DayTemplate | None = None, **kwargs):
        self.template = template
        super().__init__(*args, **kwargs)
        if template is not None and not self.is_bound:
            self.initial.update(name=template.name, is_default=template.is_default)
        for name in TemplateVersion.CONTENT:
            if name.startswith("minutes_"):
                field = self.fields[name]
                field.validators.append(MaxValueValidator(MAX_MINUTES))
                field.widget.attrs.update(min=0, max=MAX_MINUTES, inputmode="numeric")

    def minute_fields(self):
        return [self[name] for name in TemplateVersion.CONTENT if name.startswith("minutes_")]

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        taken = DayTemplate.objects.filter(team=self.team, name=name)
        if self.template is not None:
            taken = taken.exclude(pk=self.template.pk)
        if taken.exists():
            raise forms.ValidationError(_("This team already has a template of that name."))
        return name
