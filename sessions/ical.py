"""Each member's duties as an iCalendar feed: the days they moderate, the reviews they present.

The feed lives at a secret address (Membership.calendar_token) that calendar apps poll
without logging in; revoking the token gives the member a new address and the old one 404s.
"""

import datetime
from dataclasses import dataclass

import icalendar
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import schedule
from .models import AssignmentReview, Day, Membership, Team

PAST_DAYS = 60  # recorded duties this far back stay in the calendar
NEXT_SESSIONS = 40  # how many upcoming session dates the feed looks ahead
PRODID = "-//Studylog//Peer session duties//KO"


@dataclass(frozen=True)
class Duty:
    """A moderator day (review is None) or one assignment review the member presents."""

    date: datetime.date
    uid: str
    day: Day | None  # None for a scheduled date nobody has recorded yet
    review: AssignmentReview | None = None

    @property
    def is_review(self) -> bool:
        return self.review is not None


def member_duties(membership: Membership, today: datetime.date) -> list[Duty]:
    """The member's moderator days and reviews, from PAST_DAYS ago to NEXT_SESSIONS ahead."""
    team = membership.team
    since = today - datetime.timedelta(days=PAST_DAYS)
    upcoming = schedule.next_session_dates(team, today, NEXT_SESSIONS)
    until = upcoming[-1] if upcoming else today
    days = {d.date: d for d in Day.objects.filter(team=team, date__range=(since, until))}
    for d in days.values():
        d.team = team  # display_title reads it: no query per day

    moderating: set[datetime.date] = {
        date for date, d in days.items() if d.moderator_id == membership.pk
    }  # recorded days, past and future (a recorded day may be off the calendar)
    if upcoming:
        moderating |= {
            slot.date
            for slot in schedule.schedule(team, upcoming[0], upcoming[-1])
            if slot.moderator is not None and slot.moderator.pk == membership.pk
        }
    duties = [
        Duty(
            date=date, uid=f"moderator-{team.slug}-{date.isoformat()}@studylog", day=days.get(date)
        )
        for date in moderating
    ]

    reviews = AssignmentReview.objects.presented_by(membership, since=since)
    duties += [
        Duty(
            date=review.day.date,
            uid=f"review-{team.slug}-{review.pk}@studylog",
            day=review.day,
            review=review,
        )
        for review in reviews
    ]
    return sorted(duties, key=lambda d: (d.date, d.is_review, d.review.position if d.review else 0))


def member_calendar(
    membership: Membership, today: datetime.date, *, base_url: str | None = None
) -> bytes:
    """The member's feed as an .ics file, in the team's language and time zone.

    `base_url` ("https://host") makes the events' links absolute; settings.SITE_URL by default.
    """
    team = membership.team
    base = (base_url or settings.SITE_URL).rstrip("/")
    stamp = timezone.now().replace(microsecond=0)
    with translation.override(team.language):
        cal = icalendar.Calendar()
        cal.add("prodid", PRODID)
        cal.add("version", "2.0")
        cal.add("calscale", "GREGORIAN")
        cal.add("method", "PUBLISH")
        cal.add("x-wr-calname", _("Peer session duties · %(team)s") % {"team": team.name})
        cal.add("x-wr-timezone", team.timezone)
        # Hints for how often to poll (Apple Calendar, Outlook); Google decides for itself.
        cal.add("refresh-interval", datetime.timedelta(hours=1), parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", "PT1H")
        for duty in member_duties(membership, today):
            cal.add_component(_event(team, duty, base, stamp))
        cal.add_missing_timezones()
        return cal.to_ical()


def _event(team: Team, duty: Duty, base: str, stamp: datetime.datetime) -> icalendar.Event:
    url = base + (
        reverse("peer:day", kwargs={"team": team.slug, "date": duty.date})
        if duty.day is not None
        else reverse("peer:team", kwargs={"team": team.slug})
    )
    if duty.review is not None:
        summary = _("Assignment review presentation: %(assignment)s · %(team)s") % {
            "assignment": duty.review.assignment,
            "team": team.name,
        }
        lines = [duty.review.topic] if duty.review.topic else []
    else:
        summary = _("Peer session moderator · %(team)s") % {"team": team.name}
        lines = [duty.day.display_title] if duty.day is not None else []
    event = icalendar.Event()
    event.add("uid", duty.uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", datetime.datetime.combine(duty.date, team.session_start, tzinfo=team.tz))
    event.add("dtend", datetime.datetime.combine(duty.date, team.session_end, tzinfo=team.tz))
    event.add("summary", summary)
    event.add("description", "\n".join([*lines, url]))
    event.add("url", url)
    return event


@transaction.atomic
def revoke_token(membership: Membership) -> str:
    """Give the member a new feed address; the old one stops working at once."""
    # The field's own default makes the token, so old and new tokens look alike.
    new_token = Membership._meta.get_field("calendar_token").get_default()
    Membership.objects.filter(pk=membership.pk).update(calendar_token=new_token)
    membership.calendar_token = new_token
    return new_token
