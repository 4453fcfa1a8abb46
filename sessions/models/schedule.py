"""The moderator schedule's exceptions and the reminders already sent."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import OnTeamPages


class SkippedDate(OnTeamPages):
    """A weekday with no session (a holiday, a special-lecture week)."""

    team = models.ForeignKey("peer.Team", on_delete=models.CASCADE, related_name="skipped_dates")
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=120, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("skipped date")
        verbose_name_plural = _("skipped dates")
        constraints = [
            models.UniqueConstraint(fields=["team", "date"], name="skippeddate_once_per_team")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.reason}".strip()


class ModeratorAssignment(OnTeamPages):
    """Who moderates on a date when it is not the rotation's pick (a swap or a substitute).

    The turn stays its owner's (`owner`: the member whose turn the date was when the
    change was made), so the rotation counts it for them and moves nobody else's date;
    `member` moderates it. A swap is two rows, each naming the other's date.
    """

    class Kind(models.TextChoices):
        SUBSTITUTE = "substitute", _("Substitute")
        SWAP = "swap", _("Swap")

    team = models.ForeignKey(
        "peer.Team", on_delete=models.CASCADE, related_name="moderator_assignments"
    )
    date = models.DateField(_("date"))
    member = models.ForeignKey(
        "peer.Membership", on_delete=models.CASCADE, related_name="moderator_assignments"
    )
    owner = models.ForeignKey(
        "peer.Membership", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=Kind, default=Kind.SUBSTITUTE)
    partner_date = models.DateField(null=True, blank=True)  # a swap's other date
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    set_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("moderator assignment")
        verbose_name_plural = _("moderator assignments")
        constraints = [
            models.UniqueConstraint(fields=["team", "date"], name="moderator_once_per_date")
        ]

    def __str__(self) -> str:
        return f"{self.date} → {self.member}"


class ReminderLog(models.Model):
    """A reminder that went out; its unique key makes sending idempotent."""

    class Kind(models.TextChoices):
        MODERATOR = "moderator", _("Moderator")
        PRESENTER = "presenter", _("Presenter")
        WEBHOOK = "webhook", _("Webhook digest")

    team = models.ForeignKey("peer.Team", on_delete=models.CASCADE, related_name="reminders")
    date = models.DateField(_("session date"))
    kind = models.CharField(max_length=10, choices=Kind)
    member = models.ForeignKey(
        "peer.Membership", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    key = models.CharField(max_length=120, unique=True)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")

    def __str__(self) -> str:
        return self.key

    @staticmethod
    def make_key(team, date, kind: str, member=None) -> str:
        return f"{team.pk}:{date.isoformat()}:{kind}:{member.pk if member else '-'}"


class ImportedPost(models.Model):
    """A blog post already imported into a team: importing the same bytes again is a no-op."""

    team = models.ForeignKey("peer.Team", on_delete=models.CASCADE, related_name="imported_posts")
    digest = models.CharField(max_length=64)  # sha256 of the file's bytes
    filename = models.CharField(max_length=255)
    day = models.ForeignKey("peer.Day", on_delete=models.SET_NULL, null=True, related_name="+")
    member = models.ForeignKey(
        "peer.Membership", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-imported_at"]
        verbose_name = _("imported post")
        verbose_name_plural = _("imported posts")
        constraints = [
            models.UniqueConstraint(fields=["team", "digest"], name="importedpost_once_per_team")
        ]

    def __str__(self) -> str:
        return self.filename
