"""Widgets: the markdownx editor pointed at the team's own preview endpoint, and a
select for long lists of options."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from markdownx.widgets import MarkdownxWidget


class LongSelect(forms.Select):
    """A select whose options are written here rather than through one template each.

    Django renders every option through its own template and that of its attributes:
    the 600 time zones took about 300 ms a page. Flat choices only (no groups)."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = self.format_value(value)
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (option, " selected" if str(option) in chosen else "", label)
                for option, label in self.choices
            ),
        )
        attributes = flatatt(self.build_attrs(self.attrs, attrs))
        return format_html('<select name="{}"{}>{}</select>', name, attributes, options)


class TeamMarkdownWidget(MarkdownxWidget):
    """markdownx's editor with live preview, previewing through a team-scoped URL.

    markdownx's stock URLs need no login, so they are not mounted; this widget
    sends previews and pasted or dropped images to team URLs that check membership
    (sessions/images: an image is checked, re-encoded and kept for the team alone).
    """

    def __init__(self, *, preview_url: str, upload_url: str, attrs=None):
        self.preview_url = preview_url
        self.upload_url = upload_url
        super().__init__(attrs={"rows": 4, **(attrs or {})})

    def add_markdownx_attrs(self, attrs):
        attrs = super().add_markdownx_attrs(attrs)
        attrs["data-markdownx-urls-path"] = self.preview_url
        attrs["data-markdownx-upload-urls-path"] = self.upload_url
        return attrs


def markdown_fields(form, team, *names: str) -> None:
    """Give the named fields of `form` the team's markdown editor."""
    from django.urls import reverse

    preview = reverse("peer:markdown_preview", args=[team.slug])
    upload = reverse("peer:markdown_upload", args=[team.slug])
    for name in names:
        field = form.fields[name]
        # Django's Textarea defaults to 10 rows: too tall beside a live preview.
        attrs = {k: v for k, v in field.widget.attrs.items() if k == "maxlength"}
        field.widget = TeamMarkdownWidget(preview_url=preview, upload_url=upload, attrs=attrs)
