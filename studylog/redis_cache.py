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
makes its pool anew in a forked child. Everything else is Django's.
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


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = KeptClient
