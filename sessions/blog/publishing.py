"""Publishing a member's posts to their blog: queueing, one run per connection, conflicts.

A request only queues (rows of PublishedPost, then a task once the transaction
commits); the run (tasks.py, or `manage.py publish_posts` from cron) takes every post
of the connection that is due, fetches the blog's branch once, decides post by post,
and writes whatever changed in ONE commit and one push:

- the repository's file is already Studylog's text: unchanged, no commit;
- the file is missing, or is what Studylog last wrote (its blob id is `known_blob`), or
  is the version the member agreed to replace: written;
- the member kept the repository's version and nothing changed in Studylog since:
  left alone;
- anything else was changed in the repository: a conflict. Nothing is written; the
  member sees both versions and keeps theirs or overwrites it (resolve()).

A failure (unreachable, refused credential, timeout) marks the posts failed with a
message that holds no secret, and they are tried again later with growing delays.
"""

import datetime
import logging
import posixpath
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..jekyll.catalogue import member_days
from ..models import Attendance, BlogConnection, Day, Membership, PublishedPost
from . import crypto, tasks
from .git import GitError, Remote, Workspace, blob_id, scrub
from .posts import post_for, posts_for

logger = logging.getLogger(__name__)

Status = PublishedPost.Status
MAX_ATTEMPTS = 8
RUNS_PER_CALL = 3  # a push refused because the branch moved is tried again at once
BUSY_RETRY = datetime.timedelta(seconds=30)


def backoff(attempts: int) -> datetime.timedelta:
    """1, 2, 4 … minutes after the attempts so far, at most six hours."""
    return datetime.timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


# The connection


def save_connection(connection: BlogConnection, secret: str | None) -> None:
    """Save the member's connection, encrypting a new credential (None keeps the stored
    one, "" drops it). Moving to another repository, branch or folder forgets what was
    written to the old one."""
    with transaction.atomic():
        if connection.pk:
            before = BlogConnection.objects.select_for_update(no_key=True).get(pk=connection.pk)
            place = ("remote_url", "branch", "posts_folder")
            if any(getattr(before, f) != getattr(connection, f) for f in place):
                connection.posts.all().delete()
                connection.last_status = connection.last_message = connection.last_commit = ""
        if secret is not None:
            connection.credential = crypto.encrypt(secret) if secret else ""
        connection.save()


# Queueing (requests, closing a day, the whole blog)


def queue(connection: BlogConnection, posts: Iterable[tuple[int, int]]) -> int:
    """Mark the (day id, membership id) posts to be published; a run starts once the
    caller's transaction commits. Only the connection's own user's posts are taken."""
    wanted = set(posts)
    own = set(
        Membership.objects.filter(
            pk__in={member for _day, member in wanted}, user_id=connection.user_id
        ).values_list("pk", flat=True)
    )
    wanted = {(day, member) for day, member in wanted if member in own}
    if not wanted:
        return 0
    with transaction.atomic():
        existing = PublishedPost.objects.filter(
            connection=connection, day_id__in={day for day, _m in wanted}
        ).values_list("pk", "day_id", "member_id")
        known = {(day, member): pk for pk, day, member in existing if (day, member) in wanted}
        PublishedPost.objects.filter(pk__in=known.values()).update(
            status=Status.QUEUED,
            attempts=0,
            next_attempt_at=None,
            message="",
            updated_at=timezone.now(),
        )
        PublishedPost.objects.bulk_create(
            PublishedPost(connection=connection, day_id=day, member_id=member)
            for day, member in wanted - known.keys()
        )
        BlogConnection.objects.filter(pk=connection.pk).update(
            last_status=Status.QUEUED, last_message=""
        )
        transaction.on_commit(lambda: enqueue(connection.pk))
    return len(wanted)


def queue_all(connection: BlogConnection) -> int:
    """Every post of the connection's user, in every team they are an active member of."""
    posts = []
    for member in Membership.objects.filter(
        user_id=connection.user_id, is_active=True
    ).select_related("team"):
        days = member_days(member.team, member).prefetch_related(None).values_list("pk", flat=True)
        posts += [(day, member.pk) for day in days]
    return queue(connection, posts)


def day_closed(day: Day) -> None:
    """Queue the day's posts of members who publish when a day is closed (closing.close)."""
    took_part = Q(attendances__day=day, attendances__status__in=Attendance.PRESENT_STATUSES)
    members = (
        Membership.objects.filter(team_id=day.team_id, is_active=True)
        .filter(user__blog_connection__publish_on_close=True)
        .filter(took_part | Q(logs__day=day))
        .select_related("user__blog_connection")
        .distinct()
    )
    for member in members:
        queue(member.user.blog_connection, [(day.pk, member.pk)])


def enqueue(connection_id: int, *, run_after: datetime.datetime | None = None) -> None:
    """Start a run in the background (a later one if the backend can defer)."""
    task = tasks.publish_connection
    if run_after is not None:
        if not task.get_backend().supports_defer:
            return  # `manage.py publish_posts` from cron retries it
        task = task.using(run_after=run_after)
    task.enqueue(connection_id)


def resolve(post: PublishedPost, choice: str) -> None:
    """The member's answer to a conflict: "theirs" keeps the repository's file (it
    becomes what Studylog knows, nothing is written), "ours" publishes Studylog's over it."""
    with transaction.atomic():
        post = PublishedPost.objects.select_for_update(no_key=True).get(pk=post.pk)
        if post.status != Status.CONFLICT:
            return
        if choice == "theirs":
            _filename, text, _images = post_for(
                _day_for_render(post.day_id),
                post.member,
                assets_folder=post.connection.assets_folder,
            )
            post.known_blob = post.their_blob
            post.rendered_blob = blob_id(text.encode())
            post.status = Status.UNCHANGED
            post.message = _("You kept the version in your blog.")
            post.their_text = ""
        else:
            post.overwrite_blob = post.their_blob
            post.status = Status.QUEUED
            post.message = ""
            post.attempts = 0
            post.next_attempt_at = None
            transaction.on_commit(lambda: enqueue(post.connection_id))
        post.save()


def due() -> Q:
    """Posts a run takes: queued ones, and failed ones whose next attempt has come."""
    return Q(status=Status.QUEUED) | Q(
        status=Status.FAILED, next_attempt_at__lte=timezone.now(), attempts__lt=MAX_ATTEMPTS
    )


# Running


def run(connection_id: int) -> str:
    """Publish what is due for the connection; what happened, in a word."""
    outcome = "idle"
    for attempt in range(1, RUNS_PER_CALL + 1):
        if not _claim(connection_id):
            # Another run holds the blog: look again shortly (cron catches it otherwise).
            enqueue(connection_id, run_after=timezone.now() + BUSY_RETRY)
            return "busy"
        try:
            outcome = _run_once(connection_id, last=attempt == RUNS_PER_CALL)
        finally:
            BlogConnection.objects.filter(pk=connection_id).update(busy_until=None)
        queued_meanwhile = PublishedPost.objects.filter(
            connection_id=connection_id, status=Status.QUEUED
        ).exists()
        if outcome != "rejected" and not queued_meanwhile:
            break
    return outcome


def run_due() -> int:
    """Run every connection with posts due (cron); how many connections were run."""
    ids = (
        PublishedPost.objects.filter(due())
        .order_by()
        .values_list("connection_id", flat=True)
        .distinct()
    )
    count = 0
    for connection_id in list(ids):
        run(connection_id)
        count += 1
    return count


def _claim(connection_id: int) -> bool:
    """Hold the connection for one run, so two workers never push to one blog at once."""
    now = timezone.now()
    until = now + datetime.timedelta(seconds=settings.BLOG_GIT_TIMEOUT * 5 + 60)
    free = Q(busy_until__isnull=True) | Q(busy_until__lt=now)
    return BlogConnection.objects.filter(free, pk=connection_id).update(busy_until=until) == 1


def _day_for_render(day_id: int) -> Day:
    return Day.objects.for_record().get(pk=day_id)


def _run_once(connection_id: int, *, last: bool = True) -> str:
    connection = BlogConnection.objects.filter(pk=connection_id).first()
    if connection is None:
        return "gone"
    posts = list(
        PublishedPost.objects.filter(due(), connection=connection)
        .select_related("member")
        .order_by("pk")
    )
    if not posts:
        return "idle"
    for post in posts:
        post.read_at = post.updated_at  # a publish request after this keeps its "queued"
    days = Day.objects.for_record().in_bulk({post.day_id for post in posts})
    try:
        secret = crypto.decrypt(connection.credential)
    except crypto.CredentialUnreadable:
        return _failed(
            connection, posts, _("The stored credential cannot be read: enter it again.")
        )
    remote = Remote(
        url=connection.remote_url,
        branch=connection.branch,
        kind=connection.credential_kind,
        secret=secret,
    )
    try:
        return _publish(connection, remote, posts, days)
    except GitError as exc:
        if exc.kind == "rejected" and not last:
            _note(connection, Status.QUEUED, _("The branch moved while publishing; trying again."))
            return "rejected"
        return _failed(connection, posts, failure_message(exc, (secret,)))


def _publish(connection, remote: Remote, posts: list[PublishedPost], days: dict) -> str:
    posts = [post for post in posts if post.day_id in days]
    files = posts_for(
        [(days[post.day_id], post.member) for post in posts],
        assets_folder=connection.assets_folder,
    )
    rendered = [
        (post, posixpath.join(connection.posts_folder, filename), text.encode(), images)
        for post, (filename, text, images) in zip(posts, files, strict=True)
    ]
    image_paths = {path for *_rest, images in rendered for path, _data in images}
    with Workspace(remote) as workspace:
        head = workspace.fetch()
        paths = [path for _p, path, _d, _i in rendered]
        theirs = workspace.blob_ids(head, [*paths, *sorted(image_paths)])
        writes, now = [], timezone.now()
        for post, path, data, _images in rendered:
            ours, their = blob_id(data), theirs.get(path)
            known = post.known_blob if post.path == path else ""
            rendered_before = post.rendered_blob if post.path == path else ""
            post.path, post.attempts, post.next_attempt_at = path, 0, None
            post.updated_at = now
            if their == ours or (their and their == known and ours == rendered_before):
                post.status, post.message = Status.UNCHANGED, ""
                post.known_blob = their
                post.rendered_blob = ours
            elif their is None or their == known or their == post.overwrite_blob:
                writes.append((post, path, data, ours, their is None))
            else:
                post.status = Status.CONFLICT
                post.message = _("The post was changed in your blog since Studylog wrote it.")
                post.their_blob = their
                post.their_text = workspace.read_blob(their).decode(errors="replace")
        commit = ""
        if writes:
            message = commit_message([(path, new) for _p, path, _d, _o, new in writes])
            files = [(path, data) for _p, path, data, _o, _n in writes]
            files += _images_to_write(rendered, writes, theirs)
            commit = workspace.commit(head, files, message)
            workspace.push(commit)
        for post, _path, _data, ours, _new in writes:
            post.status, post.message, post.commit, post.published_at = (
                Status.PUBLISHED,
                "",
                commit,
                now,
            )
            post.known_blob = post.rendered_blob = ours
            post.overwrite_blob = post.their_blob = post.their_text = ""
    _save_each([post for post, *_rest in rendered], _RESULT_FIELDS)
    conflicts = sum(post.status == Status.CONFLICT for post, *_rest in rendered)
    if conflicts:
        _note(
            connection,
            Status.CONFLICT,
            _("%(count)d posts were changed in your blog: choose a version.")
            % {"count": conflicts},
            commit,
        )
    elif writes:
        _note(
            connection,
            Status.PUBLISHED,
            _("%(count)d posts published.") % {"count": len(writes)},
            commit,
        )
    else:
        _note(connection, Status.UNCHANGED, _("Everything was already up to date."))
    return "published" if writes else "unchanged"


def _images_to_write(rendered: list, writes: list, theirs: dict) -> list[tuple[str, bytes]]:
    """The images of the posts being written that the blog lacks. An image's path names
    its key and its bytes never change in Studylog: one already there (even edited in
    the blog) is left as it is."""
    written = {post.pk for post, *_rest in writes}
    files = {}
    for post, _path, _data, images in rendered:
        if post.pk in written:
            for path, data in images:
                if path not in theirs:
                    files[path] = data
    return list(files.items())


def commit_message(paths: list[tuple[str, bool]]) -> str:
    """`Add _posts/x.md` / `Update _posts/x.md`, or a summary line and one line per file."""
    lines = [f"{'Add' if new else 'Update'} {path}" for path, new in paths]
    if len(lines) == 1:
        return f"{lines[0]}\n\nPublished from Studylog.\n"
    return f"Publish {len(lines)} posts from Studylog\n\n" + "\n".join(lines) + "\n"


def failure_message(exc: GitError, secrets: tuple[str, ...] = ()) -> str:
    """What the member reads about a failed run: what went wrong, and git's words, scrubbed."""
    reasons = {
        "auth": _(
            "The repository refused the credential: check the token or key and that it may write."
        ),
        "not_found": _(
            "The repository was not found, or the credential may not open it: check both."
        ),
        "unreachable": _("The repository could not be reached."),
        "timeout": _("The repository did not answer in time."),
        "rejected": _("The branch kept moving while publishing: try again later."),
    }
    reason = reasons.get(exc.kind, _("Publishing failed."))
    detail = scrub(exc.detail, secrets)
    return f"{reason} ({detail})" if detail else reason


def _failed(connection, posts: list[PublishedPost], message: str) -> str:
    now = timezone.now()
    for post in posts:
        post.updated_at = now
        post.attempts += 1
        post.status, post.message = Status.FAILED, message
        post.next_attempt_at = (
            now + backoff(post.attempts) if post.attempts < MAX_ATTEMPTS else None
        )
    _save_each(posts, ["attempts", "status", "message", "next_attempt_at", "updated_at"])
    _note(connection, Status.FAILED, message)
    logger.warning("Publishing to blog connection %s failed: %s", connection.pk, message)
    retry_at = min((post.next_attempt_at for post in posts if post.next_attempt_at), default=None)
    if retry_at is not None:
        transaction.on_commit(lambda: enqueue(connection.pk, run_after=retry_at))
    return "failed"


_RESULT_FIELDS = [
    "path",
    "status",
    "message",
    "attempts",
    "next_attempt_at",
    "known_blob",
    "rendered_blob",
    "their_blob",
    "their_text",
    "overwrite_blob",
    "commit",
    "published_at",
    "updated_at",
]


# What a run learnt about the repository, kept even when the post was queued again meanwhile.
_WRITTEN_FIELDS = ["path", "known_blob", "rendered_blob", "commit", "published_at"]


def _save_each(posts: list[PublishedPost], fields: list[str]) -> None:
    """One UPDATE per post, in one transaction: for a hundred rows, far cheaper than
    bulk_update's CASE expression over every field (a second of Python at 100 posts)."""
    with transaction.atomic():
        for post in posts:
            values = {name: getattr(post, name) for name in fields}
            row = PublishedPost.objects.filter(pk=post.pk)
            if not row.filter(updated_at=post.read_at).update(**values):
                # Queued again (or resolved) while this run went on: keep that request's
                # state, and record only what this run wrote to the repository.
                row.update(**{name: values[name] for name in _WRITTEN_FIELDS if name in values})


def _note(connection, status: str, message: str, commit: str = "") -> None:
    """The connection's last result, for the profile page."""
    fields = {"last_status": status, "last_message": message, "last_run_at": timezone.now()}
    if commit:
        fields["last_commit"] = commit
    BlogConnection.objects.filter(pk=connection.pk).update(**fields)
