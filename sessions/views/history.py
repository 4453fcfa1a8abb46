"""A day's history: every saved change, who made it and when, and restoring one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.dateformat import format as date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .. import history
from ..access import get_day_for, may_edit_items, writable_logs
from ..models import Comment, Day, Membership, Revision

REVISIONS_PER_PAGE = 30


def _may_restore(rev: Revision, day: Day, membership: Membership, own_logs: set[int]) -> bool:
    """Restoring is saving: the same people who may save that part of the day. A log
    is restored by whoever may write it (access.may_write_log; on a closed day too,
    as it is edited)."""
    if rev.kind == history.COMMENT:  # its author edits it; nobody restores it
        return False
    if rev.kind == history.LOG:
        return membership.can_write and rev.object_id in own_logs
    if rev.kind == history.SESSION:
        # The session's state includes its moderator: restoring it may hand the day over.
        return may_edit_items(rev.kind, day, membership) and day.can_moderate(membership)
    return may_edit_items(rev.kind, day, membership)


def _readable_comments(rows, membership: Membership) -> set[int] | None:
    """The comments on this page of revisions whose text the reader may see: those still
    there, not deleted, and not hidden unless theirs (None: every one, for an admin, who
    answers for what the team reads). A deleted or hidden comment's revisions keep its text
    from everyone else, as its place on the record does (one query)."""
    if membership.is_admin:
        return None
    ids = {rev.object_id for rev in rows if rev.kind == history.COMMENT}
    if not ids:
        return set()
    readable = Comment.objects.filter(pk__in=ids, deleted_at=None).filter(
        Q(hidden=False) | Q(author=membership)
    )
    return set(readable.values_list("pk", flat=True))


def _own_logs(day: Day, membership: Membership) -> set[int]:
    return set(writable_logs(day, membership).values_list("pk", flat=True))


@login_required
@require_GET
def day_history(request, team, date):
    team, membership, day = get_day_for(request, team, date)
    revisions = history.visible(day, membership)
    page = Paginator(revisions, REVISIONS_PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    own_logs = _own_logs(day, membership)
    owners = history.log_owners(rows)
    # Members named in the states, the logs' members and the authors (users), in one query.
    named = history.member_ids(rows) | set(owners.values())
    writers = {user for r in rows for user in [r.author_id, *r.coauthors]}
    members = team.memberships.filter(Q(pk__in=named) | Q(user_id__in=writers)).values_list(
        "pk", "user_id", "display_name"
    )
    names = {pk: name for pk, _user, name in members}
    authors = {user: name for _pk, user, name in members if user is not None}
    readable = _readable_comments(rows, membership)

    def shown(rev) -> bool:
        return rev.kind != history.COMMENT or readable is None or rev.object_id in readable

    entries = [
        {
            "rev": rev,
            "title": history.title_of(rev, names, owners)
            if shown(rev)
            else _("A comment since deleted or hidden"),
            "author": authors.get(rev.author_id),
            "coauthors": [authors[user] for user in rev.coauthors if user in authors],
            "changes": history.changes(rev, names) if shown(rev) else [],
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
    if not _may_restore(rev, day, membership, _own_logs(day, membership)):
        raise PermissionDenied
    try:
        history.restore(rev, user=request.user)
    except history.CannotRestore:
        messages.error(request, _("This version can no longer be restored."))
    else:
        when = date_format(localtime(rev.created_at), "Y-m-d H:i")
        messages.success(request, _("Restored the version saved at %(when)s.") % {"when": when})
    return redirect("peer:day_history", team.slug, day.date)
