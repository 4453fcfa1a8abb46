"""The ordered items of a day: suggestions, assignment reviews, Q&A, free sections."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import DayItem, DayRowQuerySet, Resolvable
from .fields import OneLineTextField


class Suggestion(DayItem):
    """건의사항: a proposal, its numbered discussion points, and what was decided."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        DEFERRED = "deferred", _("Deferred")

    kind = "suggestion"

    proposal = models.TextField(_("proposal"), max_length=2000)
    discussion = models.TextField(
        _("discussion items"),
        blank=True,
        max_length=5000,
        help_text=_("One discussion item per line."),
    )
    outcome = models.TextField(_("decision"), blank=True, max_length=5000)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PROPOSED)

    class Meta(DayItem.Meta):
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")

    def __str__(self) -> str:
        return self.proposal[:60]

    @property
    def discussion_items(self) -> list[str]:
        return [line.strip() for line in self.discussion.splitlines() if line.strip()]


class AssignmentReviewQuerySet(DayRowQuerySet):
    def presented_by(self, membership, *, since):
        """The reviews the member presents on days from `since` on, soonest first."""
        return (
            self.filter(day__team=membership.team_id, day__date__gte=since, presenters=membership)
            .select_related("day")
            .order_by("day__date", "position", "pk")
        )


class AssignmentReview(DayItem):
    """과제 리뷰: who presents which assignment."""

    kind = "review"
    objects = AssignmentReviewQuerySet.as_manager()

    assignment = OneLineTextField(_("assignment"), max_length=120)
    topic = OneLineTextField(_("topic"), max_length=120, blank=True)
    presenters = models.ManyToManyField(
        "peer.Membership", verbose_name=_("presenters"), blank=True, related_name="reviews"
    )
    notes = models.TextField(_("notes"), blank=True, max_length=5000)

    class Meta(DayItem.Meta):
        verbose_name = _("assignment review")
        verbose_name_plural = _("assignment reviews")

    def __str__(self) -> str:
        return f"{self.assignment} {self.topic}".strip()


class Question(Resolvable, DayItem):
    """질문내용: a question, its answer, links, and whether it needs a follow-up."""

    kind = "question"

    question = models.TextField(_("question"), max_length=5000)
    asked_by = models.ForeignKey(
        "peer.Membership",
        verbose_name=_("asked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="questions_asked",
    )
    answer = models.TextField(_("answer"), blank=True, max_length=10000)
    answered_by = models.ForeignKey(
        "peer.Membership",
        verbose_name=_("answered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="questions_answered",
    )
    links = models.TextField(
        _("reference links"),
        blank=True,
        max_length=4000,
        help_text=_("One link per line: a URL, or a title, a space and a URL."),
    )
    needs_follow_up = models.BooleanField(_("needs follow-up"), default=False)
    # How an imported post marked the follow-up at the end of the answer's last line
    # (" -추가 확인 필요함"), so it is written back there; "" for a line of its own.
    follow_up_mark = models.CharField(max_length=60, blank=True, editable=False)
    for_mentor = models.BooleanField(
        _("for the mentor"),
        default=False,
        help_text=_("Collect this question into the mentoring queue."),
    )

    class Meta(DayItem.Meta):
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.question[:60]

    @property
    def is_open_follow_up(self) -> bool:
        return self.needs_follow_up and self.resolved_at is None

    @property
    def link_list(self) -> list[tuple[str, str]]:
        from ..links import parse_links

        return parse_links(self.links)


class FreeSection(DayItem):
    """Any other topic a team records (토의 내용, 대회 진행상황 공유, 멘토링…)."""

    kind = "section"

    # Blank only for an imported post's empty heading (`## `); the form asks for one.
    heading = OneLineTextField(_("heading"), max_length=120, blank=True)
    body = models.TextField(_("body"), blank=True, max_length=20000)
    # Imported posts keep a section's heading level (## or ###) so it exports as it came.
    level = models.PositiveSmallIntegerField(_("heading level"), default=3)
    # Session text an import could not place, kept for a person to look at.
    needs_review = models.BooleanField(_("needs review"), default=False)
    # The post that brought this text to a day already recorded (kept for review):
    # until someone edits it, it is that post's text, not the other members'.
    from_post = models.ForeignKey(
        "peer.PostSource",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta(DayItem.Meta):
        verbose_name = _("free section")
        verbose_name_plural = _("free sections")

    def __str__(self) -> str:
        return self.heading


class ActionItem(Resolvable, DayItem):
    """An action item: something a member will do, by a date, from the day it came up."""

    kind = "action"

    text = models.CharField(_("action item"), max_length=300)
    owner = models.ForeignKey(
        "peer.Membership",
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="action_items",
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)

    class Meta(DayItem.Meta):
        verbose_name = _("action item")
        verbose_name_plural = _("action items")

    def __str__(self) -> str:
        return self.text[:60]
