"""The period the statistics pages cover."""

from ..stats import Period
from .base import DateRangeForm


class PeriodForm(DateRangeForm):
    """The ?from=&to= of the statistics pages; both optional."""

    def period(self) -> Period:
        """The chosen period, or all time when the input is missing or invalid."""
        if not self.is_valid():
            return Period()
        return Period(self.cleaned_data["from"], self.cleaned_data["to"])
