"""Teammates' text made inert for a member's Jekyll blog, where Liquid and kramdown run.

A post is published by the member's own Jekyll site: Jekyll runs Liquid (`{{ }}`,
`{% %}`) over the whole file, then kramdown (GFM input) passes raw HTML, `{: …}`
attribute lists and links of any scheme through. The post holds teammates' text as
well as the member's, so every text is written so that it can do no more there than
Studylog's renderer lets it do here:
- a `<` that would start a tag, comment or declaration becomes `&lt;`, unless it starts
  a web or e-mail autolink or an allowed tag (ALLOWED_TAGS, ALLOWED_ATTRIBUTES, web or
  relative URLs) closed within the same text;
- a link, image or reference definition pointing to another scheme than http(s) or
  mailto gets a backslash that turns it back into text;
- `{` gets a backslash (no attribute list), and `{` before `{` or `%` becomes `&#123;`
  (no Liquid, which runs inside code blocks too);
- a fence line gets a backslash unless it opens or closes a fenced code block that
  kramdown and python-markdown both read as one, whose lines are then kept as they are.
  Text that keeps a raw tag keeps no code block: kramdown reads HTML blocks as raw.
Harmless text is written unchanged (inline code with `<tag` or `{` shows the escape),
and the result is a fixed point: a post survives export → import → export unchanged.
"""

import bisect
import math
import re
from html import unescape

from ..markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, URL_SCHEMES

_WS = "[ \t\n\r\f]"
_ATTRIBUTE = (
    rf"{_WS}+([A-Za-z_:][-A-Za-z0-9_:.]*)"
    rf"(?:{_WS}*={_WS}*(\"[^\"]*\"|'[^']*'|[^ \t\n\r\f\"'=<>`]+))?"
)
_TAG = re.compile(rf"<(/?)([A-Za-z][A-Za-z0-9]*)((?:{_ATTRIBUTE})*){_WS}*/?>")
_TAG_ATTRIBUTE = re.compile(_ATTRIBUTE)
_TAG_LIMIT = 2_000  # longer tags are written as text
_VOID_TAGS = {"br", "hr", "img"}
_AUTOLINK = re.compile(r"<(?:(?:https?|mailto):[^\s<>\"'`]*|[\w.+-]+@[\w.-]+)>", re.IGNORECASE)
_TAG_START = re.compile(r"<[A-Za-z/!?]")
_LINK_TARGET = re.compile(r"\][ \t]*\n?[ \t]*\(")
_REFERENCE = re.compile(r"^[ \t]*(\[)(?!\^)[^\]\n]*\]:[ \t]*\n?[ \t]*", re.MULTILINE)
_FENCE = re.compile(r"^([^\S\n]*)(`{3,}|~{3,})(.*)$", re.MULTILINE)
_PLAIN_INFO = re.compile(r"[\w#.+-]*")
_MAX_FENCES = 200
_URL_END = re.compile(r"[ )>\"']")


def inert(text: str, *, starts_block: bool = True) -> str:
    """`text` (markdown) with nothing a blog's unsanitized renderer would run (see above).

    `starts_block`: the text begins a block of the post (no prefix on its first line).
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not re.search(r"[<{\]`~\[]", text):
        return text  # the usual note: nothing to look at
    code, fences = _fenced_code(text, starts_block)
    keep, raw_html = _kept_markup(text, code)
    if code and raw_html:
        code, fences = [], set()  # kramdown reads no code blocks inside raw HTML
        keep, raw_html = _kept_markup(text, code)
    edits: dict[int, str] = {}  # index → what replaces the character there
    for match in _TAG_START.finditer(text):
        if match.start() not in keep and not _inside(match.start(), code):
            edits[match.start()] = "&lt;"
    for index, char in enumerate(text):
        if char != "{":
            continue
        if text[index + 1 : index + 2] in ("{", "%"):
            edits[index] = "&#123;"
        elif not _inside(index, code) and not _escaped(text, index):
            edits[index] = "\\{"
    for match in _LINK_TARGET.finditer(text):
        target = match.end()
        if not _inside(target, code) and not web_or_relative(text[target : target + 200]):
            edits[target - 1] = "\\("
    for match in _REFERENCE.finditer(text):
        target = match.end()
        if not _inside(target, code) and not web_or_relative(text[target : target + 200]):
            edits[match.start(1)] = "\\["
    for match in _FENCE.finditer(text):
        if match.start() not in fences and not _inside(match.start(), code):
            edits[match.start(2)] = "\\" + text[match.start(2)]
    if not edits:
        return text
    return "".join(edits.get(index, char) for index, char in enumerate(text))


def _fenced_code(text: str, starts_block: bool) -> tuple[list[tuple[int, int]], set[int]]:
    """The fenced code blocks kramdown and python-markdown both read as such: the
    (start, end) of their inner lines, and where their fence lines start.

    That is: the opening fence starts a block, is not indented and names at most a plain
    language; the first line after it that any parser could take for its end is the
    same fence again, not indented. (The post indents list items' text as a whole.)
    """
    code, fences = [], set()
    openings = list(_FENCE.finditer(text))
    if len(openings) > _MAX_FENCES:
        return code, fences  # each one looks ahead for its end: no note has this many
    position = 0
    for opening in openings:
        start = opening.start()
        if start < position:
            continue  # inside the block found last
        previous_line = text[:start].removesuffix("\n").rpartition("\n")[2]
        at_block_start = starts_block if start == 0 else not previous_line.strip()
        fence, info = opening[2], opening[3].strip()
        if not (at_block_start and not opening[1] and _PLAIN_INFO.fullmatch(info)):
            continue
        could_close = re.compile(
            rf"^[^\S\n]*{re.escape(fence[0])}{{{len(fence)},}}[^\S\n]*$", re.MULTILINE
        )
        closing = could_close.search(text, opening.end())
        if closing is None or closing[0].rstrip(" ") != fence:
            continue
        code.append((opening.end(), closing.start()))
        fences |= {start, closing.start()}
        position = closing.end()
    return code, fences


def _kept_markup(text: str, code: list[tuple[int, int]]) -> tuple[set[int], bool]:
    """Where the autolinks and allowed tags to keep start, outside `code`; and whether
    there is any such tag. Each element is closed in the same text, so that no raw HTML
    block runs on into the rest of the post."""
    keep: set[int] = set()
    tags = False
    open_tags: list[tuple[str, int]] = []
    for match in _TAG_START.finditer(text):
        start = match.start()
        if _inside(start, code):
            continue
        if _AUTOLINK.match(text, start):
            keep.add(start)
            continue
        tag = _TAG.match(text, start, start + _TAG_LIMIT)
        if tag is None or not _allowed_tag(tag):
            continue
        closing, name = tag[1] == "/", tag[2].lower()
        if name in _VOID_TAGS:
            if not closing:
                keep.add(start)
                tags = True
        elif not closing:
            open_tags.append((name, start))
        elif open_tags and open_tags[-1][0] == name:
            keep |= {open_tags.pop()[1], start}
            tags = True
        else:
            open_tags.clear()  # badly nested: what is still open stays text
    return keep, tags


def _allowed_tag(tag: re.Match) -> bool:
    name = tag[2].lower()
    if name not in ALLOWED_TAGS:
        return False
    attributes = list(_TAG_ATTRIBUTE.finditer(tag[3]))
    if tag[1] == "/":
        return not attributes
    allowed = ALLOWED_ATTRIBUTES.get(name, set())
    for attribute in attributes:
        key, value = attribute[1].lower(), attribute[2] or ""
        if key not in allowed:
            return False
        if key in ("href", "src") and not web_or_relative(value.strip("\"'")):
            return False
    return True


def web_or_relative(url: str) -> bool:
    """Whether a link target, as a browser would read it after any parser decoded it,
    is a web or mail URL, or relative. `url` may run on past the target."""
    url = re.sub(r"[\x00-\x1f\x7f]", "", url).lstrip(" <")
    url = _URL_END.split(url, maxsplit=1)[0]
    for _round in range(3):  # entities inside entities, as far as any parser goes
        url = unescape(url)
    url = re.sub(r"[\x00-\x20\x7f\\]", "", url)
    scheme = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", url)
    return scheme is None or scheme[1].lower() in URL_SCHEMES


def _inside(index: int, ranges: list[tuple[int, int]]) -> bool:
    """Whether `index` is in one of `ranges` (sorted, not overlapping)."""
    found = bisect.bisect_right(ranges, (index, math.inf)) - 1
    return found >= 0 and index < ranges[found][1]


def _escaped(text: str, index: int) -> bool:
    """Whether the character at `index` follows an odd number of backslashes."""
    count = 0
    while index - count > 0 and text[index - count - 1] == "\\":
        count += 1
    return count % 2 == 1


def unbracketed(text: str) -> str:
    """`text` without a closing `]` at its end, where the `(name)` written after it would
    make a link of it."""
    return text[:-1] + "\\]" if text.endswith("]") and not _escaped(text, len(text) - 1) else text
