"""Each member's iCalendar feed of their duties, and revoking its secret address."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from .. import ical, schedule
from ..access import get_team_for
from ..models import Membership

UPCOMING_SHOWN = 5


@login_required
def calendar_settings(request, team):
    team, membership = get_team_for(request, team)
    feed_url = request.build_absolute_uri(
        reverse("peer:calendar_feed", kwargs={"token": membership.calendar_token})
    )
    today = schedule.local_today(team)
    upcoming = [d for d in ical.member_duties(membership, today) if d.date >= today]
    return render(
        request,
        "peer/calendar.html",
        {
            "team": team,
            "membership": membership,
            "feed_url": feed_url,
            # Apple Calendar (and most desktop apps) subscribe when opening webcal:// links.
            "webcal_url": "webcal://" + feed_url.split("://", 1)[1],
            "upcoming": upcoming[:UPCOMING_SHOWN],
        },
    )


@login_required
@require_POST
def revoke(request, team):
    team, membership = get_team_for(request, team)
    ical.revoke_token(membership)
    messages.success(
        request,
        _("You have a new calendar address. The old one no longer works: subscribe again."),
    )
    return redirect("peer:calendar", team=team.slug)


@require_safe
def feed(request, token):
    # No login: calendar apps cannot log in. The token is the secret, so anything
    # that does not name an active member's current token is simply not found.
    membership = get_object_or_404(
        Membership.objects.select_related("team").exclude(user__is_active=False),
        calendar_token=token,
        is_active=True,
    )
    body = ical.member_calendar(
        membership,
        schedule.local_today(membership.team),
        base_url=request.build_absolute_uri("/"),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="studylog-{membership.team.slug}.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response
