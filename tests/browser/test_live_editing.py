"""Live editing in real browsers: several members type into the same answer at once.

The app runs under ASGI (tests/browser/asgi_server.py), so the editor connects its
socket and binds each open text to the day's shared document. Every character anyone
types must end up on every screen and in the saved answer. In CI's PostgreSQL pass the
same happens across two servers (make serve's, tests/servers.py) behind one Redis.
"""

import re
import time

import pytest
from playwright.sync_api import Page, expect

from sessions.models import Attendance, Membership, Question, Revision

from ..factories import (
    PASSWORD,
    DayFactory,
    MembershipFactory,
    QuestionFactory,
    TeamFactory,
    UserFactory,
)
from ..servers import behind_redis, session_key
from .helpers import login, open_edit_form, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAMES = [("ara", "김아라"), ("bomi", "이보미"), ("chan", "박찬"), ("dana", "최다나")]


def live_team(count: int):
    team = TeamFactory(name="실시간팀", slug="live")
    for n, (username, name) in enumerate(NAMES[:count]):
        role = Membership.Role.ADMIN if n == 0 else Membership.Role.MEMBER
        user = UserFactory(username=username)
        MembershipFactory(team=team, user=user, role=role, display_name=name)
    day = DayFactory(team=team)
    Attendance.objects.bulk_create(Attendance(day=day, member=m) for m in team.memberships.all())
    question = QuestionFactory(day=day, question="CRDT는 어떻게 합치나요?", answer="기본 답변.")
    return team, day, question


def open_answer(page: Page, team, day, question) -> object:
    page.goto(f"/teams/{team.slug}/days/{day.date.isoformat()}/edit/")
    expect(page.locator("[data-live-status].is-connected")).to_be_visible()
    form = open_edit_form(page, "question", str(question.pk))
    editor = form.locator(".field:has(textarea[name=answer]) .cm-content")
    expect(editor).to_be_visible()
    return editor


def everyone_opens(live_page, team, day, question, count: int) -> tuple[list, list]:
    """The first `count` members, each logged in on a page of their own with the answer
    open: (pages, editors)."""
    pages, editors = [], []
    for username, _name in NAMES[:count]:
        page = live_page(1280, name=username)
        login(page, username, PASSWORD)
        editors.append(open_answer(page, team, day, question))
        pages.append(page)
    return pages, editors


def wait_until_saved(question, holds, what: str) -> None:
    """Until the saved answer satisfies `holds`, for at most 5 s."""
    deadline = time.monotonic() + 5
    while not holds(Question.objects.get(pk=question.pk).answer):
        assert time.monotonic() < deadline, f"{what} never reached the saved answer"
        time.sleep(0.1)


def screenshots_at_both_widths(page: Page, name: str) -> None:
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900 if width > 400 else 844})
        screenshot(page, name)


def editor_text(editor) -> str:
    """The text the editor holds (its hidden textarea follows it; the editor's own DOM
    also holds the other people's caret labels)."""
    textarea = editor.locator("xpath=ancestor::div[contains(@class, 'field')]//textarea")
    return textarea.input_value()


@pytest.mark.parametrize("count", [2, 4])
def test_everyone_types_into_one_answer_and_every_character_is_kept(live_page, count):
    team, day, question = live_team(count)
    pages, editors = everyone_opens(live_page, team, day, question, count)
    type_together_and_check(pages, editors, question, count)
    if count == 2:
        screenshots_at_both_widths(pages[0], "live-presence")
        # History names who typed: each revision its writers, both people somewhere.
        pages[0].goto(f"/teams/{team.slug}/days/{day.date.isoformat()}/history/")
        writers = pages[0].locator(".revision-meta")
        for _username, name in NAMES[:2]:
            expect(writers.filter(has_text=name).first).to_be_visible()
        screenshots_at_both_widths(pages[0], "live-history")


@pytest.fixture
def two_servers(transactional_db, tmp_path):
    """Two make-serve servers on the test's PostgreSQL database and one Redis."""
    with behind_redis(tmp_path, "live-browser", static=True) as servers:
        yield servers


@pytest.mark.parametrize("count", [2, 4])
def test_the_same_across_two_servers_behind_redis(two_servers, server_page, count):
    team, day, question = live_team(count)
    pages, editors = [], []
    for n, (username, _name) in enumerate(NAMES[:count]):
        server = two_servers[n % 2]  # alternate: half the people on each server
        page = server_page(server.url, 1280, f"{username}@{n % 2}")
        user = Membership.objects.get(team=team, user__username=username).user
        page.context.add_cookies(
            [{"name": "sessionid", "value": session_key(user), "url": server.url}]
        )
        editors.append(open_answer(page, team, day, question))
        pages.append(page)
    type_together_and_check(pages, editors, question, count)


def type_together_and_check(pages, editors, question, count):
    """Everyone types a word of their own into the open answer at once; then every
    screen holds every word, the saved answer equals the screens, and each page's
    presence names the others."""
    # Each puts the caret at the end, then all type in turns of a few characters:
    # keystrokes from different browsers interleave within milliseconds.
    words = [f" [{username}:가나다라마바사{n}]" for n, (username, _) in enumerate(NAMES[:count])]
    for editor in editors:
        editor.click()
        editor.press("End")
    for chunk in range(0, max(len(w) for w in words), 3):
        for editor, word in zip(editors, words, strict=True):
            if chunk < len(word):
                editor.press_sequentially(word[chunk : chunk + 3])

    # All screens agree, and hold every word whole.
    for editor in editors:
        for word in words:
            expect(editor).to_contain_text(word.strip(), timeout=10_000)
    texts = {editor_text(editor) for editor in editors}
    assert len(texts) == 1, texts
    shown = texts.pop()
    assert shown.startswith("기본 답변.")

    # Saved within a second of the last keystroke, with each writer in history.
    wait_until_saved(question, lambda answer: answer == shown, "what the screens show")
    authors = set(
        Revision.objects.filter(kind="question", object_id=question.pk).values_list(
            "author__username", flat=True
        )
    )
    assert authors and authors <= {u for u, _ in NAMES[:count]}

    # Presence: each page names the others.
    for page, (_username, name) in zip(pages, NAMES[:count], strict=True):
        bar = page.locator("[data-live-presence]")
        for _other, other_name in NAMES[:count]:
            if other_name != name:
                expect(bar).to_contain_text(other_name)


def test_an_image_pasted_into_a_live_answer_goes_in_for_everyone(live_page):
    from sessions.models import TeamImage

    from .test_images import chart_png, give

    team, day, question = live_team(2)
    pages, editors = everyone_opens(live_page, team, day, question, 2)
    editors[0].click()
    editors[0].press("End")
    selector = f"#question-{question.pk} .field:has(textarea[name=answer]) .cm-content"
    give(pages[0], selector, "paste", chart_png(), "image.png", "image/png")

    image_link = re.compile(r"기본 답변\.\n!\[image\]\(/teams/live/images/[-\w]{22}\.png\)\n$")
    for editor in editors:  # in the live text: on both screens, then saved
        textarea = editor.locator("xpath=ancestor::div[contains(@class, 'field')]//textarea")
        expect(textarea).to_have_value(image_link)
    image = TeamImage.objects.get()
    wait_until_saved(question, lambda answer: image.get_absolute_url() in answer, "the image")


def test_a_day_closed_mid_session_goes_read_only_for_everyone_at_once(live_page):
    team, day, question = live_team(2)
    pages, editors = everyone_opens(live_page, team, day, question, 2)
    admin, member = pages
    editors[1].click()
    editors[1].press("End")
    editors[1].press_sequentially(" 마감 전")
    expect(editors[0]).to_contain_text("마감 전")
    wait_until_saved(question, lambda answer: "마감 전" in answer, "the typing")

    # The moderator (the admin) closes the day from their editor.
    admin.once("dialog", lambda dialog: dialog.accept())
    admin.locator("form[action$='/close/'] button").click()

    # The member's editor turns read-only and says so, without a reload.
    expect(member.locator("[data-live-status].is-closed")).to_be_visible(timeout=2_000)
    expect(editors[1]).to_have_attribute("aria-readonly", "true")
    before = editor_text(editors[1])
    editors[1].click()
    editors[1].press("End")
    editors[1].press_sequentially("닫힌 뒤")
    assert editor_text(editors[1]) == before
    day.refresh_from_db()
    assert day.is_closed
    assert Question.objects.get(pk=question.pk).answer == before
    screenshots_at_both_widths(member, "live-closed")


def one_editor_typed(live_page, text: str):
    """One member's page with the answer open and `text` typed at its end and saved:
    (page, question)."""
    team, day, question = live_team(1)
    [page], [editor] = everyone_opens(live_page, team, day, question, 1)
    editor.click()
    editor.press("End")
    editor.press_sequentially(text)
    wait_until_saved(question, lambda answer: answer.endswith(text), "the typing")
    return page, question


def test_a_server_restart_says_the_live_connection_started_over_and_keeps_the_text(
    live_page, asgi_server
):
    """The page reconnects to the restarted server, whose document is a new one: the
    page says so, goes on as the polling editor with the text on screen, and saves."""
    from sessions.live.rooms import rooms

    from .asgi_server import ThreadedServer

    page, question = one_editor_typed(live_page, " 재시작 전")

    asgi_server.__exit__(None, None, None)
    rooms.rooms.clear()  # a new process remembers no room
    time.sleep(1)  # a restart's pause: the page keeps trying meanwhile
    with ThreadedServer(port=asgi_server.port):
        status = page.locator("[data-live-status]")
        reset_text = page.locator("[data-day-editor]").get_attribute("data-live-reset-text")
        assert reset_text
        expect(status).to_have_text(reset_text, timeout=10_000)
        # The polling editor again: the answer is its text area, holding what was typed.
        form = page.locator(f"#question-{question.pk} form")
        answer = form.locator("textarea[name=answer]")
        expect(answer).to_be_visible()
        expect(answer).to_have_value("기본 답변. 재시작 전")
        expect(form.locator(".cm-editor")).to_have_count(0)
        preview = form.locator(".field:has(textarea[name=answer]) .markdownx-preview")
        expect(preview).to_contain_text("재시작 전")
        screenshots_at_both_widths(page, "live-reset")
        answer.press("End")
        answer.press_sequentially(" 다시 저장")
        form.locator("button.primary").click()
        saved = "기본 답변. 재시작 전 다시 저장"
        wait_until_saved(question, lambda text: text == saved, "the save")


def test_a_server_that_stops_answering_leaves_the_polling_editor_after_ten_seconds(
    live_page, asgi_server
):
    """The page's reconnecting hangs (the port takes connections and answers nothing), so
    no close event comes: the page still gives up 10 s after the connection was lost and
    goes on as the polling editor, keeping the text on screen."""
    import socket

    page, question = one_editor_typed(live_page, " 끊기기 전")

    asgi_server.__exit__(None, None, None)
    lost = time.monotonic()
    # The kernel completes each connection into the backlog; nobody ever reads from it.
    with socket.create_server(("127.0.0.1", asgi_server.port), backlog=64):
        answer = page.locator(f"#question-{question.pk} form textarea[name=answer]")
        expect(answer).to_be_visible(timeout=20_000)
        assert time.monotonic() - lost > 9  # not before the 10 s
        expect(answer).to_have_value("기본 답변. 끊기기 전")
        expect(page.locator(f"#question-{question.pk} form .cm-editor")).to_have_count(0)
