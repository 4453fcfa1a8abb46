"""The form of a week's team retrospective."""

from ..models import WeekRetro
from .base import VersionedForm


class WeekRetroForm(VersionedForm):
    markdown = ("retrospective",)

    class Meta:
        model = WeekRetro
        fields = ["retrospective"]
