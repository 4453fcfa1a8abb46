"""The presenter's view of a day: its agenda as slides, each with the minutes its
template gives it, and where the moderator has everyone's screens.

The agenda follows the session's order: the opening, the suggestions, each assignment
review (with its presenters and the outline it follows), the questions, the action items
and each free section; a part with nothing in it is left out. The minutes come from the
version of the template the day was made from (sessions/models/templates.py), or the
template defaults for a day made without one.

The moderator's position is kept in the shared cache (Redis in production): it is where
everyone's screen is right now, not part of the record, and it lapses after a day. Each
move is also told to the pages following it over the live layer (live/present.py); pages
without it ask every second.
"""

import datetime
from dataclasses import dataclass, field

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from .live import notify
from .models import Day, TemplateVersion

POSITION_SECONDS = 60 * 60 * 24


@dataclass
class Slide:
    kind: str  # opening, suggestions, review, questions, actions, section
    title: str
    minutes: int = 0  # 0: no timer
    items: list = field(default_factory=list)
    item: object = None  # a review or a section: the slide's one item


def version_of(day: Day) -> TemplateVersion:
    """The template version the day was made from, or the template defaults."""
    return day.template_version or TemplateVersion()


def agenda(day: Day) -> list[Slide]:
    """The day's slides (`day` fetched with Day.objects.for_record). A review's slide
    shows its notes, or else the template's outline (version_of)."""
    version = version_of(day)
    slides = [Slide("opening", day.display_title)]
    if suggestions := list(day.suggestions.all()):
        minutes = version.minutes_suggestions
        slides.append(Slide("suggestions", _("Suggestions"), minutes, suggestions))
    reviews = list(day.assignmentreviews.all())
    for n, review in enumerate(reviews, start=1):
        title = _("Assignment review %(n)s of %(count)s") % {"n": n, "count": len(reviews)}
        slides.append(Slide("review", title, version.minutes_review, item=review))
    if questions := list(day.questions.all()):
        slides.append(Slide("questions", _("Questions"), version.minutes_questions, questions))
    if actions := list(day.actionitems.all()):
        slides.append(Slide("actions", _("Action items"), version.minutes_actions, actions))
    for section in day.freesections.all():
        title = section.heading or _("Other topics")
        slides.append(Slide("section", title, version.minutes_section, item=section))
    return slides


def _key(day: Day) -> str:
    return f"present:{day.pk}"


def position(day: Day) -> dict:
    """Where the moderator has everyone: {"index", "moved_at"} (ms since the epoch), or
    an index of None before they first moved; with the server's "now", for the timers."""
    found = cache.get(_key(day)) or {"index": None, "moved_at": None}
    return {**found, "now": _ms(timezone.now())}


def move(day: Day, index: int) -> dict:
    """Move everyone there: kept for the pages that ask, told to those listening live."""
    cache.set(_key(day), {"index": index, "moved_at": _ms(timezone.now())}, POSITION_SECONDS)
    where = position(day)
    notify.presenter_moved(day.pk, where)
    return where


def _ms(moment: datetime.datetime) -> int:
    return int(moment.timestamp() * 1000)
