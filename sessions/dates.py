"""Session dates as people type and read them: how far from today a date may be, and a
date shown with its year whenever that is not the current year.

A day dated 2100 or 1900 used to be accepted silently; lists showed "3/4 (월)" with no
year, so it looked like next week's. Now a date far from today asks to be confirmed,
one outside the hard range is refused, and every list shows a date's year when it is
not this year's.
"""

import datetime

from django.utils import timezone, translation
from django.utils.dates import WEEKDAYS_ABBR

# Further from today than this, a session date is probably a typo (2042 for 2024, a
# year picker left on last year): the form asks "이 날짜가 맞습니다?" before saving.
# Ahead: a team plans at most a couple of months of sessions. Back: a team recording
# last semester's days late is normal, a year before is not.
FAR_AHEAD = datetime.timedelta(days=60)
FAR_BACK = datetime.timedelta(days=366)

# Outside this range a session date is refused, confirmed or not: no bootcamp team met
# before 2000, and nobody records a session more than five years ahead.
EARLIEST_SESSION_DATE = datetime.date(2000, 1, 1)
LATEST_AHEAD = datetime.timedelta(days=5 * 365 + 1)

# A date beside others in a list: "n/j" as before, with the year in the language's
# order when it is not the current year's (3/4/2023 reads as March 4th in English,
# 2023/3/4 is a Korean's year-first order). The fields are Django's date format
# characters (n, j, Y, D), filled in here: a chart of a long period labels thousands of
# weeks, and django.utils.formats.date_format re-reads its format settings and parses
# the format string for each one.
_FORMATS = {
    # (with the year?, with the weekday?) -> format, per language
    "ko": {
        (False, True): "{n}/{j} ({D})",
        (False, False): "{n}/{j}",
        (True, True): "{Y}/{n}/{j} ({D})",
        (True, False): "{Y}/{n}/{j}",
    },
    "en": {
        (False, True): "{n}/{j} ({D})",
        (False, False): "{n}/{j}",
        (True, True): "{n}/{j}/{Y} ({D})",
        (True, False): "{n}/{j}/{Y}",
    },
}


def latest_session_date(today: datetime.date) -> datetime.date:
    return today + LATEST_AHEAD


def is_out_of_range(date: datetime.date, today: datetime.date) -> bool:
    """Refused outright: before EARLIEST_SESSION_DATE or more than LATEST_AHEAD ahead."""
    return date < EARLIEST_SESSION_DATE or date > latest_session_date(today)


def is_far(date: datetime.date, today: datetime.date) -> bool:
    """Accepted only once confirmed: more than FAR_AHEAD ahead or FAR_BACK back."""
    return date > today + FAR_AHEAD or date < today - FAR_BACK


def short_date(
    value: datetime.date | datetime.datetime,
    today: datetime.date | None = None,
    *,
    weekday: bool = True,
) -> str:
    """`value` as a list shows it: "3/4 (월)" this year, "2023/3/4 (월)" another year
    ("3/4/2023 (Mon)" in English). `today` is the team's (schedule.local_today); without
    it, the current time zone's. An aware datetime is read in the current time zone."""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if not isinstance(value, datetime.date):
        return ""
    today = today or timezone.localdate()
    language = (translation.get_language() or "ko").split("-")[0]
    formats = _FORMATS.get(language, _FORMATS["en"])
    return formats[(value.year != today.year, weekday)].format(
        n=value.month,
        j=value.day,
        Y=f"{value.year:04d}",  # as Django's Y: four digits, zero-padded
        D=str(WEEKDAYS_ABBR[value.weekday()]) if weekday else "",
    )
