"""API answers kept in the shared cache until their team changes, as the pages are
(sessions/page_cache.py): under the team's stamp, which every committed change to the
team replaces. What is kept is the JSON body and its ETag, one copy for the whole team.

Who may read it is the access helper's answer (auth.py), kept beside it for each account
under the same stamp: that an account was an active member of the team when the stamp
was current. Every change to a membership moves the stamp (models.base.OnTeamPages), and
a deactivated account's tokens stop at the token check, so a kept answer is never older
than the team, nor shown to someone the helper would refuse. A hit is one round trip to
the cache after the token's query. Only with the page cache on (a cache every app server
shares)."""

import hashlib
import json
from collections.abc import Callable

from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder

from .. import page_cache

TIMEOUT = 60 * 60 * 24
# Who may read a kept answer is trusted this long at most: should a membership change
# fail to move the team's stamp (the cache unreachable as it commits), a removed member
# reads no longer than this.
ACCESS_TIMEOUT = 60
# The shape of what serialize.py writes: bump it with any change to it, so that a deploy
# never serves answers kept by the code before it.
SCHEMA = "1"


def encode(data) -> tuple[bytes, str]:
    """`data` as the API's JSON body, and its ETag."""
    content = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).encode()
    return content, '"' + hashlib.sha256(content).hexdigest()[:32] + '"'


def _keys(slug: str, name: str, user_id: int) -> tuple[str, str, str]:
    stamp = page_cache.stamp_key(slug)
    return stamp, f"api:{SCHEMA}:{slug}:{name}", f"api-member:{slug}:{user_id}"


def kept(slug: str, name: str, user_id: int, build: Callable[[], object]) -> tuple[bytes, str]:
    """The body and ETag of `build()`'s data (which checks access first, raising what the
    access helper raises), from the cache while team `slug` is unchanged and the account
    `user_id` was found allowed under the same stamp."""
    if not page_cache.enabled():
        return encode(build())
    stamp_key, key, member_key = _keys(slug, name, user_id)
    try:
        found = cache.get_many([stamp_key, key, member_key])
        stamp = page_cache.stamp_in(found, slug)
    except Exception:  # the cache is down: answer from the database
        return encode(build())
    entry = found.get(key)
    if entry is not None and entry[0] == stamp and found.get(member_key) == stamp:
        return entry[1], entry[2]
    content, tag = encode(build())  # checks access: a refusal raises before anything is kept
    try:
        cache.set(key, (stamp, content, tag), TIMEOUT)
        cache.set(member_key, stamp, ACCESS_TIMEOUT)
    except Exception:  # noqa: BLE001 - not kept this time; the answer stands
        pass
    return content, tag
