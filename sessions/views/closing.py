"""Closing and reopening a day (the domain is in sessions/closing.py): the moderator or
an admin closes it, an admin reopens it (from the editor or the record), and both land
back where they were asked from."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from ..access import get_day_for, require_moderator
from ..closing import close, reopen


def _back_to_the_editor(request, team, day):
    # The record's own reopen button (back=record) lands back on the record.
    name = "peer:day" if request.POST.get("back") == "record" else "peer:day_edit"
    url = reverse(name, kwargs={"team": team.slug, "date": day.date})
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@login_required
@require_POST
def close_day(request, team, date):
    team, membership, day = get_day_for(request, team, date, write=True)
    require_moderator(day, membership)
    if close(day, user=request.user):
        messages.success(request, _("The day is closed: it is read-only now."))
    else:
        messages.info(request, _("The day was already closed."))
    return _back_to_the_editor(request, team, day)


@login_required
@require_POST
def reopen_day(request, team, date):
    team, membership, day = get_day_for(request, team, date, write=True)
    if not membership.is_admin:
        raise PermissionDenied
    if reopen(day, user=request.user):
        messages.success(request, _("The day is open again."))
    else:
        messages.info(request, _("The day was not closed."))
    return _back_to_the_editor(request, team, day)
