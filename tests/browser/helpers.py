"""Steps shared by the browser tests: log in, take screenshots, add and edit items."""

from pathlib import Path

from playwright.sync_api import Locator, Page, expect

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"


def login(page: Page, username: str, password: str) -> None:
    """Log in through the real login form."""
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.locator("main form:has(#id_password)").get_by_role("button").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as <repo>/screenshots/<name>-<width>.png."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}-{page.viewport_size['width']}.png"
    # From the top, or the sticky header is drawn over the middle of the page; and
    # once the editor's highlight of fresh items has faded.
    page.evaluate("window.scrollTo(0, 0)")
    page.evaluate(
        "Promise.all(document.getAnimations().filter((a) => a.effect.getTiming()"
        ".iterations !== Infinity).map((a) => a.finished))"
    )
    page.screenshot(path=str(path), full_page=True)
    return path


def open_add_form(page: Page, kind: str) -> Locator:
    """Click "+ Add …" for a kind and return the form htmx put in the slot."""
    page.locator(f"#add-{kind} button.add").click()
    form = page.locator(f"#panel-{kind} > article.item.is-editing form")
    expect(form).to_be_visible()
    return form


def save_new_item(page: Page, kind: str, form: Locator, text: str) -> None:
    """Save an add form; wait for the slot to come back and the item to be listed."""
    form.locator("button.primary").click()
    expect(page.locator(f"#add-{kind} button.add")).to_be_visible()
    expect(item_card(page, kind, text)).to_be_visible()


def item_card(page: Page, kind: str, text: str) -> Locator:
    return page.locator(f"[data-list={kind}] > article.item", has_text=text)


def open_edit_form(page: Page, kind: str, item_id: str) -> Locator:
    """Click an item's Edit button; return its form (which replaces the card)."""
    card = page.locator(f"[data-list={kind}] > article.item[data-item-id='{item_id}']")
    card.locator(".item-actions > button").first.click()
    form = page.locator(
        f"[data-list={kind}] > article.item.is-editing[data-item-id='{item_id}'] form"
    )
    expect(form).to_be_visible()
    return form
