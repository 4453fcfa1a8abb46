"""The ASGI entry point lets at most HTTP_CONCURRENCY requests into Django at once
(studylog/bounded.py); the others wait their turn and are all answered."""

import asyncio

import pytest
from django.core.exceptions import ImproperlyConfigured

from studylog.bounded import Bounded

from .live_peer import run_async


def test_requests_past_the_limit_wait_their_turn_and_all_are_answered():
    inside, most, answered = 0, 0, []

    async def app(scope, receive, send):
        nonlocal inside, most
        inside += 1
        most = max(most, inside)
        await asyncio.sleep(0.01)  # a view's work
        inside -= 1
        await send({"type": "http.response.start", "status": 200})

    bounded = Bounded(app, limit=3)

    async def send(message):
        answered.append(message["status"])

    async def thirty_at_once():
        await asyncio.gather(*(bounded({"type": "http"}, None, send) for _ in range(30)))

    run_async(thirty_at_once)
    assert most == 3
    assert answered == [200] * 30


def test_the_projects_application_is_bounded_by_the_setting(settings):
    from studylog.asgi import application

    http = application.application_mapping["http"]
    assert isinstance(http, Bounded)
    assert http.limit == settings.HTTP_CONCURRENCY >= 1
    assert http.unbounded_prefix == settings.STATIC_URL


def test_a_turn_is_given_back_when_a_request_fails_and_static_files_never_wait():
    calls = []

    async def app(scope, receive, send):
        calls.append(scope["path"])
        if scope["path"] == "/boom/":
            raise RuntimeError("the view failed")

    bounded = Bounded(app, limit=1, unbounded_prefix="/static/")

    async def run():
        for _ in range(3):  # each failure gives its turn back, or the next would hang
            try:
                await asyncio.wait_for(bounded({"path": "/boom/"}, None, None), 1)
            except RuntimeError:
                pass
        async with bounded._slots:  # every turn taken: a static file still goes through
            await asyncio.wait_for(bounded({"path": "/static/css/a.css"}, None, None), 1)

    run_async(run)
    assert calls == ["/boom/"] * 3 + ["/static/css/a.css"]


def test_a_limit_below_one_is_refused_at_startup():
    with pytest.raises(ImproperlyConfigured):
        Bounded(None, limit=0)
