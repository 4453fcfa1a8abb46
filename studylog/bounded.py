"""At most so many requests inside Django at once per ASGI process; the others wait.

A gunicorn sync worker takes one request at a time, and the rest wait in the socket's
backlog. Under ASGI every request that arrives goes into Django at once, each in a thread
of its own that holds a database connection from the pool while it runs: 64 members
logging in together (each login hashes a password, a CPU-bound third of a second) kept
the pool's ten connections busy past its 10-second wait, and the rest were answered 503.
Here they wait their turn in the event loop instead, as in a backlog, and every request
inside Django can have a connection (HTTP_CONCURRENCY, by default the pool's size less
two, which the live sockets' saves keep). Static files (whitenoise, no database) do not
wait: a slow download would otherwise hold a turn.
"""

import asyncio

from django.core.exceptions import ImproperlyConfigured


class Bounded:
    def __init__(self, app, limit: int, *, unbounded_prefix: str = ""):
        if limit < 1:
            raise ImproperlyConfigured(f"HTTP_CONCURRENCY must be at least 1, not {limit}")
        self.app, self.limit, self.unbounded_prefix = app, limit, unbounded_prefix
        self._slots: asyncio.Semaphore | None = None  # made on the server's event loop

    async def __call__(self, scope, receive, send):
        if self.unbounded_prefix and scope.get("path", "").startswith(self.unbounded_prefix):
            return await self.app(scope, receive, send)
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.limit)
        async with self._slots:
            await self.app(scope, receive, send)
