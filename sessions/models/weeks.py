"""A team's week: the retrospective the team writes together ("이번 주 팀 회고")."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import Versioned


class WeekRetro(Versioned):
    """The team's retrospective of the week that starts on `monday` (always a Monday:
    sessions/weeks.py makes them), written by the whole team; one per team and week."""

    team = models.ForeignKey("peer.Team", on_delete=models.CASCADE, related_name="week_retros")
    monday = models.DateField()
    retrospective = models.TextField(
        _("this week's team retrospective"), blank=True, max_length=20000
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "monday"], name="one_retro_per_week"),
        ]
        verbose_name = _("team retrospective")

    def __str__(self) -> str:
        return f"{self.team} {self.monday}"
