"""URL converters: ISO dates in day addresses; what a secret token looks like."""

import datetime
import re

# secrets.token_urlsafe's alphabet. A token is looked up in the database, and
# PostgreSQL refuses a string with a NUL in it (DataError, a 500) rather than
# finding nothing.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def is_token(value: str) -> bool:
    return _TOKEN.fullmatch(value) is not None


class IsoDateConverter:
    # [0-9], not \d: \d also matches other scripts' digits ("٢٠٢٤").
    regex = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"

    def to_python(self, value: str) -> datetime.date:
        try:
            return datetime.date.fromisoformat(value)
        except ValueError as exc:  # 2026-02-31 matches the pattern but is no date
            raise ValueError(value) from exc

    def to_url(self, value) -> str:
        return value.isoformat() if hasattr(value, "isoformat") else str(value)
