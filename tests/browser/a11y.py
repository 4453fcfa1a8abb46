"""axe-core in the browser tests: WCAG 2.0 and 2.1, levels A and AA, on the page as the
member sees it.

axe-core comes from npm at the version package-lock.json pins (`make assets` copies it
to tests/browser/vendor/axe.min.js; test_axe_is_the_pinned_version checks the copy). It
is evaluated through the DevTools protocol, which the page's Content-Security-Policy
does not govern, so the page under test keeps its own policy.
"""

from pathlib import Path

from playwright.sync_api import Page

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# (rule, CSS selector of the node) -> why it is not a violation here. Keep it empty
# unless a rule is wrong about a page; say why beside each entry.
EXCEPTIONS: dict[tuple[str, str], str] = {}


def violations(page: Page, *, exceptions: dict | None = None) -> list[str]:
    """What axe finds on the page now, one line per rule and node, less the exceptions."""
    allowed = EXCEPTIONS | (exceptions or {})
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    results = page.evaluate(
        """(tags) => axe.run(document, {
            runOnly: {type: "tag", values: tags},
            resultTypes: ["violations"],
        })""",
        TAGS,
    )
    found = []
    for rule in results["violations"]:
        for node in rule["nodes"]:
            selector = " ".join(str(t) for t in node["target"])
            if (rule["id"], selector) in allowed:
                continue
            found.append(
                f"{rule['id']} ({rule['impact']}): {selector}: "
                f"{node.get('failureSummary', '').splitlines()[-1].strip()}"
            )
    return found


def assert_accessible(page: Page, where: str = "", **kwargs) -> None:
    found = violations(page, **kwargs)
    label = where or page.url
    assert not found, f"axe on {label} ({page.viewport_size['width']}px):\n" + "\n".join(found)
