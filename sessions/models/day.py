"""A team's session day and who attended it."""

from django.conf import settings
from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from .base import DeletedByItsQuerySet, TeamRowQuerySet, Versioned, search_index
from .fields import OneLineTextField


def _count(model, **filters):
    """A correlated COUNT(*) of `model` rows for each day, as a subquery."""
    rows = (
        model.objects.filter(day=OuterRef("pk"), **filters)
        .order_by()
        .values("day")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=models.IntegerField()), 0)


class DayQuerySet(TeamRowQuerySet):  # a bulk delete retires the teams' pages
    def for_team(self, team):
        return self.filter(team=team)

    def with_counts(self):
        """Per-day figures for lists (archive, team home), in one query."""
        from .items import AssignmentReview, FreeSection, Question, Suggestion

        return self.select_related("team", "moderator").annotate(
            n_present=_count(Attendance, status__in=Attendance.PRESENT_STATUSES),
            n_attendance=_count(Attendance),
            n_suggestions=_count(Suggestion),
            n_reviews=_count(AssignmentReview),
            n_questions=_count(Question),
            n_open_questions=_count(Question, needs_follow_up=True, resolved_at__isnull=True),
            n_sections=_count(FreeSection),
        )

    def for_record(self):
        """Everything the day's record renders, prefetched (a fixed number of queries)."""
        from ..kinds import KINDS  # the registry imports the models
        from .logs import MemberLog

        items = [
            f"{kind.related}__{related}" if related else kind.related
            for kind in KINDS.values()
            for related in kind.prefetch or [""]
        ]
        return self.select_related("team", "moderator").prefetch_related(
            models.Prefetch("attendances", queryset=Attendance.objects.select_related("member")),
            *items,
            models.Prefetch(
                "logs",
                queryset=MemberLog.objects.select_related("member").prefetch_related("links"),
            ),
        )


class Day(DeletedByItsQuerySet, Versioned):
    team = models.ForeignKey("peer.Team", on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("date"))
    number = models.PositiveIntegerField(_("day number"))
    title = OneLineTextField(_("title"), max_length=200, blank=True)
    moderator = models.ForeignKey(
        "peer.Membership",
        verbose_name=_("moderator"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="moderated_days",
    )
    tags = OneLineTextField(_("tags"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The template version the day was made from (sessions/models/templates.py): its
    # review outline, retrospective prompts and the presenter's timings.
    template_version = models.ForeignKey(
        "peer.TemplateVersion",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        editable=False,
        related_name="days",
    )
    # Closing makes the day read-only (each member's own log excepted); who and when is kept.
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    reopened_at = models.DateTimeField(_("reopened at"), null=True, blank=True, editable=False)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    objects = DayQuerySet.as_manager()

    class Meta:
        ordering = ["-date"]
        verbose_name = _("day")
        verbose_name_plural = _("days")
        constraints = [
            models.UniqueConstraint(fields=["team", "date"], name="day_unique_date_per_team"),
            models.CheckConstraint(condition=Q(number__gte=1), name="day_number_positive"),
        ]
        indexes = [models.Index(fields=["team", "-date"], name="day_team_date_desc")]

    def __str__(self) -> str:
        return self.display_title

    def save(self, *args, **kwargs):
        # Its title and tags are searched; any save (closing, a new moderator) shows.
        super().save(*args, **kwargs)
        search_index().saved(self, kwargs.get("update_fields"))

    @property
    def display_title(self) -> str:
        return self.title or self.default_title(self.team, self.number)

    @staticmethod
    def default_title(team, number: int) -> str:
        return f"[{team.course or team.slug}] Day{number} 학습기록_{team.name}"

    @property
    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.tags.split(",") if t.strip()]

    @property
    def iso(self) -> str:
        return self.date.isoformat()

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    def can_moderate(self, membership) -> bool:
        """The day's moderator and team admins run the day (reviews, closing)."""
        return membership.can_write and (membership.is_admin or membership.pk == self.moderator_id)


class Attendance(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        LATE = "late", _("Late")
        ABSENT = "absent", _("Absent")
        EXCUSED = "excused", _("Excused")

    PRESENT_STATUSES = (Status.PRESENT, Status.LATE)

    day = models.ForeignKey(Day, on_delete=models.CASCADE, related_name="attendances")
    member = models.ForeignKey(
        "peer.Membership", on_delete=models.CASCADE, related_name="attendances"
    )
    status = models.CharField(
        _("attendance"), max_length=10, choices=Status, default=Status.PRESENT
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    # Where the member stood in an imported post's 참가자 line (0: not from a post), so
    # the post is written back with its participants in the same order.
    position = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["member__rotation_order", "member__display_name"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["day", "member"], name="attendance_once_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.get_status_display()}"

    @property
    def took_part(self) -> bool:
        return self.status in self.PRESENT_STATUSES
