"""The member's blog: the connection in their profile, and publishing their own posts.

Only the member themself publishes their posts and manages their connection: a post
goes to the member's own repository with the member's own credential, so nobody
else, the team's admins included, may push it (they get 403; outsiders 404). The
requests only queue: the push runs in the background (publishing.py).
"""

import difflib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..access import get_day_for
from ..models import BlogConnection, Day, Membership, PublishedPost
from . import crypto, publishing
from .forms import BlogConnectionForm
from .posts import post_for

RECENT_POSTS = 20


def _connection(user) -> BlogConnection | None:
    return BlogConnection.objects.filter(user=user).first()


# The profile: /accounts/blog/


@login_required
def profile(request):
    connection = _connection(request.user)
    form = BlogConnectionForm(
        request.POST or None,
        instance=connection or BlogConnection(user=request.user),
    )
    if request.method == "POST" and form.is_valid():
        publishing.save_connection(form.instance, form.new_secret())
        messages.success(request, _("Your blog connection was saved."))
        return redirect("peer:blog")
    posts = []
    if connection:
        posts = (
            connection.posts.select_related("day__team", "member")
            .exclude(status=PublishedPost.Status.UNCHANGED, message="")
            .order_by("-updated_at")[:RECENT_POSTS]
        )
    return render(
        request,
        "peer/blog/profile.html",
        {
            "form": form,
            "connection": connection,
            "posts": posts,
            "can_store": crypto.configured(),
            "cannot_store": crypto.NOT_CONFIGURED,
        },
        status=422 if form.errors else 200,
    )


@login_required
@require_POST
def publish_all(request):
    connection = _connection(request.user)
    if connection is None:
        messages.error(request, _("Connect your blog first."))
        return redirect("peer:blog")
    count = publishing.queue_all(connection)
    messages.success(
        request,
        _("%(count)d posts are being published in one commit.") % {"count": count}
        if count
        else _("You have no posts to publish yet."),
    )
    return redirect("peer:blog")


@login_required
@require_POST
def disconnect(request):
    BlogConnection.objects.filter(user=request.user).delete()
    messages.success(request, _("Your blog is disconnected and its credential deleted."))
    return redirect("peer:blog")


# One post: /teams/<team>/days/<date>/<member>/blog/


def _own_post(request, team, date, member) -> tuple:
    """The team, the requester's membership and the day, if `member` is the requester."""
    team, membership, day = get_day_for(request, team, date)
    if member != membership.pk:
        get_object_or_404(Membership, team=team, pk=member)
        raise PermissionDenied  # someone else's post: only they publish it
    return team, membership, day


def _status_context(request, team, membership, day) -> dict:
    connection = _connection(request.user)
    post = None
    if connection:
        post = PublishedPost.objects.filter(
            connection=connection, day=day, member=membership
        ).first()
    return {
        "team": team,
        "membership": membership,
        "subject": membership,
        "day": day,
        "connection": connection,
        "post": post,
    }


@login_required
def post_status(request, team, date, member):
    team, membership, day = _own_post(request, team, date, member)
    context = _status_context(request, team, membership, day)
    if request.htmx:
        return render(request, "peer/blog/_status.html", context)
    post = context["post"]
    if post and post.status == PublishedPost.Status.CONFLICT:
        day = Day.objects.for_record().get(pk=day.pk)
        _filename, ours, _images = post_for(
            day, membership, assets_folder=post.connection.assets_folder
        )
        context["ours"] = ours
        context["diff"] = diff_lines(post.their_text, ours)
    return render(request, "peer/blog/post.html", context)


@login_required
@require_POST
def publish(request, team, date, member):
    team, membership, day = _own_post(request, team, date, member)
    connection = _connection(request.user)
    if connection is None:
        messages.error(request, _("Connect your blog first."))
        return redirect("peer:blog")
    publishing.queue(connection, [(day.pk, membership.pk)])
    if request.htmx:
        return render(
            request, "peer/blog/_status.html", _status_context(request, team, membership, day)
        )
    messages.success(request, _("Publishing started."))
    return redirect("peer:blog_post", team=team.slug, date=day.date, member=membership.pk)


@login_required
@require_POST
def resolve(request, team, date, member):
    team, membership, day = _own_post(request, team, date, member)
    choice = request.POST.get("choice")
    post = get_object_or_404(
        PublishedPost, connection__user=request.user, day=day, member=membership
    )
    if choice not in ("theirs", "ours"):
        messages.error(request, _("Choose which version to keep."))
    else:
        publishing.resolve(post, choice)
        messages.success(
            request,
            _("Kept the version in your blog.")
            if choice == "theirs"
            else _("Studylog's version is being published over it."),
        )
    return redirect("peer:blog_post", team=team.slug, date=day.date, member=membership.pk)


def diff_lines(theirs: str, ours: str) -> list[tuple[str, str]]:
    """The two versions line by line: ("del", line) only in the blog's, ("add", line)
    only in Studylog's, ("same", line) in both, ("gap", "…") for unchanged runs left out."""
    lines = []
    diff = difflib.unified_diff(theirs.splitlines(), ours.splitlines(), lineterm="", n=2)
    for line in diff:
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            lines.append(("gap", "…"))
        elif line.startswith("-"):
            lines.append(("del", line[1:]))
        elif line.startswith("+"):
            lines.append(("add", line[1:]))
        else:
            lines.append(("same", line[1:]))
    return lines
