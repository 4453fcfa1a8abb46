"""Comments on a day or on one of its items, threaded one level, and the mentions in them.

A comment belongs to its day; what it is about is the day itself (no target) or one
item, named by its kind's slug and id, as revisions name rows. A reply hangs under a
top-level comment of the same thread. sessions/comments.py writes them.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .base import DayContent, DayRowQuerySet

MAX_BODY = 5000


class CommentQuerySet(DayRowQuerySet):
    def shown(self):
        """Comments whose text others may read: neither deleted nor hidden."""
        return self.filter(deleted_at__isnull=True, hidden=False)


class Comment(DayContent):
    kind = "comment"  # in revisions and search scopes, beside the item kinds' slugs

    day = models.ForeignKey("peer.Day", on_delete=models.CASCADE, related_name="comments")
    # "" (the day itself) or an item kind's slug, with the item's id.
    target_kind = models.CharField(max_length=20, blank=True, default="")
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    author = models.ForeignKey(  # None once the member is deleted
        "peer.Membership", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField(_("comment"), max_length=MAX_BODY)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    # A deleted comment that has replies stays as a marker (its text gone) so that the
    # replies keep their place; one without replies is deleted outright.
    deleted_at = models.DateTimeField(null=True, blank=True)
    hidden = models.BooleanField(_("hidden by an admin"), default=False)
    hidden_by = models.ForeignKey(
        "peer.Membership", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        constraints = [
            models.CheckConstraint(
                condition=Q(target_kind="", target_id__isnull=True)
                | (~Q(target_kind="") & Q(target_id__isnull=False)),
                name="comment_target_is_the_day_or_an_item",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day_id} {self.target_kind or 'day'}#{self.target_id or ''} {self.pk}"

    @property
    def target(self) -> str:
        """The thread's key: "" for the day, "question:12" for an item."""
        return f"{self.target_kind}:{self.target_id}" if self.target_kind else ""

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def readable_by(self, membership) -> bool:
        """Whether `membership` reads its text: a hidden one, only its author and admins."""
        if self.is_deleted:
            return False
        if not self.hidden:
            return True
        return membership.is_admin or (
            self.author_id is not None and self.author_id == membership.pk
        )


class Mention(models.Model):
    """`member` was named with @ in `comment`: shown on their home page until they open
    it, and told in the team's next reminder digest (sessions/reminders.py)."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="mentions")
    member = models.ForeignKey("peer.Membership", on_delete=models.CASCADE, related_name="mentions")
    created_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(null=True, blank=True)
    digested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["comment", "member"], name="one_mention_per_comment")
        ]
        indexes = [models.Index(fields=["member", "seen_at"], name="mention_member_unseen")]

    def __str__(self) -> str:
        return f"{self.member_id} in {self.comment_id}"
