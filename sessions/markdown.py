"""The one markdown renderer: python-markdown, then nh3 with an allowlist.

Every piece of user markdown on every page, and markdownx's live preview, goes
through `render_markdown`. Its output is the only user HTML ever marked safe.
"""

import functools
import hashlib
import re

import markdown as md
import nh3
from django.core.cache import cache
from django.utils.html import linebreaks
from django.utils.safestring import SafeString, mark_safe

# Bump when the extensions or the allowlist change, so cached HTML is not reused.
RENDERER_VERSION = "3"
MAX_INPUT = 20_000  # the longest markdown field; the preview refuses longer text
# python-markdown is quadratic in "[" (Python-Markdown issue #798) and in raw "<" tags:
# 5,000 "[" take seconds. Text with more of them than any real note is shown as plain
# paragraphs instead, which costs linear time.
MAX_BRACKETS = 200
MAX_ANGLES = 500
# Its block parser is also quadratic in the lines of one paragraph-like block for some
# kinds of line (setext underlines, `: ` definitions, rules, `#` headings): 5,000 such
# lines without a blank line between take seconds. No real note has a block this long.
MAX_BLOCK_LINES = 300
_BLANK_LINE = re.compile(r"\n[ \t]*\n")

EXTENSIONS = ["markdown.extensions.extra", "markdown.extensions.sane_lists", "nl2br"]

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre",
    "s", "span", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "td": {"align"},
    "th": {"align"},
    "ol": {"start"},
}
# nh3 also allows `lang` and `title` on every tag unless told otherwise ("*").
_NH3_ATTRIBUTES = {**ALLOWED_ATTRIBUTES, "*": set()}
URL_SCHEMES = {"http", "https", "mailto"}
# The one relative URL kept: the source of an image uploaded to a team (sessions/images/);
# whether the viewer may fetch it is the image view's business. nh3 drops every relative
# URL (links lose theirs as before), so such a source goes through it made absolute under
# a host that cannot exist, and is made relative again in nh3's output, where `src="`
# can only be an <img>'s attribute (nh3 escapes quotes in text and in values).
# (sessions/images/export.py finds the same addresses in a post, by its key and ext.)
TEAM_IMAGE_PATH = r"/teams/[-a-zA-Z0-9_]+/images/(?P<key>[-a-zA-Z0-9_]+)\.(?P<ext>[a-z]{3,4})"
_TEAM_IMAGE_SRC = re.compile(rf"""\bsrc=(["'])({TEAM_IMAGE_PATH})\1""")
_IMAGE_HOST = "https://team-image.studylog.invalid"


def _pathological(text: str) -> bool:
    """Whether python-markdown would take super-linear time over `text` (`\\n` newlines)."""
    if text.count("[") > MAX_BRACKETS or text.count("<") > MAX_ANGLES:
        return True
    return any(block.count("\n") >= MAX_BLOCK_LINES for block in _BLANK_LINE.split(text))


def _team_image_src(tag: str, attribute: str, value: str) -> str | None:
    """nh3's attribute filter: an image on the made-up host must be a team image."""
    if tag == "img" and attribute == "src" and value.startswith(_IMAGE_HOST):
        return value if re.fullmatch(TEAM_IMAGE_PATH, value[len(_IMAGE_HOST) :]) else None
    return value


def _sanitize(html: str) -> str:
    clean = nh3.clean(
        _TEAM_IMAGE_SRC.sub(rf"src=\1{_IMAGE_HOST}\2\1", html),
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=_NH3_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        url_relative="deny",
        attribute_filter=_team_image_src,
        link_rel="noopener noreferrer nofollow",
    )
    return clean.replace(f'src="{_IMAGE_HOST}/', 'src="/')


def _to_html(text: str) -> str:
    # python-markdown reads "\r" as a line break too; the block check must count alike.
    text = text[:MAX_INPUT].replace("\r\n", "\n").replace("\r", "\n")
    if _pathological(text):
        return linebreaks(text, autoescape=True)
    return _sanitize(md.markdown(text, extensions=EXTENSIONS, output_format="html"))


def render_markdown(text: str | None) -> SafeString:
    """Render user markdown to sanitized HTML (cached by content)."""
    if not text:
        return mark_safe("")
    return mark_safe(_html_for(text, RENDERER_VERSION))  # noqa: S308 - nh3 sanitized it


# The HTML of a text never changes (the key is the text itself; RENDERER_VERSION names
# the renderer), so each process keeps the texts it showed lately in front of the
# shared cache: a page of 60 texts costs no round trip to Redis for them.
@functools.lru_cache(maxsize=2048)
def _html_for(text: str, version: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    key = f"md:{version}:{digest}"
    html = cache.get(key)
    if html is None:
        html = _to_html(text)
        cache.set(key, html, timeout=60 * 60 * 24)
    return html


def markdownify(text: str) -> str:
    """markdownx's MARKDOWNX_MARKDOWNIFY_FUNCTION: the same renderer."""
    return str(render_markdown(text))
