"""The snippet a result shows of an item: a window of its text, escaped, the words marked."""

import re
from html import escape

from django.utils.safestring import SafeString, mark_safe

SNIPPET_BEFORE, SNIPPET_AFTER = 40, 120


def snippet(text: str, pattern: re.Pattern | None) -> SafeString:
    """A window of `text` around its first match, escaped, each match in <mark>.

    html.escape is Django's escape() without its lazy-string wrapping: a page of
    results makes a few hundred of these.
    """
    first = pattern.search(text) if pattern else None
    start = max(0, first.start() - SNIPPET_BEFORE) if first else 0
    end = min(len(text), (first.end() if first else 0) + SNIPPET_AFTER)
    window = text[start:end]
    pieces, last = ["…"] if start > 0 else [], 0
    for match in pattern.finditer(window) if pattern else ():
        pieces += [escape(window[last : match.start()]), "<mark>", escape(match.group()), "</mark>"]
        last = match.end()
    pieces.append(escape(window[last:]))
    if end < len(text):
        pieces.append("…")
    return mark_safe("".join(pieces))  # noqa: S308 - every piece of text is escaped above
