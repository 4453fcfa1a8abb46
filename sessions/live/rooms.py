"""One live document per open day (and per member's log), held by each server process.

A room is the shared state of everyone editing the same document on this server: a
pycrdt Doc holding each live text (sessions/live/texts.py), who is here (awareness), and
what changed since it was last written back. Everyone in the room, on every server, is
in one channel-layer group; each update goes to the group, and each server applies it
to its own room once (updates are idempotent, and deliveries are de-duplicated).

How a text enters a document: a browser that opens a field asks for its key; the room
reads the row and adds the text together with `ready[key] = version`, as one update
made by a client id derived from the room's lineage, the key and the version. Two
servers that add the same key to the same lineage make the very same update, so the
text never doubles. A server opening a room asks the others for their state first and
joins their lineage when one answers.

Writing back: a change marks its key dirty; half a second after the first mark, the
room writes every dirty text to its row (texts.write_back), so a crash loses at most
that half second. The last person leaving writes at once.
"""

import asyncio
import hashlib
import logging
import time
import uuid
from collections import Counter, OrderedDict
from dataclasses import dataclass, field

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import connections
from pycrdt import Doc, Map, Text

from . import texts
from .names import group_name
from .texts import Key

log = logging.getLogger(__name__)


def off_loop(function):
    """`function` (which queries) run in a worker thread of its own, not on the one
    thread Channels shares by default: a keystroke's check must not wait behind another
    room's write-back. Its connection goes back (to the pool) at once: the thread may
    never run a query again, and a kept connection would be lost with it."""

    def call(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        finally:
            connections.close_all()

    return database_sync_to_async(call, thread_sensitive=False)


def _client_id(*parts: object) -> int:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF or 1


def replace(text: Text, new: str) -> None:
    """Make `text` read `new` with one delete and one insert around the common ends.
    (pycrdt counts positions in UTF-8 bytes.)"""
    old = str(text)
    if old == new:
        return
    start = 0
    limit = min(len(old), len(new))
    while start < limit and old[start] == new[start]:
        start += 1
    end = 0
    while end < limit - start and old[-1 - end] == new[-1 - end]:
        end += 1
    at = len(old[:start].encode())
    removed = len(old[start : len(old) - end].encode())
    with text.doc.transaction():
        if removed:
            del text[at : at + removed]
        inserted = new[start : len(new) - end]
        if inserted:
            text.insert(at, inserted)


def _deterministic_update(doc: Doc, client: int, change) -> bytes:
    """The update `change(copy)` makes on a copy of `doc` as client `client`: the same
    bytes on every server whose document is the same."""
    copy = Doc(client_id=client)
    copy.apply_update(doc.get_update())
    before = copy.get_state()
    change(copy)
    return copy.get_update(before)


@dataclass
class Room:
    scope: str  # "day" (the day's shared texts) or "log" (one member's own)
    day_id: int
    log_id: int | None = None
    lineage: str = field(default_factory=lambda: uuid.uuid4().hex)
    doc: Doc = field(default_factory=Doc)
    connections: set = field(default_factory=set)
    closed: bool = False

    def __post_init__(self):
        self.ready: Map = self.doc.get("ready", type=Map)
        self.keys: dict[str, Key] = {}
        self.base: dict[str, str] = {}  # each key's text as its row last had it
        self.versions: dict[str, int] = {}
        self.awareness: dict[int, tuple[int, dict | None]] = {}  # client → (clock, state)
        self.awareness_owner: dict[int, str] = {}  # client → the local socket speaking for it
        self.dirty: dict[str, Counter] = {}  # key → local writers' user ids
        # Keys another server's people changed, and when last: that server writes them;
        # this one only catches up, LIVE_REMOTE_SAVE_DELAY after the last change, in case
        # it never did (it died first).
        self.remote_dirty: dict[str, tuple[float, Counter]] = {}  # key → (when, writers)
        self.seen: OrderedDict[str, None] = OrderedDict()
        self.size = 0  # bytes of updates applied: an upper bound of the document's size
        self.write_lock = asyncio.Lock()
        self._touched: set[str] = set()
        self._subscriptions = []
        self._flush_handle: asyncio.TimerHandle | None = None
        self._flushing: set[asyncio.Task] = set()
        self.announce = None  # async (Written) -> None: tells everyone what was written

    @property
    def group(self) -> str:
        return group_name(self.scope, self.log_id if self.scope == "log" else self.day_id)

    # Updates

    def _watch(self, key: str) -> None:
        text = self.doc.get(key, type=Text)

        def touched(*_event) -> None:  # pycrdt passes the event (and maybe a transaction)
            self._touched.add(key)

        self._subscriptions.append(text.observe(touched))

    def remember(self, message: str) -> bool:
        """False if this message was applied here already."""
        if message in self.seen:
            return False
        self.seen[message] = None
        while len(self.seen) > 2000:
            self.seen.popitem(last=False)
        return True

    def apply(self, update: bytes) -> set[str]:
        """Apply an update; the live keys whose text it changed."""
        self._touched = set()
        self.doc.apply_update(update)
        self.size += len(update)
        return self._touched

    def text(self, key: str) -> str:
        return str(self.doc.get(key, type=Text))

    def add_key(self, key: Key, text: str, version: int) -> bytes | None:
        """The update that adds a key's text (None if the document has it)."""
        name = str(key)
        if name in self.ready:
            self.adopt(key)
            return None

        def add(copy: Doc) -> None:
            with copy.transaction():
                if text:
                    copy.get(name, type=Text).insert(0, text)
                copy.get("ready", type=Map)[name] = version

        update = _deterministic_update(self.doc, _client_id(self.lineage, name, version), add)
        self.adopt(key, text, version)
        self.apply(update)
        return update

    def adopt(self, key: Key, text: str | None = None, version: int | None = None) -> None:
        name = str(key)
        if name not in self.keys:
            self.keys[name] = key
            self._watch(name)
        if text is not None:
            self.base.setdefault(name, text)
            self.versions.setdefault(name, version)

    def adopt_remote_keys(self) -> None:
        """Watch the keys another server added (they arrive as plain updates)."""
        for name in list(self.ready.keys()):
            key = Key.parse(name)
            if key is not None and name not in self.keys:
                self.adopt(key)

    def set_text(self, key: str, new: str, *, salt: str) -> bytes:
        """The update that makes a key read `new`, by a client id made from `salt`."""

        def change(copy: Doc) -> None:
            replace(copy.get(key, type=Text), new)

        update = _deterministic_update(self.doc, _client_id(self.lineage, key, salt), change)
        self.apply(update)
        return update

    def note_saved_text(self, name: str, text: str, version: int) -> bool:
        """A form saved this text: keep it as the row's; True if the document should
        take it (it has the key, the save is newer than it knew, and reads otherwise)."""
        if name not in self.keys or version <= self.versions.get(name, 0):
            return False
        self.versions[name] = version
        self.base[name] = text
        return self.text(name) != text

    def take_saved_text(self, name: str, text: str) -> bytes:
        """The update that makes the document read a saved text. Only one server makes
        it (the one holding the room's claim, consumer._saver) and sends it to the others
        as any update: each server's document may hold typing the others have not seen yet,
        so the same change made on each would not be the same update."""
        return self.set_text(name, text, salt=f"saved:{uuid.uuid4().hex}")

    def mark(self, keys: set[str], author_id: int | None, *, remote: bool = False) -> None:
        """Note that `keys` changed, typed by the user whose id is `author_id`."""
        for key in keys:
            if remote:
                # Caught up only once the text stops changing: while its writers type,
                # their own server saves it (and names them).
                _when, writers = self.remote_dirty.get(key, (0.0, Counter()))
                self.remote_dirty[key] = (time.monotonic(), writers)
            else:
                writers = self.dirty.setdefault(key, Counter())
            if author_id is not None:
                writers[author_id] += 1
        if keys:
            self.schedule_flush()

    # Writing back

    def schedule_flush(self) -> None:
        """Write back in LIVE_SAVE_DELAY unless a write is due already. A write under
        way does not count: a change may come in after it read the texts. (Writes run
        one after another, in order, on the one thread that runs the ORM.)"""
        self._schedule()

    def _schedule(self) -> None:
        if self._flush_handle is None:
            loop = asyncio.get_running_loop()
            self._flush_handle = loop.call_later(settings.LIVE_SAVE_DELAY, self._start_flush)

    def _start_flush(self) -> None:
        self._flush_handle = None
        task = asyncio.ensure_future(self.flush())
        self._flushing.add(task)
        task.add_done_callback(self._flushing.discard)

    async def flush(self, *, final: bool = False) -> texts.Written | None:
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        due = time.monotonic() - settings.LIVE_REMOTE_SAVE_DELAY
        caught_up = {n for n, (at, _) in self.remote_dirty.items() if final or at <= due}
        names = set(self.dirty) | caught_up
        if not names:
            if self.remote_dirty:
                self._schedule()
            return None
        writers, self.dirty = self.dirty, {}
        remote_writers = {name: self.remote_dirty.pop(name)[1] for name in caught_up}
        for name, counts in remote_writers.items():
            writers.setdefault(name, Counter()).update(counts)
        changes = {self.keys[n]: self.text(n) for n in names if n in self.keys}
        authors = {}
        for name, counts in writers.items():
            key = self.keys.get(name)
            if key is not None:
                row = (key.kind, key.pk)
                authors.setdefault(row, Counter()).update(counts)
        authors = {row: [user for user, _n in c.most_common()] for row, c in authors.items()}
        try:
            async with self.write_lock:  # this room's writes land in order
                written = await off_loop(texts.write_back)(
                    self.day_id, changes, authors, log_id=self.log_id
                )
        except Exception:
            log.exception("Writing back live texts of day %s failed", self.day_id)
            for name, counts in writers.items():  # tried again
                self.dirty.setdefault(name, Counter()).update(counts)
            self._schedule()
            return None
        for name, key in ((str(k), k) for k in changes):
            if str(key) not in written.refused:
                self.base[name] = changes[key]
        for kind, pk, version in written.saved:
            for name, key in self.keys.items():
                if key.kind == kind and key.pk == pk:
                    self.versions[name] = version
        if self.dirty or self.remote_dirty:  # changes that came in while this one wrote
            self._schedule()
        if self.announce is not None:
            await self.announce(written)
        return written

    async def settle(self) -> texts.Written | None:
        """Wait for a write under way, then write everything left (the last one out)."""
        if self._flushing:
            await asyncio.gather(*self._flushing)
        return await self.flush(final=True)


class Registry:
    """This process's open rooms, by group name."""

    def __init__(self):
        self.rooms: dict[str, Room] = {}

    def get(self, group: str) -> Room | None:
        return self.rooms.get(group)

    def add(self, room: Room) -> None:
        self.rooms[room.group] = room

    def discard(self, room: Room) -> None:
        if self.rooms.get(room.group) is room:
            del self.rooms[room.group]


rooms = Registry()
