"""Comments on a day and its items: post, edit, delete, hide; and following a mention.

The record page holds the forms; each write redirects back to the comment on it. A
refused comment comes back on a page of its own, with the error beside the text and
the text kept.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from .. import comments
from ..access import get_day_for, get_team_for
from ..forms.comments import CommentForm
from ..kinds import KINDS
from ..models import Comment, Mention
from ..search.plain import plain


def _on_record(team, day, pk: int | None = None, anchor: str = "") -> str:
    url = reverse("peer:day", args=[team.slug, day.date])
    return f"{url}#comment-{pk}" if pk else f"{url}#{anchor or 'comments'}"


def _subject(form: CommentForm) -> str:
    """What a refused new comment was about, in a few words, for its page."""
    item = form.item
    if item is None:
        return ""
    spec = KINDS[item.kind]
    lead = plain(str(getattr(item, spec.searched[0]) or ""))
    return f"{spec.label} · {lead[:80]}" if lead else str(spec.label)


def _page(request, team, membership, day, form, *, comment=None, status=200):
    context = {
        "team": team,
        "membership": membership,
        "day": day,
        "form": form,
        "comment": comment,
        "subject": "" if comment else _subject(form),
    }
    return render(request, "peer/comments/form_page.html", context, status=status)


@login_required
@require_POST
def comment_create(request, team, date):
    """Any active member, observers too, on an open or a closed day."""
    team, membership, day = get_day_for(request, team, date)
    form = CommentForm(request.POST, day=day)
    if not form.is_valid():
        return _page(request, team, membership, day, form, status=422)
    try:
        comment = comments.post(
            day=day,
            author=membership,
            body=form.cleaned_data["body"],
            target=form.cleaned_data["target"],
            parent=form.cleaned_data["parent"],
            user=request.user,
        )
    except comments.Gone:  # the comment answered was deleted while this was sent
        form.gone("parent")
        return _page(request, team, membership, day, form, status=422)
    return redirect(_on_record(team, day, comment.pk))


def _own(request, team, date, pk):
    """The requester's own comment on the day (404 for anything else of the team's
    they may not see; 403 for someone else's)."""
    team, membership, day = get_day_for(request, team, date)
    comment = get_object_or_404(Comment, day=day, pk=pk, deleted_at=None)
    if comment.author_id != membership.pk:
        raise PermissionDenied
    return team, membership, day, comment


@login_required
def comment_edit(request, team, date, pk):
    team, membership, day, comment = _own(request, team, date, pk)
    form = CommentForm(request.POST or None, instance=comment, day=day)
    if request.method == "POST":
        if form.is_valid():
            try:
                comments.edit(comment, body=form.cleaned_data["body"], user=request.user)
            except comments.Gone:  # deleted from another tab meanwhile
                raise Http404("No such comment") from None
            return redirect(_on_record(team, day, comment.pk))
        return _page(request, team, membership, day, form, comment=comment, status=422)
    return _page(request, team, membership, day, form, comment=comment)


@login_required
@require_POST
def comment_delete(request, team, date, pk):
    team, _membership, day, comment = _own(request, team, date, pk)
    anchor = f"comment-{comment.parent_id}" if comment.parent_id else "comments"
    comments.delete(comment, user=request.user)
    # htmx asked (after its confirm): reload the record where it is. A redirect that
    # changes only the #fragment would not reload the page.
    return (
        HttpResponseClientRefresh()
        if request.htmx
        else redirect(_on_record(team, day, anchor=anchor))
    )


@login_required
@require_POST
def comment_hide(request, team, date, pk):
    """An admin hides a comment (`hidden=1`) or shows it again (`hidden=0`)."""
    team, membership, day = get_day_for(request, team, date)
    if not membership.is_admin:
        raise PermissionDenied
    comment = get_object_or_404(Comment, day=day, pk=pk, deleted_at=None)
    hidden = request.POST.get("hidden") != "0"
    try:
        comments.set_hidden(comment, hidden=hidden, by=membership, user=request.user)
    except comments.Gone:  # its author deleted it meanwhile
        raise Http404("No such comment") from None
    return redirect(_on_record(team, day, comment.pk))


@login_required
@require_http_methods(["GET", "POST"])
def comment_jump(request, team, pk):
    """A comment's own address (the digest links here): shows it on its day. POST (a
    mention opened from the home page) marks the requester's mention of it seen first."""
    team, membership = get_team_for(request, team)
    comment = get_object_or_404(Comment.objects.select_related("day"), day__team=team, pk=pk)
    if request.method == "POST":
        Mention.objects.filter(comment=comment, member=membership, seen_at=None).update(
            seen_at=timezone.now()
        )
    return redirect(_on_record(team, comment.day, comment.pk))


@login_required
@require_POST
def mentions_seen(request, team):
    """Mark every mention of the requester in the team as seen (the home page's button)."""
    team, membership = get_team_for(request, team)
    Mention.objects.filter(member=membership, seen_at=None).update(seen_at=timezone.now())
    return redirect("peer:home")
