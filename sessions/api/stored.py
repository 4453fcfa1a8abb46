"""API answers kept in the shared cache until their team changes, as the pages are
(sessions/page_cache.py): under the team's stamp, which every committed change to the
team replaces. What is kept is the JSON body and its ETag; who may read it is checked
on every request before it is looked up (auth.py), so one copy serves the whole team.
Only with the page cache on (a cache every app server shares)."""

import hashlib
import json
import uuid
from collections.abc import Callable

from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder

from .. import page_cache

TIMEOUT = 60 * 60 * 24


def encode(data) -> tuple[bytes, str]:
    """`data` as the API's JSON body, and its ETag."""
    content = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).encode()
    return content, '"' + hashlib.sha256(content).hexdigest()[:32] + '"'


def kept(team, name: str, build: Callable[[], object]) -> tuple[bytes, str]:
    """The body and ETag of `build()`'s data, from the cache while `team` is unchanged."""
    if not page_cache.enabled():
        return encode(build())
    stamp_key, key = f"stamp:{team.slug}", f"api:{team.slug}:{name}"
    try:
        found = cache.get_many([stamp_key, key])
        stamp = found.get(stamp_key)
        if stamp is None:  # new, or evicted: start afresh, as the pages do
            cache.add(stamp_key, uuid.uuid4().hex, timeout=None)
            stamp = cache.get(stamp_key)
    except Exception:  # the cache is down: answer from the database
        return encode(build())
    entry = found.get(key)
    if entry is not None and entry[0] == stamp:
        return entry[1], entry[2]
    content, tag = encode(build())
    try:
        cache.set(key, (stamp, content, tag), TIMEOUT)
    except Exception:  # noqa: BLE001 - not kept this time; the answer stands
        pass
    return content, tag
