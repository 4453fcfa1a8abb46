"""Django's Redis cache backend, with one redis-py client per Redis for the process.

django.core.cache.backends.redis wraps its connection pool in a new redis.Redis for
every cache call. Making one fills redis-py's table of response callbacks, about 170
entries, which took 0.3 ms a call on this project's machine: four times the round trip
to Redis itself, paid by every logged-in request for its cached session and again for
each cached page.

Django also keeps its cache objects per context (`django.core.cache.caches`), and under
ASGI every request is a context of its own: each request made a new cache object, with
new connection pools, so a new connection to Redis (redis-py also reads its package
metadata for each new connection). A logged-in no-op served 57 requests a second on one
uvicorn worker, where one gunicorn sync worker served 351.

Here the client, with its pool, is made once per Redis server and options and kept for
the process: a redis.Redis over a pool is safe to share between threads, and redis-py
makes its pool anew in a forked child.

It adds one operation Django's cache API lacks, for the page cache's stamps
(sessions/page_patch.py): set a key and append to a list in one transaction, so that
every server sees the stamps and the list of what changed in the same order. Everything
else is Django's.
"""

import threading

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient

_clients: dict[tuple, object] = {}  # (server, pool class, options): its client
_making = threading.Lock()


class KeptClient(RedisCacheClient):
    def get_client(self, key=None, *, write=False):
        server = self._servers[self._get_connection_pool_index(write)]
        name = (server, self._pool_class, repr(sorted(self._pool_options.items())))
        client = _clients.get(name)
        if client is None:
            with _making:
                client = _clients.get(name)
                if client is None:
                    pool = self._pool_class.from_url(server, **self._pool_options)
                    client = _clients[name] = self._client(connection_pool=pool)
        return client

    def set_and_append(self, key, value, list_key, item, keep: int, timeout: int) -> None:
        client = self.get_client(key, write=True)
        with client.pipeline(transaction=True) as pipe:  # MULTI … EXEC
            pipe.set(key, self._serializer.dumps(value))
            pipe.rpush(list_key, self._serializer.dumps(item))
            pipe.ltrim(list_key, -keep, -1)
            pipe.expire(list_key, timeout)
            pipe.execute()

    def get_list(self, key) -> list:
        client = self.get_client(key, write=True)  # the primary: as new as the sets
        return [self._serializer.loads(item) for item in client.lrange(key, 0, -1)]


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = KeptClient

    def set_and_append(self, key, value, list_key, item, *, keep: int, timeout: int) -> None:
        """Set `key` (no expiry) and append `item` to the list `list_key`, keeping its last
        `keep` items for `timeout` seconds, in one transaction: no other client sees one
        without the other, and appends keep the order of the sets."""
        self._cache.set_and_append(
            self.make_and_validate_key(key),
            value,
            self.make_and_validate_key(list_key),
            item,
            keep,
            timeout,
        )

    def get_list(self, key) -> list:
        """The items of the list `key`, oldest first ([] when there is none)."""
        return self._cache.get_list(self.make_and_validate_key(key))
