"""The live editing socket: one per open editor, joined to its document's room.

/ws/teams/<team>/days/<date>/ is the day's shared document; …/log/ is the caller's own
log of the day. On connect: a logged-in member of the team (else refused before the
handshake: anonymous, outsider, a day or log that is not there). On every write: the
membership, its role and the day's state are read again, so a member made observer,
removed, or a day closed meanwhile writes nothing. Observers receive every update and
write none. Messages are limited in size and rate, and the document in size; past a
limit the socket says why and closes.
"""

import asyncio
import logging
import time

from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import InMemoryChannelLayer
from django.conf import settings
from django.core.cache import cache
from django.utils import translation
from django.utils.translation import gettext as _

from ..models import Day, MemberLog, Membership
from . import protocol, texts
from .names import SERVER, colour_of, group_name, message_id
from .protocol import AWARENESS, CONTROL, EMPTY_UPDATE, SYNC, ProtocolError
from .rooms import Room, off_loop, rooms
from .texts import Key

logger = logging.getLogger(__name__)

# Socket close codes (4000-4999 are the application's).
REFUSED, TOO_BIG, TOO_FAST, BAD_MESSAGE, RESET = 4403, 4413, 4429, 4400, 4409


class Bucket:
    """At most `rate` messages a second on average, `burst` at once."""

    def __init__(self, rate: float, burst: int):
        self.rate, self.burst = rate, burst
        self.tokens, self.at = float(burst), time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class Access:
    """Who is on the socket and what they may do, as the database says now."""

    def __init__(self, membership: Membership, day: Day, log: MemberLog | None):
        self.membership, self.day, self.log = membership, day, log

    @classmethod
    def load(cls, user, slug: str, date, scope: str) -> "Access | None":
        membership = (
            Membership.objects.select_related("team")
            .filter(team__slug=slug, user=user, is_active=True)
            .first()
        )
        if membership is None:
            return None
        day = Day.objects.filter(team=membership.team, date=date).first()
        if day is None:
            return None
        log = None
        if scope == "log":
            log = MemberLog.objects.filter(day=day, member=membership).first()
            if log is None:
                return None
        return cls(membership, day, log)

    def reload(self) -> "Access | None":
        membership = Membership.objects.filter(pk=self.membership.pk, is_active=True).first()
        day = Day.objects.filter(pk=self.day.pk).first()
        if membership is None or day is None:
            return None
        return Access(membership, day, self.log)

    def may_write(self, key: Key) -> bool:
        return texts.may_write(key, self.day, self.membership)


class LiveConsumer(AsyncWebsocketConsumer):
    scope_kind = "day"  # or "log"

    async def connect(self):
        self.room: Room | None = None
        self.clients: set[int] = set()  # awareness client ids this socket speaks for
        self.synced = False
        self.access_stale = False
        self.bucket = Bucket(settings.LIVE_RATE, settings.LIVE_BURST)
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=REFUSED)
            return
        kwargs = self.scope["url_route"]["kwargs"]
        self.access = await off_loop(Access.load)(
            user, kwargs["team"], kwargs["date"], self.scope_kind
        )
        if self.access is None:
            await self.close(code=REFUSED)
            return
        self.user = user
        self.team_group = group_name("team", self.access.membership.team_id)
        self.checked_at = time.monotonic()
        self.language = await off_loop(self._language)()
        membership = self.access.membership
        self.person = {
            "id": membership.pk,
            "name": membership.display_name,
            "color": colour_of(membership.pk),
            "colorLight": colour_of(membership.pk) + "33",
        }
        self.room = await self._join()
        await self.accept()
        if self.scope_kind == "day" and self.access.day.is_closed:
            await self._control({"type": "closed"})

    def _language(self) -> str:
        profile = getattr(self.user, "profile", None)
        return getattr(profile, "language", None) or settings.LANGUAGE_CODE

    async def _join(self) -> Room:
        access = self.access
        pk = access.log.pk if self.scope_kind == "log" else access.day.pk
        group = group_name(self.scope_kind, pk)
        room = rooms.get(group)
        created = room is None
        if created:
            room = Room(self.scope_kind, access.day.pk, access.log.pk if access.log else None)
            room.closed = access.day.is_closed and self.scope_kind == "day"
            room.announce = lambda written, room=room: announce(self.channel_layer, room, written)
            rooms.add(room)
        room.connections.add(self.channel_name)
        await self.channel_layer.group_add(group, self.channel_name)
        await self.channel_layer.group_add(self.team_group, self.channel_name)
        if created and not isinstance(self.channel_layer, InMemoryChannelLayer):
            await self._catch_up(room)
        return room

    async def _catch_up(self, room: Room) -> None:
        """A room new on this server: take the lineage and state of another server's."""
        reply = await self.channel_layer.new_channel()
        await self.channel_layer.group_send(
            room.group,
            {"type": "live.hello", "id": message_id(), "server": SERVER, "reply": reply},
        )
        try:
            async with asyncio.timeout(settings.LIVE_JOIN_WAIT):
                answer = await self.channel_layer.receive(reply)
        except TimeoutError:
            return
        room.lineage = answer["lineage"]
        room.apply(answer["update"])
        room.adopt_remote_keys()
        for client, clock, state in protocol.read_awareness(answer["awareness"]):
            room.awareness[client] = (clock, state)

    async def disconnect(self, code):
        await self._leave()

    async def _leave(self) -> None:
        """Leave the room (once): take this socket's carets away, and if it was the last
        one here, write everything back and close the room."""
        room, self.room = self.room, None
        if room is None:
            return
        await self.channel_layer.group_discard(room.group, self.channel_name)
        await self.channel_layer.group_discard(self.team_group, self.channel_name)
        room.connections.discard(self.channel_name)
        if self.clients:
            gone = []
            for client in self.clients:
                clock, _state = room.awareness.pop(client, (0, None))
                room.awareness_owner.pop(client, None)
                gone.append((client, clock + 1, None))
            await self._broadcast_awareness(protocol.write_awareness(gone), room)
        if not room.connections:
            await room.settle()
            if not room.connections:
                rooms.discard(room)
                await _release(room.group)

    # From the browser

    async def receive(self, text_data=None, bytes_data=None):
        if self.room is None:
            return  # closing
        if bytes_data is None:
            return await self._fail(BAD_MESSAGE, _("This connection only takes binary messages."))
        if len(bytes_data) > settings.LIVE_MAX_MESSAGE:
            return await self._fail(TOO_BIG, _("That change is too large to send at once."))
        if not self.bucket.take():
            return await self._fail(TOO_FAST, _("Too many changes too quickly: reconnecting."))
        try:
            message = protocol.parse(bytes_data)
            if message.kind == SYNC:
                await self._on_sync(message)
            elif message.kind == AWARENESS:
                await self._awareness(message.payload)
            elif message.kind == CONTROL:
                await self._on_control(message.control)
        except ProtocolError:
            await self._fail(BAD_MESSAGE, _("The editor sent a message the server cannot read."))

    async def _on_sync(self, message):
        room = self.room
        if message.sub == protocol.STEP1:
            if not self.synced and _from_another_document(message.payload, room.doc.get_state()):
                # The browser's document is an earlier one's (this server restarted, or
                # the room closed and opened again): merging it would double its texts.
                await self._control({"type": "reset"})
                await self.close(code=RESET)
                await self._leave()
                return
            await self.send(bytes_data=protocol.sync_step2(room.doc.get_update(message.payload)))
            if not self.synced:
                self.synced = True
                await self.send(bytes_data=protocol.sync_step1(room.doc.get_state()))
                if room.awareness:
                    entries = [(c, clock, st) for c, (clock, st) in room.awareness.items()]
                    await self.send(
                        bytes_data=protocol.awareness(protocol.write_awareness(entries))
                    )
            return
        if message.payload in (EMPTY_UPDATE, b""):
            return
        await self._write(message.payload)

    async def _write(self, update: bytes) -> None:
        room = self.room
        access = await self._current_access()
        if access is None or not access.membership.can_write:
            await self._control({"type": "readonly"})
            await self.send(bytes_data=protocol.permission_denied("read-only"))
            return
        if self.scope_kind == "day" and (room.closed or access.day.is_closed):
            if not room.closed:
                room.closed = True
                await self._group_control({"type": "closed"})
            return
        if room.size + len(update) > settings.LIVE_MAX_DOCUMENT:
            room.size = len(room.doc.get_update())  # the running sum only ever grows
            if room.size + len(update) > settings.LIVE_MAX_DOCUMENT:
                await self._fail(TOO_BIG, _("This day's live document is full. Reload the page."))
                return
        touched = room.apply(update)
        room.adopt_remote_keys()
        allowed = {k for k in touched if k in room.keys and access.may_write(room.keys[k])}
        reverts = [  # a change this member may not make is put back at once
            room.set_text(key, room.base[key], salt=message_id())
            for key in sorted(touched - allowed)
            if key in room.base
        ]
        room.mark(allowed, self.user.pk)
        await self._broadcast_update(update, from_browser=True)
        for each in reverts:
            await self._broadcast_update(each, from_browser=False)

    async def _current_access(self) -> Access | None:
        """Who is writing, as the database says: read again when the team's members
        changed (live.access), and at least every LIVE_ACCESS_RECHECK seconds; else
        what was read last (a query per keystroke cost more than the rest of it)."""
        if self.access_stale or time.monotonic() - self.checked_at > settings.LIVE_ACCESS_RECHECK:
            self.access_stale = False
            self.checked_at = time.monotonic()
            access = await off_loop(self.access.reload)()
            if access is None:
                return None
            self.access = access
        return self.access

    async def _awareness(self, payload: bytes) -> None:
        room = self.room
        entries = []
        for client, clock, state in protocol.read_awareness(payload):
            owner = room.awareness_owner.setdefault(client, self.channel_name)
            if owner != self.channel_name:
                continue  # another socket's caret: not this one's to move
            self.clients.add(client)
            if state is not None:
                state["user"] = self.person  # names and colours come from the server
            room.awareness[client] = (clock, state)
            entries.append((client, clock, state))
        if entries:
            await self._broadcast_awareness(protocol.write_awareness(entries))

    async def _on_control(self, control: dict) -> None:
        if control.get("type") != "open":
            return
        key = Key.parse(control.get("key"))
        room = self.room
        if key is None or key.is_log != (self.scope_kind == "log"):
            return await self._control({"type": "refused", "key": str(control.get("key"))[:80]})
        if key.is_log and key.pk != room.log_id:
            return await self._control({"type": "refused", "key": str(key)})
        if str(key) in room.ready:
            room.adopt(key)
            return
        loaded = await off_loop(texts.load)(room.day_id, key, log_id=room.log_id)
        if loaded is None:
            return await self._control({"type": "refused", "key": str(key)})
        update = room.add_key(key, *loaded)
        if update is not None:
            await self._broadcast_update(update, from_browser=False)

    # To the room

    async def _broadcast_update(self, update: bytes, *, from_browser: bool) -> None:
        """To everyone in the room; an update the browser made goes not back to it."""
        event = {"type": "live.update", "id": message_id(), "update": update}
        event["origin"] = self.channel_name if from_browser else ""
        event["author"] = self.user.pk if from_browser else None  # for another server's save
        self.room.remember(event["id"])
        await self.channel_layer.group_send(self.room.group, event)

    async def _broadcast_awareness(self, update: bytes, room: Room | None = None) -> None:
        room = room or self.room
        event = {"type": "live.awareness", "id": message_id(), "server": SERVER}
        event.update(origin=self.channel_name, update=update)
        room.remember(event["id"])
        await self.channel_layer.group_send(room.group, event)

    async def _group_control(self, message: dict) -> None:
        await self.channel_layer.group_send(
            self.room.group, {"type": "live.control", "message": message}
        )

    # From the room (channel-layer events)

    async def live_update(self, event):
        room = self.room
        if room is None:
            return
        if room.remember(event["id"]):
            touched = room.apply(event["update"])
            room.adopt_remote_keys()
            room.mark(touched & set(room.keys), event.get("author"), remote=True)
        if event["origin"] != self.channel_name:
            await self.send(bytes_data=protocol.sync_update(event["update"]))

    async def live_awareness(self, event):
        room = self.room
        if room is None:
            return
        if room.remember(event["id"]) and event["server"] != SERVER:
            for client, clock, state in protocol.read_awareness(event["update"]):
                if state is None:
                    room.awareness.pop(client, None)
                else:
                    room.awareness[client] = (clock, state)
        if event["origin"] != self.channel_name:
            await self.send(bytes_data=protocol.awareness(event["update"]))

    async def live_control(self, event):
        message = dict(event["message"])
        if self.room is not None and message.get("type") in ("closed", "reopened"):
            self.room.closed = message["type"] == "closed"
            self.access_stale = True  # the day's state, read again before the next write
        await self._control(message)

    async def live_access(self, event):
        self.access_stale = True

    async def live_saved_text(self, event):
        """A form saved a text: every server's room keeps it as the row's text, and the
        first to claim the save makes the document read it, for everyone."""
        room = self.room
        if room is None or not room.remember(event["id"]):
            return
        key, text = event["key"], event["text"]
        if room.note_saved_text(key, text, event["version"]) and await _saver(
            self.channel_layer, room.group
        ):
            await self._broadcast_update(room.take_saved_text(key, text), from_browser=False)

    async def live_present(self, event):
        """Another server asks whether this one still has the room open (_saver)."""
        room = self.room
        if room is None or event["server"] != SERVER or not room.remember(event["id"]):
            return
        await self.channel_layer.send(event["reply"], {"type": "live.here"})

    async def live_hello(self, event):
        room = self.room
        if room is None or event["server"] == SERVER or not room.remember(event["id"]):
            return
        entries = [(c, clock, st) for c, (clock, st) in room.awareness.items()]
        await self.channel_layer.send(
            event["reply"],
            {
                "type": "live.state",
                "lineage": room.lineage,
                "update": room.doc.get_update(),
                "awareness": protocol.write_awareness(entries),
            },
        )

    # To this browser

    async def _control(self, message: dict) -> None:
        if message.get("type") == "refused" and "limit" in message:
            with translation.override(self.language):
                message["reason"] = texts.too_long(message["length"], message["limit"])
        elif message.get("type") == "refused":
            with translation.override(self.language):
                message.setdefault("reason", _("This text cannot be edited live here."))
        await self.send(bytes_data=protocol.control(message))

    async def _fail(self, code: int, reason: str) -> None:
        await self._control({"type": "error", "reason": reason})
        await self.close(code=code)
        await self._leave()


class LogConsumer(LiveConsumer):
    scope_kind = "log"


async def announce(layer, room: Room, written: texts.Written) -> None:
    """Tell everyone in the room what a write-back saved, refused, or found closed."""
    for kind, pk, version in written.saved:
        kind = "log" if room.scope == "log" else kind
        message = {"type": "saved", "kind": kind, "id": pk, "version": version}
        await layer.group_send(room.group, {"type": "live.control", "message": message})
    for key, (length, limit) in written.refused.items():
        message = {"type": "refused", "key": key, "length": length, "limit": limit}
        await layer.group_send(room.group, {"type": "live.control", "message": message})
    if written.closed and not room.closed:
        room.closed = True
        await layer.group_send(room.group, {"type": "live.control", "message": {"type": "closed"}})


SAVER_SECONDS = 30


async def _saver(layer, group: str) -> bool:
    """Whether this server makes the room's saved texts into updates. One server does,
    for every save of the room in turn (two saves made by two servers at once would
    each replace a text the other had not seen, and both would stay): the first to
    claim the room in the cache every server shares (Redis with several servers; one
    server's own cache otherwise, where it is always the one), for SAVER_SECONDS after
    its last save. A server that closes the room lets go of it (_release); one that
    died cannot, so the others ask whether the holder still has the room open, and
    when it does not answer, one of them takes over."""
    key = _claim_key(group)
    try:
        if await cache.aadd(key, SERVER, timeout=SAVER_SECONDS):
            return True
        holder = await cache.aget(key)
        if holder == SERVER:
            await cache.atouch(key, SAVER_SECONDS)
            return True
        if holder is None:  # let go of since the add
            return await cache.aadd(key, SERVER, timeout=SAVER_SECONDS)
        if await _present(layer, group, holder):
            return False
        if await cache.aadd(f"{key}:after:{holder}", SERVER, timeout=SAVER_SECONDS):
            await cache.aset(key, SERVER, timeout=SAVER_SECONDS)
            return True
        return False  # another server took over from it
    except Exception:  # noqa: BLE001 - the cache is down: act rather than lose the save
        logger.warning("live: could not claim %s; saving here", group, exc_info=True)
        return True


def _claim_key(group: str) -> str:
    return f"live:saver:{group}"


async def _present(layer, group: str, server: str) -> bool:
    """Whether `server` still has the room `group` open (live_present answers)."""
    reply = await layer.new_channel()
    event = {"type": "live.present", "id": message_id(), "server": server, "reply": reply}
    await layer.group_send(group, event)
    try:
        async with asyncio.timeout(settings.LIVE_JOIN_WAIT):
            await layer.receive(reply)
    except TimeoutError:
        return False
    return True


async def _release(group: str) -> None:
    """Let go of the room's claim, if this server holds it: it closed the room."""
    key = _claim_key(group)
    try:
        if await cache.aget(key) == SERVER:
            await cache.adelete(key)
    except Exception:  # noqa: BLE001 - it lapses after SAVER_SECONDS anyway
        logger.warning("live: could not let go of %s", group, exc_info=True)


def _from_another_document(client_state: bytes, server_state: bytes) -> bool:
    """Whether the browser's document holds changes by writers this room never saw."""
    known = dict(protocol.read_state_vector(server_state))
    theirs = protocol.read_state_vector(client_state)
    return any(clock > 0 and client not in known for client, clock in theirs)
