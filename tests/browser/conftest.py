"""Browser tests: Debian's chromium driven by Playwright against pytest-django's live server.

`new_page(width)` opens a Korean-locale page in its own context against the live server;
every page's console errors and uncaught exceptions are kept in `page_logs` and printed
when a test fails. Steps shared by the test modules live in `helpers.py`.
"""

import os

# Playwright's sync API runs an event loop in this thread; without this, Django
# refuses the ORM calls pytest-django and the tests make from the same thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 10_000  # fail fast: every page here answers in well under a second
HEIGHTS = {1280: 900, 390: 844}

# Quick failures for expect() too, not only for page actions.
expect.set_options(timeout=TIMEOUT_MS)


@dataclass
class PageLog:
    """What a page printed to its console and the errors it threw."""

    name: str
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def add_console(self, kind: str, text: str, location: dict) -> None:
        url = location.get("url", "")
        if url.endswith("/favicon.ico"):
            return  # chromium asks for it whatever the page links to
        self.console.append(f"{kind}: {text}" + (f" ({url})" if url else ""))

    def problems(self) -> list[str]:
        bad = [line for line in self.console if line.startswith(("error", "warning"))]
        return bad + [f"pageerror: {e}" for e in self.errors]


@pytest.fixture(scope="session")
def browser() -> Browser:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(
                f"{CHROMIUM} is missing: browser tests must run in CI "
                "(install Debian's chromium package in the CI image).",
                pytrace=False,
            )
        pytest.skip("Debian's chromium is not installed: apt-get install chromium")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    except Exception:
        playwright.stop()
        raise
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def page_logs() -> list[PageLog]:
    """Console output of every page the test opened (printed when a test fails)."""
    return []


def _pages(browser, base_url: str, page_logs: list[PageLog]):
    contexts = []

    def make(width: int = 1280, name: str = "", base: str = "") -> Page:
        context = browser.new_context(
            viewport={"width": width, "height": HEIGHTS.get(width, 900)},
            locale="ko-KR",
            base_url=base or base_url,
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        log = PageLog(name or f"page{len(contexts)}-{width}")
        page.on("console", lambda msg: log.add_console(msg.type, msg.text, msg.location))
        page.on("pageerror", lambda error: log.errors.append(str(error)))
        page_logs.append(log)
        return page

    return make, contexts


def _close(contexts, page_logs) -> None:
    for context in contexts:
        context.close()
    for log in page_logs:
        for line in log.problems():
            print(f"[{log.name}] {line}")


@pytest.fixture(autouse=True)
def _no_live_editing(settings):
    """live_server is WSGI, with no sockets: its editor is the polling one, as behind a
    proxy that blocks WebSocket. The live tests serve ASGI (`live_page`) and turn it on."""
    settings.LIVE_EDITING = False


@pytest.fixture
def new_page(browser, live_server, page_logs):
    """Open a page in a fresh context (own cookies) with the given viewport width.

    Pages use relative URLs against the live server: `page.goto("/teams/…")`.
    """
    make, contexts = _pages(browser, live_server.url, page_logs)
    yield make
    # Close before pytest-django flushes the database: open editors poll every 4 s.
    _close(contexts, page_logs)


@pytest.fixture
def asgi_server(transactional_db, settings):
    """The ASGI app (pages and live editing sockets) in a thread: tests/browser/asgi_server.py."""
    from .asgi_server import ThreadedServer

    settings.LIVE_EDITING = True
    with ThreadedServer() as server:
        yield server


@pytest.fixture
def live_page(browser, asgi_server, page_logs):
    """Like new_page, against the ASGI server: the editor edits live."""
    make, contexts = _pages(browser, asgi_server.url, page_logs)
    yield make
    _close(contexts, page_logs)


@pytest.fixture
def server_page(browser, page_logs):
    """Like new_page, against a server given by URL: `server_page(url, width, name)`."""
    make, contexts = _pages(browser, "", page_logs)
    yield lambda url, width=1280, name="": make(width, name, base=url)
    _close(contexts, page_logs)
