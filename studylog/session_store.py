"""Django's cached_db sessions, whose one read from the cache can bring other keys along.

A logged-in request reads its session from the cache before its view runs. A view that
is about to read the same cache (a cached page, sessions/page_cache.py) names its keys
with `fetch_along` before the session loads, and they come back in the session's own
round trip: one round trip to Redis for a page served from the cache instead of two,
which was most of what such a page cost beyond the login every page makes.

Everything else (where the session lives, when it is saved, what a miss reads from the
database) is cached_db's. SESSION_ENGINE names this module when Redis is configured.
"""

from django.contrib.sessions.backends import cached_db


class SessionStore(cached_db.SessionStore):
    def __init__(self, session_key=None):
        super().__init__(session_key)
        self._along: tuple[str, ...] = ()
        self._brought: dict | None = None

    def fetch_along(self, keys) -> bool:
        """Read `keys` (of the session's cache) in the same round trip as the session.

        False when that cannot happen: the session is read already, or there is none to
        read (no valid session cookie)."""
        if self.accessed or self.session_key is None:
            return False
        self._along = tuple(keys)
        return True

    def brought(self) -> dict | None:
        """The keys named with `fetch_along` that the cache had, with their values; None
        if they were not read (nothing named, or the read failed)."""
        return self._brought

    def load(self):
        along, self._along = self._along, ()  # for this one read
        if not along:
            return super().load()
        try:
            found = self._cache.get_many([self.cache_key, *along])
        except Exception:  # as cached_db: a cache that fails reads as a miss
            return super().load()
        self._brought = {key: found[key] for key in along if key in found}
        data = found.get(self.cache_key)
        return data if data is not None else super().load()
