"""No stored payload runs script in a real browser: the XSS corpus on the day page, a
member's record and the day editor, and typed into an editor's live preview.

Before any page script runs, `alert`, `confirm` and `prompt` are replaced by a trap that
records each call, and every Content-Security-Policy violation (the policy blocks
inline script, so a handler that got through would show as one) is recorded too. Each
payload calls alert(). The DOM the browser built is checked as well: user content holds
only allowed tags and attributes, and no element anywhere has an event handler.
"""

import datetime
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Page, expect

from sessions import search_index
from sessions.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS
from sessions.models import (
    ActionItem,
    AssignmentReview,
    Attendance,
    FreeSection,
    MemberLog,
    Membership,
    Question,
    StudyLink,
    Suggestion,
)

from ..factories import PASSWORD, DayFactory, MembershipFactory, TeamFactory, UserFactory
from .helpers import login, open_add_form

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLUG = "xss-team"
DATE = datetime.date(2024, 3, 4)
CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "xss_payloads.json"
PAYLOADS = {
    # Without NUL, which PostgreSQL's text cannot hold and forms refuse anyway.
    f"{entry['kind']}-{entry['id']}": entry["payload"].replace("\x00", "")
    for entry in json.loads(CORPUS.read_text(encoding="utf-8"))["payloads"]
}
# The ones most likely to get past a sanitizer or to be re-parsed differently by a
# browser; they go in every kind of item and log, the whole corpus in sections.
NASTIEST = [
    "image-raw-onerror",
    "image-alt-breakout",
    "image-title-breakout-escaped-quote",
    "image-owasp-malformed-img",
    "raw-tag-svg-onload",
    "raw-tag-svg-script",
    "raw-tag-iframe-srcdoc",
    "raw-tag-details-ontoggle",
    "raw-tag-htmx-hx-on",
    "raw-tag-htmx-hx-get-load",
    "raw-tag-plaintext",
    "mxss-svg-style-namespace",
    "mxss-comment-short-close",
    "mxss-noscript-title",
    "mxss-math-mglyph-style",
    "mxss-form-math-mglyph",
    "mxss-noembed",
    "mxss-textarea-breakout",
    "mxss-title-breakout",
    "js-link-hex-entities-no-semicolon",
    "js-link-tab-in-scheme",
    "reference-numbered",
    "autolink-javascript",
    "md-in-html-div-markdown-link",
    "footnote-label-quote-breakout",
    "attr-list-paragraph-onclick",
    "attr-list-htmx-attributes",
    "extra-abbr-title-img",
    "backtick-div-backtick-handler",
]
NASTY_TEXT = "\n\n".join(PAYLOADS[name] for name in NASTIEST)
TYPED = ["image-raw-onerror", "mxss-svg-style-namespace", "attr-list-paragraph-onclick"]

TRAP = """
window.__xss = [];
const trap = (what) => (message) => { window.__xss.push(what + ": " + String(message)); };
window.alert = trap("alert");
window.confirm = (message) => { trap("confirm")(message); return false; };
window.prompt = (message) => { trap("prompt")(message); return null; };
document.addEventListener("securitypolicyviolation", (event) => {
  window.__xss.push(`csp ${event.violatedDirective}: ${event.blockedURI} ${event.sample}`);
}, true);
"""

DOM_PROBLEMS = """
({tags, attributes, staticUrl}) => {
  const problems = [];
  const html = "http://www.w3.org/1999/xhtml";
  for (const region of document.querySelectorAll("div.md")) {
    for (const el of region.querySelectorAll("*")) {
      const tag = el.localName;
      if (!tags.includes(tag) || el.namespaceURI !== html) problems.push(`<${tag}> in .md`);
      for (const attr of el.attributes) {
        const ok = (attributes[tag] || []).includes(attr.name) ||
          (tag === "a" && attr.name === "rel");
        if (!ok) problems.push(`<${tag} ${attr.name}> in .md`);
        if (attr.name === "href" || attr.name === "src") {
          const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(attr.value.trim());
          if (!scheme || !["http", "https", "mailto"].includes(scheme[1].toLowerCase())) {
            problems.push(`<${tag} ${attr.name}=${attr.value}> in .md`);
          }
        }
      }
    }
  }
  for (const el of document.querySelectorAll("*")) {
    for (const attr of el.attributes) {
      // (Site scripts may set `style` through the DOM: markdownx sizes its textareas.)
      if (/^(on|hx-on|data-hx-on)/i.test(attr.name)) {
        problems.push(`<${el.localName} ${attr.name}>`);
      }
    }
    if (el.matches("iframe, object, embed, frame, frameset, base, math, svg, meta[http-equiv]")) {
      problems.push(`<${el.localName}> on the page`);
    }
    if (el.localName === "script" && !(el.getAttribute("src") || "").startsWith(staticUrl)) {
      problems.push(`<script> not from ${staticUrl}`);
    }
  }
  return problems;
}
"""


def _canary(part: str, text: str) -> str:
    return f"CANARY-{part}\n\n{text}"


@pytest.fixture
def hostile_day(db):
    """A day with the nastiest payloads in every kind of item and log, and every payload
    of the corpus in a section of its own. Returns the admin's username."""
    team = TeamFactory(name="<img src=x onerror=alert('team')>", slug=SLUG)
    admin = MembershipFactory(
        team=team,
        user=UserFactory(username="xss-admin"),
        display_name="관리자",
        role=Membership.Role.ADMIN,
    )
    writer = MembershipFactory(team=team, user=None, display_name="<svg onload=alert('name')>")
    team.description = _canary("team", NASTY_TEXT)
    team.save()
    day = DayFactory(team=team, date=DATE, number=1, title="<script>alert('title')</script>")
    for member in (admin, writer):
        Attendance.objects.create(day=day, member=member, note="<img src=x onerror=alert(2)>")
    now = timezone.now()
    Suggestion.objects.create(
        day=day, proposal=NASTY_TEXT[:2000], outcome=_canary("outcome", NASTY_TEXT)
    )
    review = AssignmentReview.objects.create(
        day=day, assignment="과제", notes=_canary("notes", NASTY_TEXT)
    )
    review.presenters.set([writer])
    Question.objects.create(
        day=day,
        question=NASTY_TEXT,
        answer=_canary("answer", NASTY_TEXT),
        asked_by=writer,
        needs_follow_up=True,
        resolution=_canary("resolution", NASTY_TEXT),
        resolved_at=now,
        resolved_by=admin,
    )
    ActionItem.objects.create(
        day=day,
        text=NASTY_TEXT[:300],
        owner=writer,
        resolution=_canary("done", NASTY_TEXT),
        resolved_at=now,
        resolved_by=admin,
    )
    FreeSection.objects.bulk_create(
        FreeSection(day=day, position=n, heading=name, body=_canary(f"section-{n}", text))
        for n, (name, text) in enumerate(PAYLOADS.items())
    )
    for member in (admin, writer):
        log = MemberLog.objects.create(
            day=day, member=member, retrospective=_canary(f"retro-{member.pk}", NASTY_TEXT)
        )
        StudyLink.objects.create(
            log=log,
            title="<img src=x onerror=alert(3)>",
            url='https://example.com/?q="><svg onload=alert(4)>',
        )
    search_index.reindex_days([day.pk])
    return {"username": "xss-admin", "admin": admin, "writer": writer}


def _open(new_page, live_server, width: int = 1280) -> tuple[Page, list[str]]:
    """A logged-in page with the trap installed; only the live server is reachable."""
    page = new_page(width)
    page.add_init_script(TRAP)
    dialogs: list[str] = []

    def dismiss(dialog):
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.route(
        "**/*",
        lambda route: (
            route.continue_() if route.request.url.startswith(live_server.url) else route.abort()
        ),
    )
    login(page, "xss-admin", PASSWORD)
    return page, dialogs


def _settle(page: Page) -> None:
    # Let every image error, animation start and htmx load trigger have its turn.
    page.wait_for_load_state("load")
    page.evaluate("new Promise((done) => setTimeout(done, 300))")


def _assert_nothing_ran(page: Page, dialogs: list[str]) -> None:
    assert page.evaluate("window.__xss") == []
    assert dialogs == []
    problems = page.evaluate(
        DOM_PROBLEMS,
        {
            "tags": sorted(ALLOWED_TAGS),
            "attributes": {tag: sorted(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
            "staticUrl": settings.STATIC_URL,
        },
    )
    assert problems == []


def _md_text(page: Page) -> str:
    return " ".join(page.locator("div.md").all_text_contents())


def test_the_trap_catches_a_handler_that_gets_through(new_page, live_server, hostile_day):
    # The control: the same page with one unsanitized handler added the way a sanitizer
    # hole would add it. The policy blocks it, and the trap sees the attempt.
    page, dialogs = _open(new_page, live_server)
    page.goto(f"/teams/{SLUG}/days/{DATE}/")
    page.evaluate(
        "document.querySelector('div.md').insertAdjacentHTML("
        "'beforeend', '<img id=control src=x onerror=alert(1)>')"
    )
    expect(page.locator("div.md #control")).to_have_count(1)
    page.wait_for_function("window.__xss.length > 0")
    assert "csp" in page.evaluate("window.__xss")[0] or dialogs


def test_day_page_and_member_record(new_page, live_server, hostile_day):
    page, dialogs = _open(new_page, live_server)
    page.goto(f"/teams/{SLUG}/days/{DATE}/")
    _settle(page)
    _assert_nothing_ran(page, dialogs)
    shown = _md_text(page)
    for part in ["outcome", "notes", "answer", "resolution", "done", "section-0"]:
        assert f"CANARY-{part}" in shown, part
    assert f"CANARY-section-{len(PAYLOADS) - 1}" in shown

    writer = hostile_day["writer"]
    page.goto(f"/teams/{SLUG}/days/{DATE}/{writer.pk}/")
    _settle(page)
    _assert_nothing_ran(page, dialogs)
    assert f"CANARY-retro-{writer.pk}" in _md_text(page)

    page.goto(f"/teams/{SLUG}/")
    _settle(page)
    _assert_nothing_ran(page, dialogs)
    assert "CANARY-team" in _md_text(page)


def test_day_page_on_a_phone(new_page, live_server, hostile_day):
    page, dialogs = _open(new_page, live_server, width=390)
    page.goto(f"/teams/{SLUG}/days/{DATE}/")
    _settle(page)
    _assert_nothing_ran(page, dialogs)
    shots = Path("/tmp/shots")
    shots.mkdir(exist_ok=True)
    page.evaluate("document.querySelector('#peer-session').scrollIntoView()")
    page.screenshot(path=str(shots / "xss-day-390.png"))


def test_day_editor_and_live_preview(new_page, live_server, hostile_day):
    page, dialogs = _open(new_page, live_server)
    page.goto(f"/teams/{SLUG}/days/{DATE}/edit/")
    _settle(page)
    _assert_nothing_ran(page, dialogs)
    assert "CANARY-answer" in _md_text(page)

    form = open_add_form(page, "section")
    body = form.locator("textarea[name=body]")
    preview = form.locator(".markdownx-preview")
    for number, name in enumerate(TYPED):
        body.fill(f"{PAYLOADS[name]}\n\n")
        # Typed, as a person would: markdownx previews on keyboard input.
        body.press_sequentially(f"TYPED-{number}", delay=5)
        expect(preview).to_contain_text(f"TYPED-{number}")
        _settle(page)
        _assert_nothing_ran(page, dialogs)
        problems = page.evaluate(
            """(tags) => Array.from(document.querySelectorAll('.markdownx-preview *'))
                 .filter((el) => !tags.includes(el.localName) || el.attributes.length &&
                   Array.from(el.attributes).some((a) => !['href', 'src', 'alt', 'title',
                   'rel', 'width', 'height', 'align', 'start'].includes(a.name)))
                 .map((el) => el.outerHTML)""",
            sorted(ALLOWED_TAGS),
        )
        assert problems == [], name
