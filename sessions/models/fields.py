"""Model fields whose limits protect the UI, not the data."""

from django import forms
from django.db import models


class OneLineTextField(models.TextField):
    """A one-line text (a heading, a title, an assignment's name) with no limit in the
    database: an imported post keeps every character of it. `max_length` is the form's
    limit only, so someone typing gets a clear message beside the field, and the form
    shows a one-line input, as a CharField's would."""

    def formfield(self, **kwargs):
        kwargs.setdefault("widget", forms.TextInput)
        return super().formfield(**kwargs)
