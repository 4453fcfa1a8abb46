"""Closing and reopening a day.

The day's moderator or an admin closes it when the session is over: from then on it
is read-only for everyone, each member's own log excepted. Only an admin reopens it.
Who did either, and when, stays on the day and shows on its edit and record pages.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from ..access import get_day_for, require_moderator
from ..models import Day


def close(day: Day, *, user) -> bool:
    """Close the day; False if it was closed already. One transaction, under the day's
    lock, so a save still under way lands first and any later one is refused."""
    with transaction.atomic():
        day = Day.objects.select_for_update(no_key=True).get(pk=day.pk)
        if day.is_closed:
            return False
        day.closed_at = timezone.now()
        day.closed_by = user
        _save(day, user, "closed_at", "closed_by")
        return True


def reopen(day: Day, *, user) -> bool:
    """Reopen a closed day; False if it was open. Who closed it is kept."""
    with transaction.atomic():
        day = Day.objects.select_for_update(no_key=True).get(pk=day.pk)
        if not day.is_closed:
            return False
        day.closed_at = None
        day.reopened_at = timezone.now()
        day.reopened_by = user
        _save(day, user, "closed_at", "reopened_at", "reopened_by")
        return True


def _save(day: Day, user, *fields: str) -> None:
    # A new version, like any save of the day: open editors refresh their session panel.
    day.version += 1
    day.updated_by = user
    day.save(update_fields=[*fields, "version", "updated_by", "updated_at"])


def _back_to_the_editor(request, team, day):
    url = reverse("peer:day_edit", kwargs={"team": team.slug, "date": day.date})
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
