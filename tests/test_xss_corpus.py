"""The XSS payload corpus (tests/fixtures/xss_payloads.json) through every way user text
reaches a page: the renderer, the pages that show stored text, markdownx's preview, and
Jekyll import and export.

Output is judged parsed (html.parser), never by string matching: an allowed tag, an
allowed attribute, an http(s)/mailto URL read the way a browser reads it, no `style`,
no event handler. Pages are checked whole, the site's own HTML included: user markdown
must sit in `div.md` regions and hold only what the allowlist lets through, and the
rest of the page must carry no inline script, handler or script URL either.
"""

import datetime
import importlib
import json
import re
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from unittest import mock

import markdown as python_markdown
import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone

from sessions import markdown, search_index
from sessions.jekyll.export import render_post
from sessions.jekyll.importer import IMPORTED, Source, import_sources
from sessions.jekyll.inert import inert as _inert
from sessions.markdown import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    EXTENSIONS,
    MAX_INPUT,
    URL_SCHEMES,
    render_markdown,
)
from sessions.models import (
    ActionItem,
    AssignmentReview,
    Attendance,
    Day,
    FreeSection,
    MemberLog,
    Membership,
    Question,
    StudyLink,
    Suggestion,
)

from .factories import DayFactory, MembershipFactory

CORPUS = Path(__file__).resolve().parent / "fixtures" / "xss_payloads.json"
PAYLOADS: list[dict] = json.loads(CORPUS.read_text(encoding="utf-8"))["payloads"]
TEXTS = [entry["payload"] for entry in PAYLOADS]
IDS = [f"{entry['kind']}-{entry['id']}" for entry in PAYLOADS]
CASES = [pytest.param(text, id=name) for text, name in zip(TEXTS, IDS, strict=True)]
# What can be stored: PostgreSQL's text holds no NUL, and forms refuse it anyway
# (ProhibitNullCharactersValidator).
STORED = [text.replace("\x00", "") for text in TEXTS]

LINK_REL = "noopener noreferrer nofollow"  # what the renderer puts on every link
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "xlink:href", "background", "poster", "data",
    "srcset", "srcdoc", "ping", "cite", "longdesc", "codebase", "dynsrc", "lowsrc",
}  # fmt: skip
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
VOID |= {"track", "wbr"}
# Elements no page of the site has, and no user text may bring.
FOREIGN = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "math", "svg"}
FOREIGN |= {"xmp", "plaintext", "noembed", "portal"}


# Reading HTML the way the checks need it


@dataclass
class Element:
    tag: str
    attrs: list[tuple[str, str | None]]
    in_user_content: bool


class Inspector(HTMLParser):
    """Every element with its attributes (entity-decoded, as a browser reads them),
    whether it sits in user content, the text of user content, and script/style text.

    In a page, user content is what a `<div class="md">` holds; a fragment is all
    user content.
    """

    def __init__(self, html: str, *, fragment: bool = False):
        super().__init__(convert_charrefs=True)
        self.fragment = fragment
        self.elements: list[Element] = []
        self.user_text: list[str] = []
        self.raw_text: list[tuple[str, str]] = []
        self._stack: list[tuple[str, bool]] = []
        self.feed(html)
        self.close()

    @property
    def in_user_content(self) -> bool:
        return self.fragment or any(opens for _tag, opens in self._stack)

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        opens = tag == "div" and "md" in classes and not self.in_user_content
        self.elements.append(Element(tag, attrs, self.in_user_content))
        if tag not in VOID:
            self._stack.append((tag, opens))

    def handle_startendtag(self, tag, attrs):
        self.elements.append(Element(tag, attrs, self.in_user_content))

    def handle_endtag(self, tag):
        for index in range(len(self._stack) - 1, -1, -1):
            if self._stack[index][0] == tag:
                del self._stack[index:]
                return

    def handle_data(self, data):
        if self._stack and self._stack[-1][0] in ("script", "style"):
            self.raw_text.append((self._stack[-1][0], data))
        if self.in_user_content:
            self.user_text.append(data)

    @property
    def text(self) -> str:
        return "".join(self.user_text)


def url_scheme(url: str) -> str:
    """The scheme a browser sees: leading/trailing C0 and spaces stripped, tabs and
    newlines dropped anywhere; "" for a relative URL."""
    cleaned = re.sub(r"[\t\n\r]", "", url).strip("".join(map(chr, range(0x21))))
    match = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", cleaned)
    return match[1].lower() if match else ""


def user_content_problems(element: Element) -> list[str]:
    tag, problems = element.tag, []
    if tag not in ALLOWED_TAGS:
        problems.append(f"<{tag}> is not an allowed tag")
    allowed = ALLOWED_ATTRIBUTES.get(tag, set())
    for name, value in element.attrs:
        if tag == "a" and name == "rel" and value == LINK_REL:
            continue
        if name not in allowed:
            problems.append(f"<{tag} {name}={value!r}>: attribute not in the allowlist")
        if name in URL_ATTRIBUTES and url_scheme(value or "") not in URL_SCHEMES:
            # The renderer denies relative URLs too: it drops the attribute.
            problems.append(f"<{tag} {name}={value!r}>: not an http(s)/mailto URL")
    return problems


def fragment_problems(html: str) -> list[str]:
    """What is wrong with the renderer's output; [] when it is safe."""
    parsed = Inspector(html, fragment=True)
    problems = [p for element in parsed.elements for p in user_content_problems(element)]
    problems += [f"<{tag}> text {text!r}" for tag, text in parsed.raw_text]
    return problems


def page_problems(html: str, *, own: frozenset[str] = frozenset()) -> list[str]:
    """What is wrong with a whole page: its user content, and its own HTML (which may
    use the `own` tags of FOREIGN: the statistics' charts are SVG)."""
    parsed = Inspector(html)
    problems = []
    for element in parsed.elements:
        tag, attrs = element.tag, element.attrs
        if element.in_user_content:
            problems += user_content_problems(element)
        for name, value in attrs:
            if name.startswith(("on", "hx-on", "data-hx-on")) or name == "style":
                problems.append(f"<{tag} {name}={value!r}>")
            if name in URL_ATTRIBUTES and url_scheme(value or "") not in URL_SCHEMES | {""}:
                problems.append(f"<{tag} {name}={value!r}>: script-capable URL")
        if tag in FOREIGN - own:
            problems.append(f"<{tag}> on the page")
        if tag == "script" and not (dict(attrs).get("src") or "").startswith(settings.STATIC_URL):
            problems.append(f"<script {attrs}> not from static files")
        if tag == "meta" and any(name == "http-equiv" for name, _value in attrs):
            problems.append(f"<meta {attrs}>")
    problems += [f"<{tag}> text {text!r}" for tag, text in parsed.raw_text if text.strip()]
    return problems


def canaries(html: str) -> set[str]:
    """The canary words found in a page's user content (only the renderer puts them there)."""
    return set(re.findall(r"CANARY-[a-z]+-\d+", Inspector(html).text))


# The corpus itself


def test_the_corpus_covers_what_it_claims():
    assert len(PAYLOADS) >= 80
    assert len(set(IDS)) == len(IDS)
    kinds = {entry["kind"] for entry in PAYLOADS}
    for kind in ["js-link", "reference", "autolink", "image", "raw-tag", "scheme", "mxss"]:
        assert kind in kinds
    for kind in ["backtick", "unicode", "md-in-html", "footnote", "attr-list", "extra", "jekyll"]:
        assert kind in kinds
    for text in TEXTS:
        # Each goes through python-markdown, not the plain-text fallback for huge input.
        assert len(text) < MAX_INPUT
        assert not markdown._pathological(text), text


@pytest.mark.parametrize(
    "html",
    [
        '<a href="javascript:alert(1)">x</a>',
        '<a href="jav&#x09;ascript:alert(1)">x</a>',
        '<a href="/relative">x</a>',
        '<p onclick="alert(1)">x</p>',
        '<p title="x">x</p>',
        '<img src="https://example.com/a.png" style="x">',
        "<svg></svg>",
        "<b>x</b><script>alert(1)</script>",
        '<a href="https://example.com" rel="opener">x</a>',
    ],
)
def test_the_fragment_check_sees_what_it_must(html):
    # The checks below are only as good as this: each of these is unsafe or off the list.
    assert fragment_problems(html)


def test_the_fragment_check_passes_what_the_renderer_may_output():
    html = (
        '<p><a href="https://example.com/" title="t" rel="noopener noreferrer nofollow">x</a>'
        '<img src="https://example.com/a.png" alt="a" width="1"> <abbr title="t">T</abbr></p>'
        '<table><thead><tr><th align="left">h</th></tr></thead></table><ol start="3"></ol>'
    )
    assert fragment_problems(html) == []


# a. The renderer


def _contexts(text: str) -> dict[str, str]:
    indented = text.replace("\n", "\n    ")
    return {
        "alone": text,
        "list-item": f"- 항목\n- {indented}",
        "blockquote": "> " + text.replace("\n", "\n> "),
        "after-text": f"앞 문장 **굵게**\n{text}\n\n뒤 문장",
        "markdown-div": f'<div markdown="1">\n\n{text}\n\n</div>',
    }


@pytest.mark.parametrize("text", CASES)
def test_render_markdown_output_is_safe(text):
    for context, source in _contexts(text).items():
        html = str(render_markdown(source))
        assert fragment_problems(html) == [], f"{context}: {html}"
        # Sanitizing again changes nothing: what nh3 wrote parses back to the same tree,
        # the usual sign of a mutation-XSS string (it would re-parse differently).
        assert markdown._sanitize(html) == html, context


def test_allowed_markup_keeps_its_allowed_attributes():
    # The allowlist is enforced exactly (nh3's own defaults add `lang` and `title`
    # everywhere), yet what it names survives.
    html = str(
        render_markdown(
            '[링크](https://example.com/ "제목") ![그림](https://example.com/a.png "t")\n\n'
            '*[HTML]: Hyper Text\n\nHTML <p lang="en" title="x" dir="rtl">문단</p>\n\n'
            "| a |\n|:--|\n| b |"
        )
    )
    assert fragment_problems(html) == []
    parsed = Inspector(html, fragment=True)
    attrs = {(e.tag, name) for e in parsed.elements for name, _value in e.attrs}
    assert {("a", "href"), ("a", "title"), ("img", "src"), ("img", "title")} <= attrs
    assert ("abbr", "title") in attrs
    assert not {("p", "lang"), ("p", "title"), ("p", "dir")} & attrs


# b. Pages that show stored text


def _chunks(texts: list[str], limit: int) -> list[str]:
    """Payloads joined into as few texts as fit `limit` characters each, every one of
    them rendered by python-markdown (not the plain fallback for pathological text)."""
    chunks, current = [], []
    for text in texts:
        joined = "\n\n".join([*current, text])
        if current and (len(joined) > limit or markdown._pathological(joined)):
            chunks.append("\n\n".join(current))
            current = []
        current.append(text)
    chunks.append("\n\n".join(current))
    return chunks


CHUNKS = _chunks(STORED, 4_500)  # every markdown field holds 5,000 characters or more


def _canary(field: str, number: int, text: str) -> str:
    return f"CANARY-{field}-{number}\n\n{text}"


@dataclass
class Hostile:
    day: Day
    later_day: Day
    authors: list[Membership]
    canaries: dict[str, set[str]]  # page part → canaries it shows


HOSTILE_NAMES = [
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "</title><script>alert(1)",
    "{{7*7}}<b onclick=alert(1)>",
]


@pytest.fixture
def hostile(team, team_admin, team_member, day):
    """Day 1 of "alpha" with the corpus in every text field of every kind of item, in
    the logs, the team's texts, the names of people, and the day's title and tags;
    plus a later day, which shows day 1's open follow-ups as carried over."""
    admin = team_admin.memberships.get()
    authors = [MembershipFactory(team=team, user=None, display_name=name) for name in HOSTILE_NAMES]
    Attendance.objects.bulk_create(
        Attendance(day=day, member=member, note=STORED[n][:200]) for n, member in enumerate(authors)
    )
    day.title = "<script>alert(1)</script>" + STORED[0]
    day.tags = '<img src=x onerror=alert(1)>,"><svg onload=alert(1)>'
    day.moderator = authors[0]
    day.save()
    team.description = _canary("team", 0, CHUNKS[0])
    team.ground_rules = _canary("team", 1, CHUNKS[-1])
    team.save()

    now = timezone.now()
    marks: dict[str, set[str]] = {"day": set(), "followups": set()}
    marks["team"] = {"CANARY-team-0", "CANARY-team-1"}
    rows = []
    for n, chunk in enumerate(CHUNKS):
        who = authors[n % len(authors)]
        rows += [
            Suggestion(
                day=day,
                position=n,
                proposal=chunk[:2000],
                discussion=chunk[:5000],
                outcome=_canary("outcome", n, chunk),
                status=Suggestion.Status.ACCEPTED,
            ),
            AssignmentReview(
                day=day,
                position=n,
                assignment=chunk[:120],
                topic=chunk[-120:],
                notes=_canary("notes", n, chunk),
            ),
            Question(
                day=day,
                position=2 * n,
                question=chunk[:5000],
                answer=_canary("answer", n, chunk),
                asked_by=who,
                answered_by=who,
                links="\n".join(
                    f"{line[:60]} https://example.com/{n}" for line in chunk[:900].split("\n")
                ),
                needs_follow_up=True,
                resolution=_canary("resolution", n, chunk),
                resolved_at=now,
                resolved_by=admin,
            ),
            Question(
                day=day,
                position=2 * n + 1,
                question=chunk[:5000],
                answer=_canary("openanswer", n, chunk),
                asked_by=who,
                needs_follow_up=True,
                for_mentor=True,
            ),
            ActionItem(
                day=day,
                position=n,
                text=chunk[:300],
                owner=who,
                resolution=_canary("done", n, chunk),
                resolved_at=now,
                resolved_by=admin,
            ),
        ]
        marks["day"] |= {f"CANARY-{f}-{n}" for f in ("outcome", "notes", "answer", "openanswer")}
        marks["day"] |= {f"CANARY-resolution-{n}", f"CANARY-done-{n}"}
        marks["followups"].add(f"CANARY-openanswer-{n}")
    # Each payload alone in a section too, so none hides behind another of its chunk.
    rows += [
        FreeSection(day=day, position=n, heading=text[:120], body=_canary("section", n, text))
        for n, text in enumerate(STORED)
    ]
    marks["day"] |= {f"CANARY-section-{n}" for n in range(len(STORED))}
    for model in {type(row) for row in rows}:
        model.objects.bulk_create([row for row in rows if type(row) is model])
    logs = MemberLog.objects.bulk_create(
        MemberLog(
            day=day,
            member=member,
            retrospective=_canary("retro", n, CHUNKS[n % len(CHUNKS)]),
            study_notes=CHUNKS[n % len(CHUNKS)][:5000],
        )
        for n, member in enumerate([admin, *authors])
    )
    marks["retro"] = {f"CANARY-retro-{n}" for n in range(len(logs))}
    StudyLink.objects.bulk_create(
        StudyLink(
            log=logs[0],
            position=n,
            title=text[:80],
            url=f'https://example.com/{n}?q="><script>alert(1)</script>',
            color=StudyLink.Color.BLUE,
        )
        for n, text in enumerate(STORED)
    )
    for review in AssignmentReview.objects.filter(day=day):
        review.presenters.set(authors)
    later = DayFactory(team=team, date=day.date + datetime.timedelta(days=7), number=2)
    search_index.reindex_days([day.pk, later.pk])
    return Hostile(day=day, later_day=later, authors=[admin, *authors], canaries=marks)


def _get(client, name: str, *args, **query):
    response = client.get(reverse(f"peer:{name}", args=args), query)
    assert response.status_code == 200, (name, response.status_code)
    return response.content.decode()


def _assert_safe_page(html: str, shows: set[str] = frozenset(), own=frozenset()):
    problems = page_problems(html, own=own)
    assert problems == [], "\n".join(problems[:20])
    missing = shows - canaries(html)
    assert not missing, f"not rendered as markdown: {sorted(missing)[:10]}"


def test_day_page(as_admin, hostile):
    day = hostile.day
    html = _get(as_admin, "day", "alpha", day.date)
    _assert_safe_page(html, hostile.canaries["day"] | hostile.canaries["retro"])


def test_day_page_of_a_later_day_with_carried_over_follow_ups(as_admin, hostile):
    html = _get(as_admin, "day", "alpha", hostile.later_day.date)
    _assert_safe_page(html, hostile.canaries["followups"])


@pytest.mark.parametrize("author", range(len(HOSTILE_NAMES) + 1))
def test_member_record_page(as_admin, hostile, author):
    member = hostile.authors[author]
    html = _get(as_admin, "member_day", "alpha", hostile.day.date, member.pk)
    _assert_safe_page(html, hostile.canaries["day"] | {f"CANARY-retro-{author}"})


def test_day_editor(as_admin, hostile):
    html = _get(as_admin, "day_edit", "alpha", hostile.day.date)
    _assert_safe_page(html, hostile.canaries["day"] | {"CANARY-retro-0"})


@pytest.mark.parametrize("kind", ["suggestion", "review", "question", "action", "section"])
def test_item_fragments_and_edit_forms(as_admin, hostile, kind):
    # The htmx fragments: the item as shown, and its form holding the raw text
    # (a `</textarea>` in it must stay text).
    model = {"suggestion": Suggestion, "review": AssignmentReview, "question": Question}.get(
        kind, {"action": ActionItem, "section": FreeSection}.get(kind)
    )
    date = hostile.day.date
    for item in model.objects.filter(day=hostile.day).order_by("pk")[:3]:
        _assert_safe_page(_get(as_admin, "item", "alpha", date, kind, item.pk))
        _assert_safe_page(_get(as_admin, "item_edit", "alpha", date, kind, item.pk))
    html = _get(as_admin, "item_list", "alpha", date, kind)
    _assert_safe_page(html)


def test_log_form(as_admin, hostile):
    _assert_safe_page(_get(as_admin, "log_edit", "alpha", hostile.day.date))


@pytest.mark.parametrize(
    "name, query, part",
    [
        ("follow_ups", {}, "followups"),
        ("follow_ups", {"state": "resolved"}, None),
        ("mentor_queue", {}, "followups"),
        ("decisions", {}, None),
        ("team", {}, "team"),
        ("archive", {}, None),
        ("search", {"q": "alert"}, None),
        ("search", {"q": "script onerror"}, None),
        ("stats", {}, None),
    ],
)
def test_team_pages(as_admin, hostile, name, query, part):
    html = _get(as_admin, name, "alpha", **query)
    own = frozenset({"svg"} if name == "stats" else ())
    _assert_safe_page(html, hostile.canaries[part] if part else set(), own=own)


def test_search_finds_the_payloads_and_shows_them_as_text(as_admin, hostile):
    html = _get(as_admin, "search", "alpha", q="onerror")
    _assert_safe_page(html)
    snippets = re.findall(r'<span class="search-snippet">(.*?)</span>', html, re.S)
    assert snippets, "the payloads are searchable"
    assert any("&lt;img" in snippet for snippet in snippets)


def test_every_team_text_chunk_on_the_team_page(as_admin, team, hostile):
    for n, chunk in enumerate(CHUNKS):
        team.description = _canary("team", n, chunk)
        team.ground_rules = _canary("team", n + 1000, chunk)
        team.save()
        html = _get(as_admin, "team", "alpha")
        _assert_safe_page(html, {f"CANARY-team-{n}", f"CANARY-team-{n + 1000}"})


def test_the_pages_own_html_passes_the_page_check(as_admin, day):
    # Without any user text: the page checks need no exception for the site's HTML.
    for name, args in [("day", (day.date,)), ("day_edit", (day.date,)), ("team", ())]:
        assert page_problems(_get(as_admin, name, "alpha", *args)) == [], name


def test_study_link_urls_must_be_web_urls():
    # Badges put the stored URL in href as it is; every way in validates it first
    # (forms, the importer and backups all run full_clean).
    for url in ["javascript:alert(1)", "data:text/html,x", "vbscript:x", "//evil.example"]:
        with pytest.raises(ValidationError):
            StudyLink._meta.get_field("url").clean(url, None)


# c. markdownx's preview


def test_preview_renders_every_payload_like_the_renderer(as_member, team):
    url = reverse("peer:markdown_preview", args=["alpha"])
    failures = []
    for name, text in zip(IDS, TEXTS, strict=True):
        response = as_member.post(url, {"content": text})
        html = response.content.decode()
        if response.status_code != 200 or html != str(render_markdown(text)):
            failures.append((name, response.status_code))
        elif problems := fragment_problems(html):
            failures.append((name, problems))
    assert failures == []


def test_preview_refuses_text_longer_than_the_limit(as_member, team):
    url = reverse("peer:markdown_preview", args=["alpha"])
    assert as_member.post(url, {"content": "가" * MAX_INPUT}).status_code == 200
    response = as_member.post(url, {"content": "<img src=x onerror=alert(1)>" + "가" * MAX_INPUT})
    assert response.status_code == 400
    assert b"<img" not in response.content


def test_preview_answers_members_only(anon, as_outsider, team):
    url = reverse("peer:markdown_preview", args=["alpha"])
    assert anon.post(url, {"content": "x"}).status_code == 302
    assert as_outsider.post(url, {"content": "x"}).status_code == 404


# d. Jekyll import and export


def _post(date: str, title: str, chunks: list[str], last: str) -> str:
    """A post in sessions/jekyll/FORMAT.md's layout with the payloads in every part, and
    `last` at the very end."""
    one = chunks[0]
    indented = [chunk.replace("\n", "\n    ") for chunk in chunks]
    return "\n".join(
        [
            "---",
            f'title: "{title}"',
            f"date: {date}",
            "tags:",
            "  - [x, y]",
            "---",
            "<br>",
            "",
            "## 학습 내용",
            "",
            '<a href="javascript:alert(1)"><img src="https://img.shields.io/badge/-x-red"/></a>',
            "",
            "CANARY-importstudy-0",
            "",
            one,
            "",
            "## 피어세션",
            "",
            "모더레이터 : <img src=x onerror=alert(1)>",
            "",
            "### 건의사항",
            "",
            "- <script>alert(1)</script> 제안",
            "",
            "    → CANARY-importoutcome-0 " + indented[0],
            "",
            "### 과제 리뷰",
            "",
            "- 과제 <svg onload=alert(1)>",
            "",
            "    CANARY-importnotes-0 " + indented[0],
            "",
            "### 질문내용",
            "",
            "1. 질문 : <img src=x onerror=alert(1)>?",
            "",
            "    답 : CANARY-importanswer-0 " + indented[0],
            "",
            "### 자유 주제",
            "",
            "CANARY-importsection-0",
            "",
            *[text for text in chunks[1:]],
            "",
            "## 회고록",
            "",
            "CANARY-importretro-0",
            "",
            one,
            "",
            last,
            "",
        ]
    )


def _opens_a_fence(text: str) -> bool:
    """Whether `text` leaves a code fence open: it would swallow the rest of a post."""
    return len(re.findall(r"^\s*(?:```|~~~)", text, re.MULTILINE)) % 2 == 1


# In a post these run on to its end, as they should: they go last.
FENCE_OPENERS = [text for text in STORED if _opens_a_fence(text)]
POST_CHUNKS = _chunks([text for text in STORED if not _opens_a_fence(text)], 4_500)


@pytest.mark.parametrize("number", range(len(POST_CHUNKS)))
def test_imported_posts_render_safely(as_admin, team, number):
    assert FENCE_OPENERS  # the corpus has them: they are tested, at the end of the post
    chunks = [POST_CHUNKS[number], *[c for n, c in enumerate(POST_CHUNKS) if n != number][:1]]
    last = "\n\n".join(FENCE_OPENERS)
    text = _post("2024-05-06", "<script>alert(1)</script>", chunks, last)
    # The importer refuses a file with control characters as binary: those payloads
    # are left out here (the other tests have them).
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", text)
    source = Source("2024-05-06-x_day9.md", text.encode())
    (result,) = import_sources(team, [source], member_name="작성자<b onclick=alert(1)>").results
    assert result.status == IMPORTED, result.reason
    day = result.day
    html = _get(as_admin, "day", "alpha", day.date)
    _assert_safe_page(html, {"CANARY-importsection-0", "CANARY-importretro-0"})
    author = team.memberships.get(display_name__startswith="작성자")
    _assert_safe_page(_get(as_admin, "member_day", "alpha", day.date, author.pk))
    _assert_safe_page(_get(as_admin, "day_edit", "alpha", day.date))


def _jekyll_front_matter(post: str) -> tuple[list[str], str]:
    """Front matter lines and body as Jekyll splits a post: the first line is `---`, the
    front matter ends at the next line that is `---` or `...` (Jekyll's regex)."""
    match = re.match(r"---\s*\n(.*?\n?)^(?:---|\.\.\.)\s*$\n?", post, re.S | re.M)
    assert match, post[:300]
    return match[1].split("\n"), post[match.end() :]


def _yaml_double_quoted(value: str) -> str:
    assert value.startswith('"') and value.endswith('"'), value
    return re.sub(r"\\(.)", r"\1", value[1:-1])


@pytest.mark.parametrize(
    "title",
    [
        "제목\n---\n<script>alert(1)</script>",
        "제목\r\n---\r\nlayout: evil",
        'x"\ntitle: hijack',
        'x\\"\n---',
        "a\x85b\u2028c\u2029d\x0bе\x0cf",
        "---",
        "...\n...",
    ],
)
def test_a_title_cannot_break_out_of_the_front_matter(day, team_member, title):
    member = team_member.memberships.get()
    day.title = title
    day.tags = "ok,\n---,x"
    day.save()
    MemberLog.objects.create(day=day, member=member, retrospective="회고")
    post = render_post(day, member)
    front, body = _jekyll_front_matter(post)
    keys = [line.split(":", 1)[0] for line in front if line and not line.startswith(" ")]
    assert keys == [
        "defaults", "title", "excerpt", "toc", "toc_sticky", "toc_label", "categories",
        "tags", "date", "last_modified_at",
    ]  # fmt: skip
    for line in front:
        # No line break YAML knows (\x85, \u2028, \u2029) nor control character.
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]", line), repr(line)
    (title_line,) = [line for line in front if line.startswith("title: ")]
    shown = _yaml_double_quoted(title_line.removeprefix("title: "))
    # The title as written, its line breaks and control characters now spaces.
    assert _squash(unescape(shown)) == _squash(title)
    assert body.lstrip().startswith("<br>")


def _squash(text: str) -> str:
    return re.sub(r"[\s\x00-\x1f\x7f-\x9f]+", " ", text).strip()


@pytest.fixture
def exported(hostile):
    day = Day.objects.for_record().get(pk=hostile.day.pk)
    return {member.display_name: render_post(day, member) for member in hostile.authors}


def test_an_exported_post_renders_safely_here(exported):
    for name, post in exported.items():
        _front, body = _jekyll_front_matter(post)
        assert fragment_problems(str(render_markdown(body[:MAX_INPUT]))) == [], name


# What python-markdown writes by itself: footnote ids and classes, table alignment.
RENDERER_ATTRIBUTES = {"id", "class", "rel", "href", "title", "src", "alt", "style"}
RENDERER_TAGS = ALLOWED_TAGS | {"sup", "hr"}


def unsanitized_problems(html: str) -> list[str]:
    """Like fragment_problems, for markdown rendered with nothing to sanitize it, the way
    a Jekyll blog renders a post: python-markdown's own attributes are allowed, and
    links may be relative (they point into the member's blog)."""
    parsed = Inspector(html, fragment=True)
    problems = [f"<{tag}> text {text!r}" for tag, text in parsed.raw_text]
    for element in parsed.elements:
        tag = element.tag
        if tag not in RENDERER_TAGS:
            problems.append(f"<{tag}>")
        for name, value in element.attrs:
            allowed = ALLOWED_ATTRIBUTES.get(tag, set()) | RENDERER_ATTRIBUTES
            if name not in allowed or name.startswith("on"):
                problems.append(f"<{tag} {name}={value!r}>")
            if name == "style" and not re.fullmatch(r"text-align: (left|right|center);?", value):
                problems.append(f"<{tag} style={value!r}>")
            if name in URL_ATTRIBUTES and url_scheme(value or "") not in URL_SCHEMES | {""}:
                problems.append(f"<{tag} {name}={value!r}>")
    return problems


def test_an_exported_post_is_safe_on_a_blog_that_does_not_sanitize(exported):
    # The post is published by the member's own Jekyll site, whose markdown renderer
    # passes raw HTML and any link through; it holds teammates' text too.
    for name, post in exported.items():
        _front, body = _jekyll_front_matter(post)
        html = python_markdown.markdown(body, extensions=EXTENSIONS)
        problems = unsanitized_problems(html)
        assert problems == [], f"{name}: {problems[:10]}"


def test_each_payload_exported_is_safe_on_a_blog_that_does_not_sanitize(day, team_member):
    # One day, its texts set to each payload in turn (a test per payload would spend
    # its time building the day).
    member = team_member.memberships.get()
    rows = [
        MemberLog.objects.create(day=day, member=member, study_notes="x"),
        FreeSection.objects.create(day=day, heading="x"),
        Question.objects.create(day=day, question="x", asked_by=member),
        Suggestion.objects.create(day=day, proposal="x"),
        AssignmentReview.objects.create(day=day, assignment="과제"),
    ]
    fields = {
        MemberLog: ["retrospective", "study_notes"],
        FreeSection: ["heading", "body"],
        Question: ["question", "answer"],
        Suggestion: ["proposal", "discussion", "outcome"],
        AssignmentReview: ["topic", "notes"],
    }
    failures = {}
    for name, text in zip(IDS, STORED, strict=True):
        for row in rows:
            type(row).objects.filter(pk=row.pk).update(
                **{
                    field: text[: type(row)._meta.get_field(field).max_length]
                    for field in fields[type(row)]
                }
            )
        _front, body = _jekyll_front_matter(render_post(day, member))
        problems = unsanitized_problems(python_markdown.markdown(body, extensions=EXTENSIONS))
        # Jekyll runs Liquid over the whole post first, code blocks included.
        problems += [liquid for liquid in ("{{", "{%") if liquid in body]
        if problems:
            failures[name] = (problems, body)
    assert not failures, failures


@pytest.mark.parametrize("starts_block", [True, False])
def test_making_text_inert_twice_changes_nothing_more(starts_block):
    # What the exporter writes comes back through the importer and is exported again.
    for name, text in zip(IDS, TEXTS, strict=True):
        once = _inert(text, starts_block=starts_block)
        assert _inert(once, starts_block=starts_block) == once, name


@pytest.mark.parametrize(
    "text",
    [
        "오늘은 `model.eval()`을 배웠다.\n내일은 [문서](https://pytorch.org/docs)를 본다.",
        "```python\nd = {'a': 1}\nif a<b and f\"{x}\":\n    pass\n```",
        "~~~\n<div onclick=x>{ 코드 }</div>\n~~~",
        "- 목록\n    - 중첩 <https://example.com> <me@example.com>\n\n> 인용\n\n---",
        "| a | b |\n|:--|--:|\n| 1 | 2 |\n\n본문[^1]\n\n[^1]: 각주\n\n*[HTML]: Hyper",
        '줄바꿈<br>과 <b>굵게</b>, <a href="https://example.com" title="t">링크</a>',
        "[참고][1] 와 ![그림](https://example.com/a.png)\n\n[1]: https://example.com/ref",
        "a < b 이고 b > c, 1 <= 2",
    ],
)
def test_ordinary_notes_are_exported_as_written(text):
    assert _inert(text) == text


def test_the_export_download_is_an_attachment_never_a_page(as_admin, hostile):
    member = hostile.authors[0]
    url = reverse("peer:member_export", args=["alpha", hostile.day.date, member.pk])
    response = as_admin.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/markdown")
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


# Input caps and pathological input


PATHOLOGICAL = {
    "brackets": "[" * 20_000,
    "angles": "<" * 20_000,
    "image-openers": "![" * 10_000,
    "link-openers": "[a](" * 5_000,
    "tags": "<a" * 10_000,
    "setext-underlines": "x\n=\n" * 5_000,
    "definitions": "x\n" + ": y\n" * 4_999,
    "rules": "***\n" * 5_000,
    "headings": "# x\n" * 5_000,
    "carriage-returns": "x\r=\r" * 5_000,
}
LINEAR = {
    "stars": "*" * 20_000,
    "underscores": "_" * 20_000,
    "star-words": "*a" * 10_000,
    "underscore-words": "_a" * 10_000,
    "strong-underscore": "**_" * 6_666,
    "backticks": "`" * 20_000,
    "backtick-words": "`a" * 10_000,
    "nested-quotes": "> " * 9_999 + "x",
    "nested-quote-lines": "\n".join(">" * n + " x" for n in range(1, 190)),
    "ampersands": "&" * 20_000,
    "entities": "&#" * 10_000,
    "pipes": "|" * 20_000,
    "braces": "{:" * 10_000,
    "parens": "(" * 10_000 + ")" * 10_000,
    "loose-list": "- x\n\n" * 4_000,
    "paragraphs": "x\n\n" * 6_666,
    "a-long-list": "\n".join(f"- 항목 {n}" for n in range(290)),
}


def _rendered_by(text: str) -> str:
    """'markdown' or 'plain': which branch rendered `text` (python-markdown is mocked
    to see whether it is called)."""
    with mock.patch.object(markdown.md, "markdown", wraps=python_markdown.markdown) as call:
        html = markdown._to_html(text)
    assert html and fragment_problems(html) == []
    return "markdown" if call.called else "plain"


@pytest.mark.parametrize("name", PATHOLOGICAL)
def test_pathological_input_takes_the_plain_branch(name):
    # Measured, not asserted here: each of these takes python-markdown 0.4 s to many
    # seconds at 20,000 characters, and the plain branch milliseconds.
    text = PATHOLOGICAL[name]
    assert _rendered_by(text) == "plain"
    html = str(render_markdown(text))
    assert html.startswith("<p>")
    assert "<a " not in html and "<img" not in html and "<h1" not in html


@pytest.mark.parametrize("name", LINEAR)
def test_heavy_but_linear_input_is_still_markdown(name):
    # python-markdown is linear on these (all under 0.2 s at the limit): no need to
    # give up formatting for them.
    assert _rendered_by(LINEAR[name]) == "markdown"


def test_a_block_just_under_the_line_limit_is_still_markdown():
    text = "x\n" + ": y\n" * (markdown.MAX_BLOCK_LINES - 2)
    assert _rendered_by(text) == "markdown"
    assert _rendered_by(text + ": y\n") == "plain"
    # A blank line starts a new block: the same lines in two blocks are fine.
    half = ": y\n" * (markdown.MAX_BLOCK_LINES // 2)
    assert _rendered_by("x\n" + half + "\n\nz\n" + half) == "markdown"


def test_input_beyond_the_limit_is_cut_before_rendering():
    text = "**굵게** " + "가" * MAX_INPUT + "<script>alert(1)</script>"
    with mock.patch.object(markdown.md, "markdown", wraps=python_markdown.markdown) as call:
        html = str(render_markdown(text))
    (args, _kwargs) = call.call_args
    assert len(args[0]) == MAX_INPUT
    assert fragment_problems(html) == []


def _markdown_field_names() -> set[str]:
    """Fields the templates pass through the markdown filter (`x.field|markdown`)."""
    names = set()
    for path in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        names |= set(re.findall(r"\.(\w+)\|markdown\b", path.read_text(encoding="utf-8")))
    return names


def test_every_markdown_model_field_is_capped_at_the_renderers_limit():
    names = _markdown_field_names()
    assert {"retrospective", "answer", "body", "outcome", "notes", "resolution"} <= names
    assert {"description", "ground_rules"} <= names
    seen = set()
    for model in apps.get_app_config("peer").get_models():
        for field in model._meta.get_fields():
            if field.name in names and isinstance(field, models.Field):
                seen.add(field.name)
                assert isinstance(field, models.TextField), (model, field.name)
                assert field.max_length and field.max_length <= MAX_INPUT, (model, field.name)
    assert seen == names, "a template renders a field no model has"


def _form_classes() -> list[type[forms.BaseForm]]:
    found = []
    for module_name in ["base", "day", "followups", "items", "logs", "publish", "teams"]:
        module = importlib.import_module(f"sessions.forms.{module_name}")
        found += [
            value
            for value in vars(module).values()
            if isinstance(value, type)
            and issubclass(value, forms.BaseForm)
            and value.__module__ == module.__name__
        ]
    return found


def test_every_markdown_form_field_is_capped_at_the_renderers_limit():
    names = _markdown_field_names()
    checked = 0
    for form_class in _form_classes():
        for name, field in getattr(form_class, "base_fields", {}).items():
            if name in names and isinstance(field, forms.CharField):
                checked += 1
                assert field.max_length and field.max_length <= MAX_INPUT, (form_class, name)
    assert checked >= 8
