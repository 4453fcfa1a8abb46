"""Markdown as the text a reader sees, for snippets: no `**`, `#`, `[text](url)`, backticks
or list markers.

Not the renderer (sessions/markdown.py): a page of results makes a few hundred
snippets, and rendering each item's markdown to HTML and stripping the tags again
would cost more than the search. A few line-by-line rules cover what notes use; what
they miss stays as typed, and is escaped like all snippet text (snippets.py).
"""

import re
from typing import Any

# How much of the text around a match is turned into plain text: whole lines, so that a
# link or an emphasis is never cut in two, up to this far either side.
AROUND = 400

_RULES: list[tuple[re.Pattern, Any]] = [
    # Block syntax, at the start of a line.
    (re.compile(r"^[ \t]*(```|~~~).*$", re.M), ""),  # a code fence: its code stays
    (re.compile(r"^[ \t]*([-*_])([ \t]*\1){2,}[ \t]*$", re.M), ""),  # a rule
    (re.compile(r"^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(\|[ \t]*:?-{3,}:?[ \t]*)*\|?[ \t]*$", re.M), ""),
    (re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.*?)[ \t#]*$", re.M), r"\1"),  # a heading
    (re.compile(r"^[ \t]*(>[ \t]?)+", re.M), ""),  # a quote
    # a list item, and a task's box
    (re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?", re.M), ""),
    (  # a table row: its cells
        re.compile(r"^[ \t]*\|(.*?)\|?[ \t]*$", re.M),
        lambda row: " · ".join(cell.strip() for cell in row[1].split("|")),
    ),
    # Inline syntax.
    (re.compile(r"!\[([^\]\n]*)\]\([^)\n]*\)"), r"\1"),  # an image: its alt text
    (re.compile(r"\[([^\]\n]+)\]\((?:[^()\n]|\([^()\n]*\))*\)"), r"\1"),  # a link: its text
    (re.compile(r"\[([^\]\n]+)\]\[[^\]\n]*\]"), r"\1"),  # a reference link
    (re.compile(r"<((?:https?|mailto):[^>\s]+)>"), r"\1"),  # an autolink
    (re.compile(r"(`+)(.+?)\1"), r"\2"),  # inline code
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),  # strong
    # emphasis: with `*` also inside a word ("*정규화*가"), as the renderer has it
    (re.compile(r"\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*"), r"\1"),
    (re.compile(r"(?<!\w)_(?=\S)([^_\n]+?)(?<=\S)_(?!\w)"), r"\1"),
    (re.compile(r"~~(?=\S)(.+?)(?<=\S)~~"), r"\1"),  # strikethrough
    # A line break typed as HTML, as blog posts often do. Other tags stay as typed (and
    # are escaped, snippets.py): what a reader sees of them depends on the sanitizer.
    (re.compile(r"<br\s*/?>", re.IGNORECASE), " "),
    (re.compile(r"\s+"), " "),  # one line
]


# An escaped mark ("\\*") is text: it stands aside, as a private-use character, while the
# rules run, and comes back as the mark alone.
_ESCAPABLE = "\\`*_{}[]()#+-.!|>~<"
_ESCAPED = re.compile(r"\\([" + re.escape(_ESCAPABLE) + r"])")
_ASIDE = {mark: chr(0xE000 + n) for n, mark in enumerate(_ESCAPABLE)}
_BACK = str.maketrans({aside: mark for mark, aside in _ASIDE.items()})


def plain(markdown: str) -> str:
    """The text of `markdown` on one line, without its markup."""
    markdown = _ESCAPED.sub(lambda m: _ASIDE[m[1]], markdown)
    for pattern, replacement in _RULES:
        markdown = pattern.sub(replacement, markdown)
    return markdown.strip().translate(_BACK)


def plain_around(text: str, match: re.Match | None = None) -> str:
    """The plain text of the lines around `match` (or of the start of `text`)."""
    at, end = (match.start(), match.end()) if match else (0, 0)
    start = text.rfind("\n", 0, max(0, at - AROUND)) + 1
    stop = text.find("\n", end + AROUND)
    return plain(text[start : stop if stop >= 0 else len(text)])
