"""The presenter's view: a day's agenda full screen, read-only, with a timer per part;
the moderator's moves carry everyone's screens (sessions/presenter.py)."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .. import presenter
from ..access import get_day_for
from ..forms.base import parse_id
from ..models import Day

MAX_INDEX = 999


@login_required
def present(request, team, date):
    days = Day.objects.for_record().select_related("template_version")
    team, membership, day = get_day_for(request, team, date, queryset=days)
    context = {
        "team": team,
        "membership": membership,
        "day": day,
        "slides": presenter.agenda(day),
        "version": presenter.version_of(day),
        "participants": [a.member for a in day.attendances.all() if a.took_part],
        "can_lead": day.can_moderate(membership),
        # Followers hear the moderator's moves over the live layer where there is one.
        "live_url": f"/ws/teams/{team.slug}/days/{day.iso}/present/"
        if settings.LIVE_EDITING
        else "",
    }
    return render(request, "peer/present.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def present_position(request, team, date):
    """GET: where the moderator has everyone. POST `index`: move everyone there (the
    day's moderator or an admin)."""
    team, membership, day = get_day_for(request, team, date)
    if request.method == "GET":
        return JsonResponse(presenter.position(day))
    if not day.can_moderate(membership):
        raise PermissionDenied
    raw = request.POST.get("index", "")
    index = 0 if raw == "0" else parse_id(raw)
    if index is None or index > MAX_INDEX:
        message = _("The part to show must be a number from 0 to %(max)s.") % {"max": MAX_INDEX}
        return JsonResponse({"error": message}, status=400)
    return JsonResponse(presenter.move(day, index))
