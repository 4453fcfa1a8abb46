"""URL converters: ISO dates in day addresses."""

import datetime


class IsoDateConverter:
    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> datetime.date:
        try:
            return datetime.date.fromisoformat(value)
        except ValueError as exc:  # 2026-02-31 matches the pattern but is no date
            raise ValueError(value) from exc

    def to_url(self, value) -> str:
        return value.isoformat() if hasattr(value, "isoformat") else str(value)
