"""Pasting and dropping images into a markdown field, in the browser: the picture is
uploaded, its markdown lands in the text, a bad file gets a message, and the saved
answer shows the picture on the day record."""

import base64
import io
import re

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect

from sessions.models import Membership, Question, TeamImage

from ..factories import PASSWORD, DayFactory, MembershipFactory, TeamFactory, UserFactory
from .helpers import login, open_add_form, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUESTION = "학습률을 키우면 손실 곡선이 왜 튀나요?"
ANSWER = "스텝이 너무 커서 최솟값을 건너뛰기 때문. 아래 그래프 참고"


def chart_png() -> bytes:
    """A small chart, as a pasted screenshot would be."""
    im = Image.new("RGB", (480, 240), (250, 250, 252))
    draw = ImageDraw.Draw(im)
    draw.rectangle((0, 0, 479, 239), outline=(200, 200, 210))
    points = [(20 + i * 22, 40 + (i % 3) * 50 + i * 6) for i in range(20)]
    draw.line(points, fill=(40, 90, 200), width=4)
    draw.line([(20, 220), (460, 220)], fill=(90, 90, 90), width=2)
    out = io.BytesIO()
    im.save(out, "PNG")
    return out.getvalue()


# Build a File in the page and hand it to the textarea as the browser would.
DISPATCH = """([selector, kind, b64, name, type]) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, { type }));
  const field = document.querySelector(selector);
  field.focus();
  const event = kind === "paste"
    ? new ClipboardEvent("paste", { clipboardData: transfer, bubbles: true, cancelable: true })
    : new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true });
  field.dispatchEvent(event);
}"""


def give(page: Page, selector: str, kind: str, data: bytes, name: str, type_: str) -> None:
    page.evaluate(DISPATCH, [selector, kind, base64.b64encode(data).decode(), name, type_])


@pytest.mark.parametrize("width", [1280, 390])
def test_paste_an_image_into_an_answer_and_see_it_on_the_record(new_page, page_logs, width):
    team = TeamFactory(name="그림팀", slug="pictures")
    user = UserFactory(username="painter")
    MembershipFactory(team=team, user=user, role=Membership.Role.MEMBER, display_name="한그림")
    day = DayFactory(team=team)
    page = new_page(width, name=f"painter-{width}")
    login(page, "painter", PASSWORD)
    page.goto(f"/teams/{team.slug}/days/{day.date.isoformat()}/edit/")

    form = open_add_form(page, "question")
    form.locator("textarea[name=question]").fill(QUESTION)
    answer = form.locator("textarea[name=answer]")
    answer.fill(ANSWER)
    answer.press("End")
    selector = "#panel-question article.item.is-editing textarea[name=answer]"

    # A file that only pretends to be a PNG: refused with a message, the text untouched.
    give(page, selector, "drop", b"<svg onload=alert(1)>", "chart.png", "image/png")
    status = form.locator(".upload-status")
    expect(status).to_have_class("upload-status field-errors")
    expect(status).to_contain_text("PNG, JPEG, GIF")
    expect(answer).to_have_value(ANSWER)
    assert not TeamImage.objects.exists()
    screenshot(page, "images-refused")

    # The real picture, pasted: its markdown goes in at the cursor, the preview shows it.
    give(page, selector, "paste", chart_png(), "image.png", "image/png")
    expect(answer).to_have_value(
        re.compile(r"그래프 참고\n!\[image\]\(/teams/pictures/images/[-\w]{22}\.png\)\n$")
    )
    expect(status).to_be_hidden()
    preview = form.locator(".markdownx-preview img")
    expect(preview).to_be_visible()
    screenshot(page, "images-editor")

    form.locator("button.primary").click()
    expect(page.locator("[data-list=question] > article.item", has_text=QUESTION)).to_be_visible()
    image = TeamImage.objects.get()
    assert image.team == team and image.width == 480
    assert image.get_absolute_url() in Question.objects.get(day=day).answer

    page.goto(f"/teams/{team.slug}/days/{day.date.isoformat()}/")
    shown = page.locator(f"#questions img[src='{image.get_absolute_url()}']")
    expect(shown).to_be_visible()
    # Loaded through the team-only address, not a broken image.
    assert shown.evaluate("(img) => img.complete && img.naturalWidth") == 480
    shown.scroll_into_view_if_needed()
    screenshot(page, "images-record")
    # The one refusal above is the only thing the browser complains about.
    problems = [p for log in page_logs for p in log.problems()]
    assert [p for p in problems if "status of 400" not in p or "/upload/" not in p] == []
    assert len(problems) == 1
