"""A member's blog repository and what Studylog wrote to it (sessions/blog/)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    QUEUED = "queued", _("Waiting to publish")
    PUBLISHED = "published", _("Published")
    UNCHANGED = "unchanged", _("Already up to date")
    CONFLICT = "conflict", _("Changed in the blog: choose a version")
    FAILED = "failed", _("Failed")


class BlogConnection(models.Model):
    """One per account, in the member's profile: where their posts go and how to get in.

    The credential is stored encrypted (sessions/blog/crypto.py) and never shown again.
    """

    class Credential(models.TextChoices):
        TOKEN = "token", _("Access token (HTTPS)")
        SSH_KEY = "ssh_key", _("SSH deploy key")
        NONE = "none", _("None (a public or local repository)")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blog_connection"
    )
    remote_url = models.CharField(_("repository URL"), max_length=500)
    branch = models.CharField(_("branch"), max_length=100, default="main")
    posts_folder = models.CharField(_("posts folder"), max_length=200, default="_posts/")
    assets_folder = models.CharField(_("images folder"), max_length=200, default="assets/images/")
    credential_kind = models.CharField(
        _("credential"), max_length=10, choices=Credential, default=Credential.TOKEN
    )
    credential = models.TextField(blank=True, editable=False)  # Fernet token, never plain
    publish_on_close = models.BooleanField(_("publish when the day is closed"), default=False)
    # The last run's outcome, for the profile page.
    last_status = models.CharField(max_length=10, choices=Status, blank=True)
    last_message = models.TextField(blank=True)
    last_commit = models.CharField(max_length=64, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    # A run holds the connection until then, so two workers never push at once.
    busy_until = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("blog connection")
        verbose_name_plural = _("blog connections")

    def __str__(self) -> str:
        return self.remote_url


class PublishedPost(models.Model):
    """One member's post of one day in their blog: what Studylog last wrote there.

    `known_blob` is the git blob id of the file as Studylog last wrote it (or as the
    member chose to keep it); a file in the repository with another id was changed
    there, and is not overwritten unless the member says so (`overwrite_blob`).
    `member` is the membership whose post it is: the connection's own user's.
    """

    connection = models.ForeignKey(BlogConnection, on_delete=models.CASCADE, related_name="posts")
    day = models.ForeignKey("peer.Day", on_delete=models.CASCADE, related_name="blog_posts")
    member = models.ForeignKey(
        "peer.Membership", on_delete=models.CASCADE, related_name="blog_posts"
    )
    path = models.CharField(max_length=500, blank=True)  # in the repository
    known_blob = models.CharField(max_length=64, blank=True)
    # Studylog's own text when it last wrote (or the member kept theirs): an edit in
    # Studylog since then is what makes a kept version be replaced on the next publish.
    rendered_blob = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.QUEUED)
    message = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # On a conflict: the repository's version, and the blob the member agreed to replace.
    their_blob = models.CharField(max_length=64, blank=True)
    their_text = models.TextField(blank=True)
    overwrite_blob = models.CharField(max_length=64, blank=True)
    commit = models.CharField(max_length=64, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    Status = Status

    class Meta:
        verbose_name = _("published post")
        verbose_name_plural = _("published posts")
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "day", "member"], name="publishedpost_once_per_day"
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return self.path
