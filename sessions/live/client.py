"""A live editing client in Python over a real WebSocket: what a browser's live.js does,
with a pycrdt document. The multi-server and fault tests and bench/live.py type with it.
"""

import asyncio
import time

from pycrdt import Doc, Map, Text

from . import protocol


class LiveClient:
    def __init__(self, base_url: str, path: str, session_key: str):
        origin = base_url.rstrip("/")
        self.url = origin.replace("http://", "ws://", 1) + path
        self.origin = origin
        self.cookie = f"sessionid={session_key}"
        self.doc = Doc()
        self.sent_at: dict[int, float] = {}  # this client's clock → when it was sent
        self.arrivals: list[tuple[int, int, float]] = []  # (client, clock, arrival time)
        self.controls: list[dict] = []
        self.socket = None
        self._reader: asyncio.Task | None = None

    async def __aenter__(self) -> "LiveClient":
        from websockets.asyncio.client import connect

        self.socket = await connect(
            self.url,
            origin=self.origin,
            additional_headers={"Cookie": self.cookie},
            max_size=2**22,
            open_timeout=20,
        )
        await self.socket.send(protocol.sync_step1(self.doc.get_state()))
        self._reader = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *exc) -> None:
        if self._reader is not None:
            self._reader.cancel()
        if self.socket is not None:
            await self.socket.close()

    async def open(self, key: str, timeout: float = 10) -> None:
        await self.socket.send(protocol.control({"type": "open", "key": key}))
        await self.until(lambda: key in self.doc.get("ready", type=Map), timeout)

    def text(self, key: str) -> str:
        return str(self.doc.get(key, type=Text))

    async def type(self, key: str, characters: str) -> None:
        """Type at the end of a text, one update (one keystroke) per character."""
        text = self.doc.get(key, type=Text)
        for character in characters:
            before = self.doc.get_state()
            text.insert(len(str(text).encode()), character)
            update = self.doc.get_update(before)
            clock = dict(protocol.read_state_vector(self.doc.get_state()))[self.doc.client_id]
            self.sent_at[clock] = time.perf_counter()
            await self.socket.send(protocol.sync_update(update))

    async def until(self, condition, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError("the condition never held")
            await asyncio.sleep(0.01)

    async def _read(self) -> None:
        async for data in self.socket:
            if isinstance(data, str):
                continue
            message = protocol.parse(data)
            if message.kind == protocol.CONTROL:
                self.controls.append(message.control)
            if message.kind != protocol.SYNC:
                continue
            if message.sub == protocol.STEP1:
                await self.socket.send(protocol.sync_step2(self.doc.get_update(message.payload)))
                continue
            before = dict(protocol.read_state_vector(self.doc.get_state()))
            self.doc.apply_update(message.payload)
            now = time.perf_counter()
            for client, clock in protocol.read_state_vector(self.doc.get_state()):
                for each in range(before.get(client, 0) + 1, clock + 1):
                    self.arrivals.append((client, each, now))
