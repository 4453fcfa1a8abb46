"""Checks that forms and importers share: one-line names, the dates a team can hold,
and addresses a team may not take. They live beside the models, so that a domain module
(an importer, a backup reader) checks what a form checks without importing a form."""

import datetime
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# The dates a form accepts: far enough either way for any real team, and a week or a
# month beside either end is still a date Python can hold (the archive and the
# schedule step from a date; 0001-01-01 or 9999-12-31 would overflow there).
EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2200, 12, 31)

# Format characters a one-line name may keep: the joiners that emoji sequences and
# some scripts need, and the tags of flag emoji.
_KEPT_FORMAT = {"\u200c", "\u200d", *map(chr, range(0xE0020, 0xE0080))}


def validate_one_line(value: str) -> None:
    """Refuse control characters in a one-line name or title: line breaks, NUL, and the
    invisible format characters that make text display in another order or hide a
    difference (U+202E RIGHT-TO-LEFT OVERRIDE turns "abc\u202etxt.exe" into a name
    that reads "abcexe.txt"; isolates U+2066-2069, marks U+200E/F, zero-width space)."""
    for char in value:
        category = unicodedata.category(char)
        if category in ("Cc", "Zl", "Zp") or (category == "Cf" and char not in _KEPT_FORMAT):
            raise ValidationError(
                _(
                    "Remove the invisible control characters (such as text direction "
                    "marks or line breaks) from this field."
                ),
                code="control_character",
            )


def validate_date_range(value: datetime.date) -> None:
    if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError(
            _("Enter a date between %(first)s and %(last)s."),
            code="date_range",
            params={"first": EARLIEST_DATE.isoformat(), "last": LATEST_DATE.isoformat()},
        )


# Team addresses that name the site's own pages.
RESERVED_SLUGS = {"new", "admin", "accounts", "static", "i18n", "invite"}
