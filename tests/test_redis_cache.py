"""The Redis cache backend (studylog/redis_cache.py): Django's, with its redis-py client
kept for the process instead of made anew for every call and every request. Against a
real Redis; where none answers it skips, except in CI."""

import uuid

import pytest

from studylog import redis_cache
from studylog.redis_cache import RedisCache

from .conftest import REDIS_URL, require_redis


@pytest.fixture
def backend():
    require_redis()
    backend = RedisCache(REDIS_URL, {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})
    yield backend
    backend.clear()


def test_it_is_a_working_django_cache(backend):
    backend.set("page", {"html": "오늘의 기록".encode()}, 30)
    assert backend.get("page") == {"html": "오늘의 기록".encode()}
    assert backend.add("stamp", "a", None) and not backend.add("stamp", "b", None)
    assert backend.get_many(["page", "stamp", "absent"]) == {
        "page": {"html": "오늘의 기록".encode()},
        "stamp": "a",
    }
    backend.delete("page")
    assert backend.get("page", "gone") == "gone"


def test_one_client_serves_every_call(backend, monkeypatch):
    monkeypatch.setattr(redis_cache, "_clients", {})  # as in a new process
    made = []
    make = backend._cache._client

    def counting(**kwargs):
        made.append(kwargs)
        return make(**kwargs)

    monkeypatch.setattr(backend._cache, "_client", counting)
    for n in range(50):
        backend.set(f"k{n}", n, 30)
        assert backend.get(f"k{n}") == n
    assert len(made) == 1  # Django's own backend would have made 100


def test_every_request_context_shares_the_process_client(backend):
    """Under ASGI each request gets a cache object of its own (Django keeps them per
    context): they must not each open their own pool and connection to Redis."""
    other = RedisCache(REDIS_URL, {"KEY_PREFIX": backend.key_prefix})
    backend.set("shared", 1, 30)
    assert other.get("shared") == 1
    assert other._cache.get_client() is backend._cache.get_client()
    assert other._cache.get_client(write=True).connection_pool is (
        backend._cache.get_client().connection_pool
    )


def test_a_stamp_and_its_change_are_set_together_and_the_list_keeps_the_newest(backend):
    for n in range(5):
        backend.set_and_append("stamp", f"s{n}", "changes", (f"s{n}", {"n": n}), keep=3, timeout=30)
    assert backend.get("stamp") == "s4"  # read as Django's own get reads it
    assert backend.get_list("changes") == [("s2", {"n": 2}), ("s3", {"n": 3}), ("s4", {"n": 4})]
    assert backend.get_list("absent") == []


def test_stamps_moved_from_many_threads_end_on_the_lists_last(backend):
    """The page cache finds a page's stamp and the current one in the list and applies what
    lies between: the current stamp must always be the list's newest."""
    import threading

    def move(thread: int) -> None:
        for n in range(50):
            stamp = f"{thread}-{n}"
            backend.set_and_append("stamp", stamp, "changes", (stamp, None), keep=500, timeout=30)

    threads = [threading.Thread(target=move, args=(t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    changes = backend.get_list("changes")
    assert len(changes) == 200
    assert changes[-1][0] == backend.get("stamp")
