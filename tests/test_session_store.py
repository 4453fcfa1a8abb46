"""The session store (studylog/session_store.py): Django's cached_db, whose one cache read
brings along the keys a view named before the session was read."""

import pytest
from django.core.cache import caches

from studylog.session_store import SessionStore

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored() -> str:
    """The key of a saved session, as a logged-in browser's cookie carries it."""
    session = SessionStore()
    session["_auth_user_id"] = "7"
    session.save()
    return session.session_key


def test_keys_named_first_come_back_in_the_sessions_read(stored, cache_reads):
    caches["default"].set("page:x", b"<html>")
    session = SessionStore(stored)
    assert session.fetch_along(["page:x", "stamp:x"])
    assert session["_auth_user_id"] == "7"
    assert session.brought() == {"page:x": b"<html>"}  # what the cache had
    assert len(cache_reads) == 1


def test_without_named_keys_it_reads_as_cached_db(stored, cache_reads):
    session = SessionStore(stored)
    assert session["_auth_user_id"] == "7"
    assert session.brought() is None
    assert cache_reads == [[session.cache_key]]


def test_too_late_once_the_session_is_read(stored):
    session = SessionStore(stored)
    assert session.get("_auth_user_id") == "7"
    assert not session.fetch_along(["page:x"])
    assert session.brought() is None


@pytest.mark.parametrize("cookie", [None, "short"])
def test_nothing_rides_along_without_a_session_key(cookie):
    session = SessionStore(cookie)  # no cookie, or not a session key at all
    assert session.session_key is None
    assert not session.fetch_along(["page:x"])


def test_an_unknown_session_reads_empty_and_still_brings_the_keys():
    caches["default"].set("page:x", 1)
    session = SessionStore("nosuchsessionbutlongenough")
    assert session.fetch_along(["page:x"])
    assert dict(session.items()) == {}
    assert session.brought() == {"page:x": 1}


def test_a_session_gone_from_the_cache_is_read_from_the_database(stored):
    caches["default"].delete(SessionStore(stored).cache_key)
    caches["default"].set("page:x", 1)
    session = SessionStore(stored)
    session.fetch_along(["page:x"])
    assert session["_auth_user_id"] == "7"
    assert session.brought() == {"page:x": 1}


def test_a_failing_read_falls_back_to_cached_db(stored, monkeypatch):
    def down(keys, *args, **kwargs):
        raise ConnectionError("redis is restarting")

    monkeypatch.setattr(caches["default"], "get_many", down)
    session = SessionStore(stored)
    session.fetch_along(["page:x"])
    assert session["_auth_user_id"] == "7"
    assert session.brought() is None  # the page cache reads for itself
