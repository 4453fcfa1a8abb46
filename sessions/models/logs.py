"""Each member's own part of a day: study links and a retrospective."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import DayContent, DayRowQuerySet, Versioned


class MemberLogQuerySet(DayRowQuerySet):
    def own(self, day, membership) -> "MemberLog":
        """The member's log of the day with its links, or a new (unsaved) one."""
        log = self.filter(day=day, member=membership).prefetch_related("links").first()
        return log or MemberLog(day=day, member=membership)


class MemberLog(DayContent, Versioned):
    class Visibility(models.TextChoices):
        TEAM = "team", _("Visible to the team")
        PRIVATE = "private", _("Only me")

    day = models.ForeignKey("peer.Day", on_delete=models.CASCADE, related_name="logs")
    member = models.ForeignKey("peer.Membership", on_delete=models.CASCADE, related_name="logs")
    retrospective = models.TextField(_("retrospective"), blank=True, max_length=20000)
    # Free text under 학습 내용 beside the badges (e.g. "선택과제 추가 공부"), markdown.
    study_notes = models.TextField(_("study notes text"), blank=True, max_length=5000)
    # How badge rows and note blocks alternate under 학습 내용 in an imported post, e.g.
    # [["links", 2], ["notes", 1], ["links", 1]]: rows of that many badges, blocks of that
    # many lines of study_notes. Export follows it while the counts still match.
    study_layout = models.JSONField(default=list, blank=True, editable=False)
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility, default=Visibility.TEAM
    )

    objects = MemberLogQuerySet.as_manager()

    class Meta:
        ordering = ["member__rotation_order", "member__display_name"]
        verbose_name = _("member log")
        verbose_name_plural = _("member logs")
        constraints = [
            models.UniqueConstraint(fields=["day", "member"], name="memberlog_once_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.day} · {self.member}"

    @property
    def is_public(self) -> bool:
        return self.visibility == self.Visibility.TEAM

    def visible_to(self, membership) -> bool:
        return self.is_public or (membership is not None and membership.pk == self.member_id)


class StudyLink(models.Model):
    """학습 내용: one link a member studied, shown as a badge."""

    class Color(models.TextChoices):
        RED = "red", _("Red")
        BLUE = "blue", _("Blue")
        GREEN = "green", _("Green")
        ORANGE = "orange", _("Orange")
        GREY = "grey", _("Grey")

    log = models.ForeignKey(MemberLog, on_delete=models.CASCADE, related_name="links")
    position = models.PositiveIntegerField(_("position"), default=0)
    title = models.CharField(_("title"), max_length=80)
    url = models.URLField(_("URL"), max_length=500)
    color = models.CharField(_("colour"), max_length=10, choices=Color, default=Color.RED)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("study link")
        verbose_name_plural = _("study links")

    def __str__(self) -> str:
        return self.title
