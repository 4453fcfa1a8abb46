"""Content-Security-Policy: every response forbids inline script and style, and the
pages keep to it (no inline script, event handler attribute, <style> or style="").

The browser tests (tests/browser/) fail on any console error, which is where a CSP
violation shows: they cover what the pages' own JavaScript does under this policy.
"""

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from .factories import (
    ActionItemFactory,
    MemberLogFactory,
    QuestionFactory,
    ReviewFactory,
    SectionFactory,
    SuggestionFactory,
)

pytestmark = pytest.mark.django_db


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = (part.strip().split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in directives}


class InlineFinder(HTMLParser):
    """Collects everything a `script-src 'self'; style-src 'self'` policy would block."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        names = {name for name, _value in attrs}
        if tag == "script":
            self._in_script = "src" not in names
        if tag == "style":
            self.found.append("<style>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}>")
            if name == "style":
                self.found.append(f"<{tag} style>")
            if name in ("href", "src", "action") and (value or "").lower().startswith(
                "javascript:"
            ):
                self.found.append(f"<{tag} {name}=javascript:>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.found.append(f"inline script: {data.strip()[:40]}")


def test_every_response_forbids_inline_script(anon):
    rules = policy(anon.get(reverse("login")))
    assert rules["script-src"] == ["'self'"]
    assert rules["style-src"] == ["'self'"]
    assert rules["object-src"] == ["'none'"]
    assert rules["base-uri"] == ["'none'"]
    assert rules["frame-ancestors"] == ["'none'"]
    assert rules["img-src"] == ["'self'", "https:"]


@pytest.fixture
def full_day(day, team_member):
    member = team_member.memberships.get()
    for factory in (SuggestionFactory, ReviewFactory, QuestionFactory, SectionFactory):
        factory(day=day)
    ActionItemFactory(day=day, owner=member)
    MemberLogFactory(day=day, member=member, retrospective="회고 *강조*")
    return day


PAGES = [
    ("peer:home", {}),
    ("peer:team", {"team": "alpha"}),
    ("peer:archive", {"team": "alpha"}),
    ("peer:day", {"team": "alpha", "date": "2024-03-04"}),
    ("peer:day_edit", {"team": "alpha", "date": "2024-03-04"}),
    ("peer:day_history", {"team": "alpha", "date": "2024-03-04"}),
    ("peer:search", {"team": "alpha"}),
    ("peer:stats", {"team": "alpha"}),
    ("peer:follow_ups", {"team": "alpha"}),
    ("peer:archive_month", {"team": "alpha", "year": 2024, "month": 3}),
    ("peer:team_settings", {"team": "alpha"}),
    ("peer:schedule", {"team": "alpha"}),
]


@pytest.mark.parametrize(("name", "kwargs"), PAGES, ids=[name for name, _kw in PAGES])
def test_pages_have_nothing_inline(name, kwargs, full_day, as_admin):
    response = as_admin.get(reverse(name, kwargs=kwargs), {"q": "질문"} if "search" in name else {})
    assert response.status_code == 200
    assert "Content-Security-Policy" in response
    finder = InlineFinder()
    finder.feed(response.content.decode())
    assert finder.found == []


def test_the_finder_finds_what_the_policy_blocks():
    finder = InlineFinder()
    finder.feed('<script>x()</script><p onclick="y()" style="color:red"><style>p{}</style>')
    assert finder.found == ["inline script: x()", "<p onclick>", "<p style>", "<style>"]


def test_no_template_has_a_style_attribute():
    """A style="" in a template is blocked by style-src 'self': styles live in CSS."""
    root = Path(settings.BASE_DIR, "templates")
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.html")
        if re.search(r"\sstyle\s*=", path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_page_scripts_set_no_style_attributes():
    """Our scripts change looks through classes: htmx copies an element's style attribute
    onto its replacement when it settles a swap, which the policy blocks (the conflict
    view logged that), so nothing of ours may leave one behind.

    static/js/live.js is a bundle: the CodeMirror in it sizes its own editor's nodes
    through element.style, which the policy allows (it governs style attributes in
    markup and setAttribute, not the CSSOM). For it, our own sources in assets/live/
    are held to the rule instead."""
    root = Path(settings.BASE_DIR, "static", "js")
    pattern = re.compile(r"\.style\b|setAttribute\(\s*[\"']style|cssText")
    scripts = [p for p in root.glob("*.js") if p.name != "live.js"]
    scripts += Path(settings.BASE_DIR, "assets", "live").glob("*.js")
    offenders = [p.name for p in scripts if pattern.search(p.read_text("utf-8"))]
    assert offenders == []


def test_htmx_does_not_copy_style_attributes_when_settling(anon):
    """markdownx sizes its text areas through element.style; htmx's settling would copy
    that attribute onto the conflict view's new text area, which the policy blocks."""
    content = anon.get(reverse("login")).content.decode()
    config = json.loads(re.search(r'name="htmx-config" content=\'([^\']*)\'', content)[1])
    assert "style" not in config["attributesToSettle"]


def test_the_conflict_view_has_nothing_inline(day, as_member, team_admin):
    question = QuestionFactory(day=day, version=2, question="**남이** 저장", updated_by=team_admin)
    response = as_member.post(
        reverse(
            "peer:item_edit",
            kwargs={"team": "alpha", "date": day.date, "kind": "question", "pk": question.pk},
        ),
        {"question": "내 것", "answer": "", "links": "", "version": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 409
    finder = InlineFinder()
    finder.feed(response.content.decode())
    assert finder.found == []
