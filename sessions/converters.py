"""URL converters: ISO dates in day addresses; what a secret token looks like."""

import datetime


class TokenConverter:
    """A secret token (invitations, calendar feeds): secrets.token_urlsafe's alphabet.
    Anything else is no address at all (404) before a view looks it up: PostgreSQL
    refuses a string with a NUL in it (DataError, a 500) rather than finding nothing."""

    regex = r"[A-Za-z0-9_-]{1,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


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
