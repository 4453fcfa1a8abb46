"""Template helpers: the markdown filter and small display helpers."""

from django import template

from ..markdown import render_markdown

register = template.Library()


@register.filter
def markdown(text):
    return render_markdown(text)
