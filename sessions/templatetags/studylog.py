"""Template helpers: the markdown filter and small display helpers."""

from django import template

from .. import dates
from ..markdown import render_markdown
from ..search.plain import plain

register = template.Library()


@register.filter
def markdown(text):
    return render_markdown(text)


@register.simple_tag(takes_context=True)
def record_item(context, kind: str, item):
    """An item of a day's record as sessions/fragments.py rendered it (the view puts
    them in `items_html`)."""
    return context["items_html"][f"{kind}:{item.pk}"]


def _today(team):
    # The team's today decides the current year (its New Year's Eve is not the server's).
    from ..schedule import local_today  # schedule imports the models

    return local_today(team) if team else None


@register.filter(name="plain")
def plain_text(text):
    """`{{ comment.body|plain }}`: markdown as the reader sees it, on one line, for a
    short preview (autoescaped like any text)."""
    return plain(text or "")


@register.filter
def day_date(value, team=None):
    """`{{ day.date|day_date:team }}`: "3/4 (월)", with the year when it is not the
    team's current year ("2023/3/4 (월)", "3/4/2023 (Mon)")."""
    return dates.short_date(value, _today(team))


@register.filter
def day_date_short(value, team=None):
    """As day_date, without the weekday: "3/4", "2023/3/4"."""
    return dates.short_date(value, _today(team), weekday=False)
