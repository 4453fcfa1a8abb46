"""A day's history: every saved change, who made it and when, and restoring one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.dateformat import format as date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .. import history
from ..access import MODERATED_KINDS, get_day_for, lock_open_day, require_open
from ..models import Day, MemberLog, Membership, Revision

REVISIONS_PER_PAGE = 30


def _may_restore(rev: Revision, day: Day, membership: Membership, own_logs: set[int]) -> bool:
    """Restoring is saving: the same people who may save that part of the day. A log
    is restored only by its own member (on a closed day too, as it is edited)."""
    if not membership.can_write:
        return False
    if rev.kind == history.LOG:
        return rev.object_id in own_logs
    if day.is_closed:
        return False
    if rev.kind == history.SESSION or rev.kind in MODERATED_KINDS:
        return day.can_moderate(membership)
    return True


def _own_logs(day: Day, membership: Membership) -> set[int]:
    return set(MemberLog.objects.filter(day=day, member=membership).values_list("pk", flat=True))


@login_required
@require_GET
def day_history(request, team, date):
    team, membership, day = get_day_for(request, team, date)
    revisions = history.visible(day, membership)
    page = Paginator(revisions, REVISIONS_PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    own_logs = _own_logs(day, membership)
    ids = history.member_ids(rows) | {r.author_id for r in rows if r.author_id}
    names = dict(team.memberships.filter(pk__in=ids).values_list("pk", "display_name"))
    authors = dict(team.memberships.filter(user_id__in=ids).values_list("user_id", "display_name"))
    entries = [
        {
            "rev": rev,
            "title": history.title_of(rev),
            "author": authors.get(rev.author_id),
            "changes": history.changes(rev, names),
            "restorable": _may_restore(rev, day, membership, own_logs),
        }
        for rev in rows
    ]
    return render(
        request,
        "peer/history.html",
        {
            "team": team,
            "membership": membership,
            "day": day,
            "page": page,
            "entries": entries,
        },
    )


@login_required
@require_POST
def restore(request, team, date, pk):
    team, membership, day = get_day_for(request, team, date, write=True)
    rev = get_object_or_404(history.visible(day, membership), pk=pk)
    if rev.kind != history.LOG:
        require_open(day)  # a closed day answers 403 as every other write does
    if not _may_restore(rev, day, membership, _own_logs(day, membership)):
        raise PermissionDenied
    try:
        with transaction.atomic():
            if rev.kind != history.LOG:
                lock_open_day(day)
            history.restore(rev, user=request.user)
    except history.CannotRestore:
        messages.error(request, _("This version can no longer be restored."))
    else:
        when = date_format(localtime(rev.created_at), "Y-m-d H:i")
        messages.success(request, _("Restored the version saved at %(when)s.") % {"when": when})
    return redirect("peer:day_history", team.slug, day.date)
