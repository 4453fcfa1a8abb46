"""Template helpers for the archive links: dates a number of days away, without a query."""

import datetime

from django import template
from django.utils.formats import date_format

register = template.Library()


@register.filter
def days_before(value, days):
    """`value` minus `days` days, or None when either is not usable (or the calendar ends)."""
    try:
        return value - datetime.timedelta(days=int(days))
    except (TypeError, ValueError, OverflowError):
        return None


@register.filter
def weekday_short(value):
    """The weekday's short name for a calendar's column heads: 월, 화… in Korean, Mon, Tue…

    Django's Korean catalogue gives the full name (월요일) for the abbreviation "D", too
    long for a column; a Korean calendar heads its columns with the first syllable.
    """
    if not isinstance(value, datetime.date):
        return ""
    short, full = date_format(value, "D"), date_format(value, "l")
    return full[:1] if short == full else short
