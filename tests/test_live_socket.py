"""The live editing socket: who may connect, who may write, what reaches the database.

Each test drives one or more Peers (tests/live_peer.py: a pycrdt document speaking the
y-websocket protocol) against the consumer through Channels' in-memory layer.
"""

import asyncio
import datetime
from http.cookies import SimpleCookie

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from django.conf import settings as django_settings
from django.test import Client
from pycrdt import Text

from sessions import closing
from sessions.live import protocol
from sessions.live.rooms import rooms
from sessions.live.routing import websocket_urlpatterns
from sessions.models import AssignmentReview, Day, MemberLog, Membership, Question, Revision
from studylog.asgi import application

from .factories import DayFactory, MemberLogFactory, QuestionFactory
from .helpers import url
from .live_peer import Peer, run_async

# The rooms write from the event loop's worker threads: they must see committed rows.
pytestmark = pytest.mark.django_db(transaction=True)

ROUTER = URLRouter(websocket_urlpatterns)
PATH = "/ws/teams/alpha/days/2024-03-04/"


@pytest.fixture(autouse=True)
def _quick_saves(settings):
    settings.LIVE_SAVE_DELAY = 0.05
    settings.LIVE_REMOTE_SAVE_DELAY = 0.1
    yield
    left = list(rooms.rooms)
    rooms.rooms.clear()
    assert not left, "a test left a room open"


run = run_async


async def in_thread(function, *args, **kwargs):
    """The ORM from an async test body, as the consumer reaches it: in a worker thread
    whose connection is given back afterwards (asyncio.to_thread would keep it, and
    PostgreSQL's pool runs dry after ten)."""
    return await database_sync_to_async(function, thread_sensitive=False)(*args, **kwargs)


@pytest.fixture
def question(day, team_member):
    return QuestionFactory(day=day, question="질문", answer="답변", links="")


def key(question, field="answer"):
    return f"question:{question.pk}:{field}"


def peer(user, path=PATH, **kwargs):
    return Peer(ROUTER, path, user=user, **kwargs)


async def settled(*peers):
    for each in peers:
        await each.disconnect()


# Who may connect


def _session_headers(user, origin="http://127.0.0.1:8000"):
    client = Client()
    client.force_login(user)
    cookie = SimpleCookie()
    cookie[django_settings.SESSION_COOKIE_NAME] = client.cookies[
        django_settings.SESSION_COOKIE_NAME
    ].value
    headers = [(b"cookie", cookie.output(header="", sep=";").strip().encode())]
    if origin:
        headers.append((b"origin", origin.encode()))
    return headers


def test_a_member_connects_with_their_session_and_an_allowed_origin(team_member, day):
    headers = _session_headers(team_member)

    async def body():
        member = Peer(application, PATH, headers=headers)
        connected, _ = await member.connect()
        assert connected
        await member.until(lambda: member.synced)
        await member.disconnect()

    run(body)


@pytest.mark.parametrize("origin", ["http://evil.example", None])
def test_another_sites_page_cannot_open_a_socket(team_member, day, origin):
    headers = _session_headers(team_member, origin=origin)

    async def body():
        connected, _ = await Peer(application, PATH, headers=headers).connect()
        assert not connected

    run(body)


def test_anonymous_is_refused(day):

    async def body():
        headers = [(b"origin", b"http://127.0.0.1:8000")]
        connected, _ = await Peer(application, PATH, headers=headers).connect()
        assert not connected

    run(body)


def test_an_outsider_is_refused(outsider, day):
    async def body():
        connected, _ = await peer(outsider).connect()
        assert not connected

    run(body)


def test_a_day_that_is_not_there_is_refused(team_member, day):
    async def body():
        connected, _ = await peer(team_member, "/ws/teams/alpha/days/2024-03-05/").connect()
        assert not connected

    run(body)


def test_an_inactive_member_is_refused(team_member, day):
    Membership.objects.filter(user=team_member).update(is_active=False)

    async def body():
        connected, _ = await peer(team_member).connect()
        assert not connected

    run(body)


# Typing together


def test_two_members_typing_in_one_answer_both_survive_and_are_saved(
    team_admin, team_member, question
):
    k = key(question)

    async def body():
        a, b = peer(team_admin), peer(team_member)
        for each in (a, b):
            assert (await each.connect())[0]
        await a.open(k)
        await b.until(lambda: k in b.ready)
        assert a.text(k) == b.text(k) == "답변"
        await a.type(k, 0, "먼저 ")
        await b.type(k, 2, "[끝]")
        await a.until(lambda: "[끝]" in a.text(k))
        await b.until(lambda: "먼저" in b.text(k))
        assert a.text(k) == b.text(k)
        merged = a.text(k)
        assert "먼저 " in merged and "[끝]" in merged and "답" in merged
        await a.until(lambda: a.control_of("saved"))
        await settled(a, b)
        return merged

    merged = run(body)
    question.refresh_from_db()
    assert question.answer == merged
    assert question.version > 1
    revisions = Revision.objects.filter(kind="question", object_id=question.pk)
    assert revisions.exists()
    assert {r.author_id for r in revisions} <= {team_admin.pk, team_member.pk}
    assert revisions.first().after["answer"] == merged


def test_a_save_tells_everyone_the_new_version(team_member, question):
    k = key(question)

    async def body():
        a = peer(team_member)
        await a.connect()
        await a.open(k)
        await a.type(k, 2, "!")
        await a.until(lambda: a.control_of("saved"))
        await a.disconnect()
        return a.control_of("saved")[-1]

    saved = run(body)
    question.refresh_from_db()
    assert saved == {"type": "saved", "kind": "question", "id": question.pk, "version": 2}
    assert question.version == 2 and question.answer == "답변!"


def test_a_form_save_reaches_every_open_document_once(team_admin, team_member, question):
    """Someone without live editing saves the answer through the form: both open
    documents read the saved text, once, and so does the row."""
    k = key(question)
    form = Client()
    form.force_login(team_admin)
    edit = url("item_edit", question.day, kind="question", pk=question.pk)
    body = {"question": "질문", "answer": "폼으로 고친 답", "links": "", "version": 1}

    async def typed_elsewhere():
        a, b = peer(team_admin), peer(team_member)
        for each in (a, b):
            await each.connect()
            await each.open(k)
        await b.until(lambda: b.text(k) == "답변")
        response = await in_thread(form.post, edit, body, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        for each in (a, b):
            await each.until(lambda each=each: each.text(k) == "폼으로 고친 답")
        await a.drain()
        texts = (a.text(k), b.text(k))
        await settled(a, b)
        return texts

    assert run(typed_elsewhere) == ("폼으로 고친 답", "폼으로 고친 답")
    question.refresh_from_db()
    assert question.answer == "폼으로 고친 답"


def test_history_batches_a_pause_of_typing_into_one_revision(team_member, question, settings):
    settings.LIVE_SAVE_DELAY = 0.3
    k = key(question)

    async def body():
        a = peer(team_member)
        await a.connect()
        await a.open(k)
        for n, char in enumerate("한글 입력"):
            await a.type(k, 2 + n, char)
        await a.until(lambda: a.control_of("saved"))
        await a.disconnect()

    run(body)
    question.refresh_from_db()
    assert question.answer == "답변한글 입력"
    assert Revision.objects.filter(kind="question", object_id=question.pk).count() == 1


def test_two_typing_in_one_pause_are_one_revision_naming_both(
    team_admin, team_member, question, settings, as_member
):
    settings.LIVE_SAVE_DELAY = 60  # never, by the timer: the save comes when they leave
    k = key(question)

    async def body():
        a, b = peer(team_admin), peer(team_member)
        for each in (a, b):
            await each.connect()
        await a.open(k)
        await b.until(lambda: k in b.ready)
        await b.type(k, 2, " 하나")
        await b.type(k, 5, " 둘")
        await a.type(k, 0, "[관리자] ")
        await a.until(lambda: "둘" in a.text(k))
        await b.until(lambda: "관리자" in b.text(k))
        await a.disconnect()
        await b.disconnect()

    run(body)
    [revision] = Revision.objects.filter(kind="question", object_id=question.pk)
    assert revision.author_id == team_member.pk  # typed the most
    assert revision.coauthors == [team_admin.pk]
    page = as_member.get(url("day_history", question.day)).content.decode()
    assert "<bdi>이멤버</bdi>, <bdi>김관리</bdi>" in page


def test_the_last_one_leaving_saves_at_once(team_member, question, settings):
    settings.LIVE_SAVE_DELAY = 60  # never, by the timer
    k = key(question)

    async def body():
        a = peer(team_member)
        await a.connect()
        await a.open(k)
        await a.type(k, 0, "Q. ")
        await a.drain(0.1)
        await a.disconnect()

    run(body)
    question.refresh_from_db()
    assert question.answer == "Q. 답변"


def test_a_text_over_its_limit_is_refused_not_cut(team_member, question):
    k = key(question)

    async def body():
        a = peer(team_member)
        await a.connect()
        await a.open(k)
        await a.type(k, 2, "가" * 10_000)
        await a.until(lambda: a.control_of("refused"))
        await a.disconnect()
        return a.control_of("refused")[0]

    refused = run(body)
    assert refused["key"] == k and refused["limit"] == 10_000
    assert "10,002" in refused["reason"] and "10,000" in refused["reason"]
    question.refresh_from_db()
    assert question.answer == "답변"


# Who may write


def test_an_observer_sees_changes_and_writes_none(team_member, team_observer, question):
    k = key(question)

    async def body():
        member, observer = peer(team_member), peer(team_observer)
        await member.connect()
        await observer.connect()
        await member.open(k)
        await observer.until(lambda: k in observer.ready)
        await member.type(k, 2, " 추가")
        await observer.until(lambda: observer.text(k) == "답변 추가")
        await observer.type(k, 0, "관찰자가 씀 ")
        await observer.until(lambda: observer.denied)
        await member.drain(0.2)
        assert "관찰자" not in member.text(k)
        await settled(member, observer)

    run(body)
    question.refresh_from_db()
    assert question.answer == "답변 추가"


def test_a_member_made_observer_meanwhile_writes_nothing(team_member, question):
    k = key(question)

    async def body():
        a = peer(team_member)
        await a.connect()
        await a.open(k)

        def demote():  # as the members page does: a save, which tells open sockets
            membership = Membership.objects.get(user=team_member)
            membership.role = Membership.Role.OBSERVER
            membership.save()

        await in_thread(demote)
        await a.drain(0.1)
        await a.type(k, 0, "늦은 ")
        await a.until(lambda: a.control_of("readonly"))
        await a.disconnect()

    run(body)
    question.refresh_from_db()
    assert question.answer == "답변"


def test_a_role_changed_behind_the_apps_back_is_read_again_soon(team_member, question, settings):
    settings.LIVE_ACCESS_RECHECK = 0.2
    k = key(question)

    async def body():
        a = peer(team_member)
        await a.connect()
        await a.open(k)
        await in_thread(  # no save(), so no news: only the recheck finds it
            Membership.objects.filter(user=team_member).update, role=Membership.Role.OBSERVER
        )
        await asyncio.sleep(0.3)
        await a.type(k, 0, "늦은 ")
        await a.until(lambda: a.control_of("readonly"))
        await a.disconnect()

    run(body)
    question.refresh_from_db()
    assert question.answer == "답변"


def test_a_closed_day_takes_no_more_writes(team_admin, team_member, question):
    k = key(question)

    async def body():
        a = peer(team_member)
        await a.connect()
        await a.open(k)
        await a.type(k, 2, "!")
        await a.until(lambda: a.control_of("saved"))
        await in_thread(lambda: closing.close(Day.objects.get(pk=question.day_id), user=team_admin))
        await a.until(lambda: a.control_of("closed"))
        await a.type(k, 0, "닫힌 뒤 ")
        await a.drain(0.2)
        await a.disconnect()

    run(body)
    question.refresh_from_db()
    assert question.answer == "답변!"


def test_a_closed_day_says_so_on_connect(team_admin, team_member, question):
    closing.close(Day.objects.get(pk=question.day_id), user=team_admin)

    async def body():
        a = peer(team_member)
        await a.connect()
        await a.until(lambda: a.control_of("closed"))
        await a.disconnect()

    run(body)


def test_only_the_moderator_changes_review_notes(team_member, day):
    review = AssignmentReview.objects.create(day=day, assignment="과제 1", notes="원래")
    k = f"review:{review.pk}:notes"

    async def body():
        a = peer(team_member)
        await a.connect()
        await a.open(k)
        await a.type(k, 0, "멋대로 ")
        await a.until(lambda: a.text(k) == "원래")  # put back at once, for everyone
        await a.disconnect()

    run(body)
    review.refresh_from_db()
    assert review.notes == "원래"


def test_a_key_of_another_teams_day_reads_and_writes_nothing(team_member, day, other_team):
    theirs = QuestionFactory(day=DayFactory(team=other_team), answer="비밀 답변")
    k = key(theirs)

    async def body():
        a = peer(team_member)
        await a.connect()
        await a.control({"type": "open", "key": k})
        await a.until(lambda: a.control_of("refused"))
        assert k not in a.ready
        # Forged: the text typed straight into the document under that key.
        await a.type(k, 0, "덮어쓰기")
        await a.drain(0.3)
        await a.disconnect()

    run(body)
    theirs.refresh_from_db()
    assert theirs.answer == "비밀 답변"


@pytest.mark.parametrize("forged", ["question:abc:answer", "question:1:secret", "log:1:x", 7])
def test_a_malformed_key_is_refused(team_member, day, forged):
    async def body():
        a = peer(team_member)
        await a.connect()
        await a.control({"type": "open", "key": forged})
        await a.until(lambda: a.control_of("refused"))
        await a.disconnect()

    run(body)


# Limits


def test_a_message_over_the_size_limit_is_refused_with_a_reason(team_member, day, settings):
    settings.LIVE_MAX_MESSAGE = 1000

    async def body():
        a = peer(team_member)
        await a.connect()
        await a.send(protocol.sync_update(b"\x00" * 2000))
        await a.until(lambda: a.closed_with is not None)
        return a

    a = run(body)
    assert a.closed_with == 4413
    assert a.control_of("error")[0]["reason"]


def test_a_flood_of_messages_is_cut_off(team_member, day, settings):
    settings.LIVE_RATE, settings.LIVE_BURST = 1.0, 5

    async def body():
        a = peer(team_member)
        await a.connect()
        for _ in range(20):
            await a.set_awareness({"x": 1})
        await a.until(lambda: a.closed_with is not None)
        return a

    assert run(body).closed_with == 4429


def test_garbage_is_refused_not_a_crash(team_member, day):
    async def body():
        a = peer(team_member)
        await a.connect()
        await a.send(b"\x09\xff\xff")
        await a.until(lambda: a.closed_with is not None)
        return a

    assert run(body).closed_with == 4400


# Presence


def test_presence_names_come_from_the_server_not_the_browser(team_admin, team_member, day):
    async def body():
        a, b = peer(team_admin), peer(team_member)
        await a.connect()
        await b.connect()
        await b.drain(0.1)
        await a.set_awareness({"user": {"name": "사칭", "id": 999}, "item": "question-1"})
        await b.until(lambda: a.doc.client_id in b.awareness)
        state = b.awareness[a.doc.client_id]
        await settled(a, b)
        return state

    state = run(body)
    admin = Membership.objects.get(user=team_admin)
    assert state["user"]["name"] == "김관리" and state["user"]["id"] == admin.pk
    assert state["item"] == "question-1"


def test_a_newcomer_sees_who_is_here_and_a_leaver_goes(team_admin, team_member, day):
    async def body():
        a = peer(team_admin)
        await a.connect()
        await a.set_awareness({"item": None})
        await a.drain(0.1)
        b = peer(team_member)
        await b.connect()
        await b.until(lambda: a.doc.client_id in b.awareness)
        await a.disconnect()
        await b.until(lambda: b.awareness.get(a.doc.client_id, 1) is None)
        await b.disconnect()

    run(body)


# A document from before


def test_a_browser_holding_an_earlier_document_is_told_to_start_again(team_member, question):
    k = key(question)

    async def body():
        a = peer(team_member)
        await a.connect()
        await a.open(k)
        await a.type(k, 2, "!")
        await a.until(lambda: a.control_of("saved"))
        await a.disconnect()  # the room closes: the next one is a new document
        old_state = a.doc.get_update()

        again = peer(team_member)
        again.doc.apply_update(old_state)
        await again.connect()
        await again.until(lambda: again.closed_with is not None)
        return again

    again = run(body)
    assert again.control_of("reset") and again.closed_with == 4409
    question.refresh_from_db()
    assert question.answer == "답변!"  # not "답변!답변!"


# The member's own log


def test_a_log_is_live_for_its_member_alone(team_member, team_admin, day):
    membership = Membership.objects.get(user=team_member)
    mine = MemberLogFactory(day=day, member=membership, retrospective="회고")
    k = f"log:{mine.pk}:retrospective"
    log_path = PATH + "log/"

    async def body():
        a = peer(team_member, log_path)
        await a.connect()
        await a.open(k)
        await a.type(k, 2, " 끝")
        await a.until(lambda: a.control_of("saved"))
        # The admin has no log of the day: no log socket; and the day socket never
        # carries a log's text.
        assert not (await peer(team_admin, log_path).connect())[0]
        day_socket = peer(team_admin)
        await day_socket.connect()
        await day_socket.control({"type": "open", "key": k})
        await day_socket.until(lambda: day_socket.control_of("refused"))
        await settled(a, day_socket)

    run(body)
    mine.refresh_from_db()
    assert mine.retrospective == "회고 끝" and mine.version == 2
    assert MemberLog.objects.count() == 1


def test_a_log_stays_live_on_a_closed_day(team_member, team_admin, day):
    membership = Membership.objects.get(user=team_member)
    mine = MemberLogFactory(day=day, member=membership, retrospective="회고")
    closing.close(day, user=team_admin)
    k = f"log:{mine.pk}:retrospective"

    async def body():
        a = peer(team_member, PATH + "log/")
        await a.connect()
        await a.open(k)
        await a.type(k, 2, "!")
        await a.until(lambda: a.control_of("saved"))
        await a.disconnect()

    run(body)
    mine.refresh_from_db()
    assert mine.retrospective == "회고!"


def test_days_are_kept_apart(team_member, day):
    other_day = DayFactory(team=day.team, date=datetime.date(2024, 3, 5), number=2)
    mine = QuestionFactory(day=day, answer="첫째 날")
    theirs = QuestionFactory(day=other_day, answer="둘째 날")

    async def body():
        a = peer(team_member)
        await a.connect()
        await a.open(key(mine))
        await a.control({"type": "open", "key": key(theirs)})
        await a.until(lambda: a.control_of("refused"))
        await a.disconnect()

    run(body)
    assert Question.objects.get(pk=theirs.pk).answer == "둘째 날"


def test_a_change_made_while_a_save_is_under_way_is_saved_too(team_member, question, monkeypatch):
    from sessions.live import consumer

    announce = consumer.announce

    async def slow_announce(*args):
        await asyncio.sleep(0.3)  # the second keystroke comes in while the first is saved
        await announce(*args)

    monkeypatch.setattr(consumer, "announce", slow_announce)
    k = key(question)

    async def body():
        a = peer(team_member)
        await a.connect()
        await a.open(k)
        await a.type(k, 2, "1")
        await asyncio.sleep(0.2)  # "1" is written, and its save not over
        await a.type(k, 3, "2")
        await a.until(lambda: len(a.control_of("saved")) >= 2, timeout=5)
        saved_meanwhile = await in_thread(lambda: Question.objects.get(pk=question.pk).answer)
        await a.disconnect()
        return saved_meanwhile

    assert run(body) == "답변12"  # saved while the editor was still open


def test_a_long_session_of_small_edits_is_not_taken_for_a_full_document(
    team_member, question, settings
):
    settings.LIVE_MAX_DOCUMENT = 3000
    settings.LIVE_RATE, settings.LIVE_BURST = 10_000.0, 10_000  # not the rate limit
    k = key(question)

    async def body():
        a = peer(team_member)
        await a.connect()
        await a.open(k)
        for _ in range(150):  # ~300 updates of 20-odd bytes: more than the limit in all
            await a.type(k, 2, "x")
            text = a.doc.get(k, type=Text)
            del text[len("답변".encode()) : len("답변x".encode())]
            await a.flush()
        await a.drain(0.2)
        assert a.closed_with is None
        await a.type(k, 2, "가" * 2000)  # 6 KB: the document would be over the limit
        await a.until(lambda: a.closed_with is not None)
        await a.disconnect()
        return a

    assert run(body).closed_with == 4413
