"""Publishing to members' Jekyll blogs and bringing their old posts in.

Who may export: a member's posts go to that member's own blog, so the member
themself may download them, and so may the team's admins (a member without an
account cannot log in to fetch theirs). Any other member or observer gets 403,
people outside the team 404. A log marked "Only me" stays the member's: in an
admin's download of someone else's posts, that member's private logs (study links,
notes and retrospective) are left out, as on the member's record page.

Importing is for admins only; the work is sessions.jekyll.importer's, one
transaction per file, and safe to repeat.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import content_disposition_header
from django.utils.text import get_valid_filename

from ..access import get_team_for
from ..forms.publish import ImportForm
from ..jekyll.catalogue import member_days, posts_zip
from ..jekyll.export import member_post
from ..jekyll.importer import FAILED, IMPORTED, UNCHANGED, import_files
from ..models import Day, MemberLog, Membership


def _subject_for(team, membership: Membership, member: int) -> Membership:
    """The member whose posts are asked for, if the requester may have them."""
    subject = get_object_or_404(Membership, team=team, pk=member)
    if subject.pk != membership.pk and not membership.is_admin:
        raise PermissionDenied
    return subject


def _as_seen_by(days: QuerySet, subject: Membership, viewer: Membership) -> QuerySet:
    """`days` (prefetched as Day.objects.for_record() does it) without the subject's
    private logs, unless the viewer is the subject."""
    if viewer.pk == subject.pk:
        return days
    logs = (
        MemberLog.objects.exclude(member=subject, visibility=MemberLog.Visibility.PRIVATE)
        .select_related("member")
        .prefetch_related("links")
    )
    # Swap the record's "logs" prefetch for the filtered one and keep the others, so the
    # record's list of relations stays defined in one place (DayQuerySet.for_record).
    lookups = [
        Prefetch("logs", queryset=logs)
        if getattr(lookup, "prefetch_to", lookup) == "logs"
        else lookup
        for lookup in days._prefetch_related_lookups
    ]
    return days.prefetch_related(None).prefetch_related(*lookups)


def _attachment(content: bytes | str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@login_required
def export_post(request, team, date, member):
    team, membership = get_team_for(request, team)
    subject = _subject_for(team, membership, member)
    days = _as_seen_by(Day.objects.for_record(), subject, membership)
    day = get_object_or_404(days, team=team, date=date)
    # One file: the post as it stands; its pasted images come with the zip (posts.zip).
    post = member_post(day, subject)
    return _attachment(post.text, "text/markdown; charset=utf-8", post.filename)


@login_required
def export_zip(request, team, member):
    team, membership = get_team_for(request, team)
    subject = _subject_for(team, membership, member)
    if subject.pk == membership.pk:
        content = posts_zip(team, subject)
    else:
        days = _as_seen_by(member_days(team, subject), subject, membership)
        content = posts_zip(team, subject, days=days)
    filename = get_valid_filename(f"{team.slug}-{subject.display_name}-posts.zip")
    return _attachment(content, "application/zip", filename)


@login_required
def import_page(request, team):
    team, membership = get_team_for(request, team, admin=True)
    # Bound on every POST (not `request.POST or None`): a post with no files at all
    # carries an empty POST, and should still say that files are needed.
    posted = request.method == "POST"
    form = ImportForm(
        request.POST if posted else None, request.FILES if posted else None, team=team
    )
    report = None
    if posted and form.is_valid():
        author = form.cleaned_data["author"]
        report = import_files(
            team,
            form.cleaned_data["files"],
            member_name=author.display_name if author else None,
            user=request.user,
        )
        form = ImportForm(team=team, initial={"author": author})  # ready for the next batch
    return render(
        request,
        "peer/import.html",
        {
            "team": team,
            "membership": membership,
            "form": form,
            "report": report,
            "counts": {s: report.count(s) for s in (IMPORTED, UNCHANGED, FAILED)}
            if report
            else None,
        },
    )
