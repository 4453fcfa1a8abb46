"""Revisions: every save of a day's shared record, with who, when, and the state
before and after, so the history page can show what changed and restore it."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Revision(models.Model):
    class Action(models.TextChoices):
        CREATED = "created", _("added")
        EDITED = "edited", _("edited")
        DELETED = "deleted", _("deleted")
        RESTORED = "restored", _("restored")
        RESOLVED = "resolved", _("resolved")
        REOPENED = "reopened", _("reopened")
        HIDDEN = "hidden", _("hidden")  # a comment, by an admin
        UNHIDDEN = "unhidden", _("shown again")

    day = models.ForeignKey("peer.Day", on_delete=models.CASCADE, related_name="revisions")
    # "session" (the day's own fields and attendance), "log" (a member's log), "comment"
    # or an item kind's slug ("question", …); with object_id, names the row that changed.
    kind = models.CharField(max_length=20)
    object_id = models.PositiveBigIntegerField()
    action = models.CharField(max_length=10, choices=Action)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Others who wrote this same change (user ids, most typing first): people typing into
    # one text together are saved together, after the pause, as one revision.
    coauthors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The row's tracked fields before and after the save (None: it did not exist).
    before = models.JSONField(null=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(null=True, encoder=DjangoJSONEncoder)
    # A private log's revisions are shown to its own member only.
    private_to = models.ForeignKey(
        "peer.Membership", on_delete=models.CASCADE, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        indexes = [models.Index(fields=["day", "-id"], name="revision_day_newest")]

    def __str__(self) -> str:
        return f"{self.day_id} {self.kind}#{self.object_id} {self.action}"

    @property
    def state(self) -> dict | None:
        """The state this revision left the row in (for a deletion, the state it had)."""
        return self.after if self.after is not None else self.before
