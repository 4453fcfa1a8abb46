"""The import page's form: blog posts (.md) or zips of them, and whose posts they are."""

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

# What one import may upload, all files together. Django's own limits stay at their
# defaults (they do not count file bodies), so the form checks the sizes itself.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
ACCEPTED_SUFFIXES = ".md,.markdown,.zip"  # what the file picker offers


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field that takes several files (the recipe from Django's file-upload docs)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single_file_clean = super().clean
        if isinstance(data, list | tuple):
            if not data and self.required:  # the widget gives [] when nothing was chosen
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return [single_file_clean(d, initial) for d in data]
        return [single_file_clean(data, initial)]


class ImportForm(forms.Form):
    files = MultipleFileField(
        label=_("Posts"),
        widget=MultipleFileInput(attrs={"accept": ACCEPTED_SUFFIXES}),
        help_text=_("Blog posts (.md), or .zip files of them (such as a _posts folder)."),
    )
    author = forms.ModelChoiceField(
        label=_("Author"),
        queryset=None,
        required=False,
        empty_label=_("From the post, or me"),
        help_text=_(
            "Who gets the posts' study links and retrospectives. If empty: the member named "
            "by a post's author line, or else you."
        ),
    )

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["author"].queryset = team.memberships.order_by("display_name")

    def clean_files(self) -> list:
        # Which files are posts is the importer's call: it reports each one it refuses.
        files = self.cleaned_data["files"]
        if sum(f.size for f in files) > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The files come to more than %(limit)s; import them in several goes."),
                params={"limit": filesizeformat(MAX_UPLOAD_BYTES)},
                code="too_large",
            )
        return files
