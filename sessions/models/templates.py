"""Day templates: what a team's new day starts with, kept in versions.

A template is a name and whether it is the team's default; its content lives in
versions, one per save, that are never changed once written. A day remembers the version
it was made from, so editing a template never changes a day made before.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .fields import OneLineTextField

# The outline a review follows, shipped with every team: what a model's presenter
# explains (the seed's own lesson).
REVIEW_OUTLINE = "### 배경 & 흐름\n\n### 이전 모델 대비 개선점\n\n### Loss Function\n"
RETRO_PROMPT = "- 오늘 새로 알게 된 것\n- 어려웠던 점과 해결한 방법\n- 내일 해 볼 것\n"
BUILT_IN_NAME = "기본 피어세션"


class DayTemplate(models.Model):
    team = models.ForeignKey("peer.Team", on_delete=models.CASCADE, related_name="day_templates")
    name = OneLineTextField(_("name"), max_length=80)
    is_default = models.BooleanField(
        _("default for new days"),
        default=False,
        help_text=_("A new day starts from this template unless another is picked."),
    )
    is_active = models.BooleanField(default=True, editable=False)  # retired: kept for its days
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["team", "name"], name="template_name_unique"),
            models.UniqueConstraint(
                fields=["team"], condition=Q(is_default=True), name="one_default_template"
            ),
        ]
        verbose_name = _("day template")
        verbose_name_plural = _("day templates")

    def __str__(self) -> str:
        return self.name

    @property
    def current(self) -> "TemplateVersion | None":
        """The newest version (prefetch `versions` to read it without a query)."""
        versions = list(self.versions.all())
        return max(versions, key=lambda version: version.number) if versions else None


class TemplateVersion(models.Model):
    """One saved state of a template. Never changed: a save writes a new one."""

    template = models.ForeignKey(DayTemplate, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sections = models.TextField(
        _("free sections"),
        blank=True,
        max_length=5000,
        help_text=_(
            "The sections a new day starts with: a line “## heading” for each, and what the "
            "section starts with on the lines below it."
        ),
    )
    review_outline = models.TextField(
        _("assignment review outline"),
        blank=True,
        max_length=2000,
        help_text=_("Every review added to the day starts its notes with this (markdown)."),
    )
    retro_prompt = models.TextField(
        _("retrospective prompts"),
        blank=True,
        max_length=2000,
        help_text=_("Shown to each member above their retrospective (markdown)."),
    )
    minutes_suggestions = models.PositiveSmallIntegerField(_("suggestions"), default=5)
    minutes_review = models.PositiveSmallIntegerField(_("each assignment review"), default=10)
    minutes_questions = models.PositiveSmallIntegerField(_("questions"), default=15)
    minutes_actions = models.PositiveSmallIntegerField(_("action items"), default=5)
    minutes_section = models.PositiveSmallIntegerField(_("each free section"), default=5)

    class Meta:
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="template_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.template} v{self.number}"

    CONTENT = (
        "sections",
        "review_outline",
        "retro_prompt",
        "minutes_suggestions",
        "minutes_review",
        "minutes_questions",
        "minutes_actions",
        "minutes_section",
    )

    def section_list(self) -> list[tuple[str, str]]:
        """The free sections, as (heading, body): each “## heading” line starts one, and
        the lines up to the next are its body (lines before the first are not kept)."""
        found: list[tuple[str, list[str]]] = []
        for line in self.sections.splitlines():
            if line.rstrip() == "##" or line.startswith("## "):
                if line[3:].strip():  # a "## " with no heading starts nothing
                    found.append((line[3:].strip(), []))
            elif found:
                found[-1][1].append(line)
        return [(heading, "\n".join(body).strip()) for heading, body in found]


def add_built_in(team) -> DayTemplate:
    """The template every team starts with (its default): the review outline and
    retrospective prompts above, no free sections."""
    template = DayTemplate.objects.create(team=team, name=BUILT_IN_NAME, is_default=True)
    TemplateVersion.objects.create(
        template=template, number=1, review_outline=REVIEW_OUTLINE, retro_prompt=RETRO_PROMPT
    )
    return template
