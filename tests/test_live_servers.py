"""Live editing against real ASGI servers in their own processes: a server killed
mid-typing, and two servers behind one Redis editing the same day.

The servers run `make serve`'s command (gunicorn with a uvicorn worker) on the test
database, which they reach as a file (SQLite) or over TCP (PostgreSQL); rows are
committed (transactional_db). Clients are sessions/live/client.py's LiveClient. The
two-server tests need PostgreSQL and Redis, as tests/test_two_servers.py does.
"""

import asyncio
import contextlib
import time

import pytest

from sessions.live.client import LiveClient
from sessions.models import Question, Revision

from .factories import QuestionFactory
from .live_peer import run_async
from .servers import Server, behind_redis, server_env, session_key

PATH = "/ws/teams/alpha/days/2024-03-04/"


@pytest.fixture
def answer(transactional_db, day):
    return QuestionFactory(day=day, question="질문", answer="시작.", links="")


def key_of(question) -> str:
    return f"question:{question.pk}:answer"


def saved(question) -> str:
    return Question.objects.get(pk=question.pk).answer


def wait_for(condition, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the condition never held")
        time.sleep(0.05)


# One server, killed mid-typing


def test_a_server_killed_mid_typing_loses_at_most_the_last_second(answer, team_member, tmp_path):
    key, session = key_of(answer), session_key(team_member)
    server = Server(server_env(), tmp_path / "server.log")
    typed_by_kill = ""
    try:

        async def type_then_kill():
            nonlocal typed_by_kill
            async with LiveClient(server.url, PATH, session) as client:
                await client.open(key)
                for n in range(30):  # 3 seconds at 10 characters a second
                    await client.type(key, "가나다라마바사아자차"[n % 10])
                    await asyncio.sleep(0.1)
                typed_by_kill = client.text(key)
                server.kill()

        run_async(type_then_kill)
    finally:
        server.stop()

    # What was typed more than a second before the kill (10 characters) was saved.
    kept = saved(answer)
    assert typed_by_kill.startswith(kept)
    assert len(kept) >= len(typed_by_kill) - 10, (kept, typed_by_kill)

    # Reopening the day on a new server shows the saved text.
    again = Server(server_env(), tmp_path / "again.log")
    try:

        async def reopen():
            async with LiveClient(again.url, PATH, session) as client:
                await client.open(key)
                return client.text(key)

        assert run_async(reopen) == kept
    finally:
        again.stop()


# Two servers behind one Redis


@pytest.fixture
def two_servers(transactional_db, tmp_path):
    with behind_redis(tmp_path, "live") as servers:
        yield servers


@contextlib.asynccontextmanager
async def one_on_each(servers, key: str, first_session: str, second_session: str):
    """A client of the first session on the first server and one of the second on the
    second, both with `key` open: (a, b)."""
    first, second = servers
    async with (
        LiveClient(first.url, PATH, first_session) as a,
        LiveClient(second.url, PATH, second_session) as b,
    ):
        await a.open(key)
        await b.open(key)
        yield a, b


def test_two_servers_edit_the_same_answer_consistently(
    two_servers, answer, team_admin, team_member
):
    key, admin, member = key_of(answer), session_key(team_admin), session_key(team_member)

    async def both():
        async with one_on_each(two_servers, key, admin, member) as (a, b):
            for n in range(10):
                await a.type(key, "가")
                await b.type(key, "b")
                await asyncio.sleep(0.05 * (n % 3))
            await a.until(lambda: a.text(key).count("b") == 10 and a.text(key).count("가") == 10)
            await b.until(lambda: b.text(key) == a.text(key))
            return a.text(key)

    merged = run_async(both)
    assert merged.startswith("시작.")
    wait_for(lambda: saved(answer) == merged)


def test_the_other_server_saves_what_a_killed_one_did_not(two_servers, answer, team_member):
    first, second = two_servers
    key, member = key_of(answer), session_key(team_member)

    async def run():
        async with (
            LiveClient(first.url, PATH, member) as writer,
            LiveClient(second.url, PATH, member) as watcher,
        ):
            await writer.open(key)
            await watcher.open(key)
            await writer.type(key, "끝까지 남을 글")
            await watcher.until(lambda: watcher.text(key).endswith("끝까지 남을 글"))
            first.kill()  # at once: the first never wrote this back itself
            return watcher.text(key)

    seen = run_async(run)
    wait_for(lambda: saved(answer) == seen, timeout=15)
    # The save names who typed it, though that person's server is gone.
    latest = Revision.objects.filter(kind="question", object_id=answer.pk).latest("pk")
    assert latest.author_id == team_member.pk
    assert Question.objects.get(pk=answer.pk).updated_by_id == team_member.pk


def form_save(server_url: str, session: str, question, text: str) -> None:
    """Save the answer through the editor's form (the editor without live editing), as
    the page does: from the row's current version, again if a live write got there first."""
    import urllib.error
    import urllib.parse
    import urllib.request

    token = "f" * 32  # a CSRF secret of the test's own, as cookie and header
    path = f"/teams/alpha/days/2024-03-04/items/question/{question.pk}/edit/"
    for _attempt in range(20):
        version = Question.objects.get(pk=question.pk).version
        body = {"question": question.question, "answer": text, "links": "", "version": version}
        request = urllib.request.Request(
            server_url + path,
            data=urllib.parse.urlencode(body).encode(),
            headers={
                "Cookie": f"sessionid={session}; csrftoken={token}",
                "X-CSRFToken": token,
                "HX-Request": "true",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                assert response.status == 200
                return
        except urllib.error.HTTPError as error:
            assert error.code == 409, error.code  # a live write saved first: read again
    raise AssertionError("the form never saved")


def test_a_form_save_while_people_type_on_both_servers_leaves_one_text_everywhere(
    two_servers, answer, team_admin, team_member
):
    """The saved text goes into both servers' documents while each holds typing the
    other has not seen yet: still one text, the same on every screen and saved."""
    key, admin, member = key_of(answer), session_key(team_admin), session_key(team_member)

    async def run():
        async with one_on_each(two_servers, key, admin, member) as (a, b):

            async def typing(client, character):
                for _ in range(40):
                    await client.type(key, character)
                    await asyncio.sleep(0.005)

            server = two_servers[1]
            saving = asyncio.to_thread(form_save, server.url, admin, answer, "폼에서 저장한 답")
            await asyncio.gather(typing(a, "가"), typing(b, "b"), saving)
            await a.until(lambda: "폼에서 저장한 답" in a.text(key), timeout=5)
            await b.until(lambda: b.text(key) == a.text(key), timeout=5)
            await asyncio.sleep(0.5)  # anything still on its way
            return a.text(key), b.text(key)

    seen_a, seen_b = run_async(run)
    assert seen_a == seen_b
    assert seen_a.count("폼에서 저장한 답") == 1
    wait_for(lambda: saved(answer) == seen_a)


@pytest.mark.parametrize("gone", ["left the day", "killed"])
def test_a_form_save_reaches_the_documents_after_the_server_that_made_saves_is_gone(
    gone, two_servers, answer, team_admin, team_member
):
    """The first server alone has the day open when a form saves, so it is the one that
    makes saves into updates (consumer._saver). Once it is gone (its last editor left,
    or it died), the next save still reaches the documents of the server left."""
    first, second = two_servers
    key, admin, member = key_of(answer), session_key(team_admin), session_key(team_member)

    async def run():
        async with contextlib.AsyncExitStack() as stack:
            leaving = await stack.enter_async_context(LiveClient(first.url, PATH, admin))
            await leaving.open(key)
            await asyncio.to_thread(form_save, first.url, admin, answer, "첫 저장")
            await leaving.until(lambda: leaving.text(key) == "첫 저장", timeout=5)
            # Only now does the second server open the day.
            staying = await stack.enter_async_context(LiveClient(second.url, PATH, member))
            await staying.open(key)
            await staying.until(lambda: staying.text(key) == "첫 저장", timeout=5)
            if gone == "killed":
                first.kill()
            else:
                await leaving.__aexit__(None, None, None)
            await asyncio.to_thread(form_save, second.url, member, answer, "두 번째 저장")
            await staying.until(lambda: staying.text(key) == "두 번째 저장", timeout=5)
            await asyncio.sleep(0.5)  # a second copy of the save would come meanwhile
            return staying.text(key)

    assert run_async(run) == "두 번째 저장"
    wait_for(lambda: saved(answer) == "두 번째 저장")
