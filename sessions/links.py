"""Reference links typed one per line: "https://…" or "a title https://…"."""

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

_validate_url = URLValidator(schemes=["http", "https"])


def parse_links(text: str) -> list[tuple[str, str]]:
    """Return (title, url) pairs; lines whose last word is not a web URL are skipped."""
    links = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        title, _sep, url = line.rpartition(" ")
        try:
            _validate_url(url)
        except ValidationError:
            continue
        links.append((title.strip() or url, url))
    return links


def validate_links(text: str) -> None:
    """Raise ValidationError naming every line that is not a web link."""
    bad = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        url = line.rpartition(" ")[2]
        try:
            _validate_url(url)
        except ValidationError:
            bad.append(number)
    if bad:
        raise ValidationError(
            _("Line %(lines)s: each line must end with a link starting with http:// or https://.")
            % {"lines": ", ".join(map(str, bad))}
        )
