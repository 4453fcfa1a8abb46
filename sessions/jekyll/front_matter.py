"""An imported post's own front matter, kept key by key when its day is written again.

Studylog owns four values of a post's front matter: `title`, `tags`, `date` and
`last_modified_at`. When the day was edited after the import, the post is written again
(export.member_post) with the source's front matter as it was, every key in its order,
comments and unknown keys included, and only those of the four whose value Studylog now
gives differently replaced by the lines Studylog writes for them.
"""

import re

from .parse import read_front_matter

OWNED_KEYS = ("title", "tags", "date", "last_modified_at")

# A top-level key (at the margin); the lines after it, up to the next one, are its value.
_TOP_KEY = re.compile(r"^(?P<key>[A-Za-z_][\w-]*)\s*:")


def split(text: str) -> tuple[list[str], list[str], list[str]] | None:
    """(the opening line, the front matter's lines, the rest from the closing line on),
    with `\\n` line ends; None when the text has no front matter."""
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not lines or lines[0].strip() != "---":
        return None
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            return lines[:1], lines[1:index], lines[index:]
    return None


def _entries(lines: list[str]) -> list[tuple[str, list[str]]]:
    """The lines grouped as (key, lines): a key's line and its value's lines, without the
    blank lines after them ("" for lines before the first key and for those blanks)."""
    entries: list[tuple[str, list[str]]] = [("", [])]
    for line in lines:
        match = _TOP_KEY.match(line)
        if match:
            entries.append((match["key"], [line]))
        elif line.strip() and not line.startswith("#") and entries[-1][0]:
            entries[-1][1].append(line)  # the key's value goes on (indented, a list item)
        else:
            entries.append(("", [line]))
    return entries


def merge(source: str, rendered: str) -> str:
    """`rendered` (Studylog's post) with `source`'s front matter in place of its own.

    Of the keys Studylog owns, those whose values differ between the two are taken from
    `rendered`; a key the source does not have stays out. Falls back to `rendered` when
    either front matter cannot be read.
    """
    ours, theirs = split(rendered), split(source)
    if ours is None or theirs is None:
        return rendered
    new, old = read_front_matter(ours[1]), read_front_matter(theirs[1])
    changed = {key for key in OWNED_KEYS if new.get(key) != old.get(key)}
    replacements = {key: lines for key, lines in _entries(ours[1]) if key in changed}
    head = []
    for key, lines in _entries(theirs[1]):
        if key in replacements:
            head += replacements.pop(key)  # a key written twice is written once
        elif key not in changed:
            head += lines
    return "\n".join([*theirs[0], *head, *ours[2]])
