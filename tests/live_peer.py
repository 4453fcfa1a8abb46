"""A browser's side of a live editing socket, in Python: a pycrdt document speaking the
y-websocket protocol through Channels' WebsocketCommunicator, for the socket tests."""

import asyncio

from channels.testing import WebsocketCommunicator
from pycrdt import Doc, Map, Text

from sessions.live import protocol


class Peer:
    def __init__(self, application, path: str, *, user=None, headers=None, client_id=None):
        self.communicator = WebsocketCommunicator(application, path, headers=headers or [])
        if user is not None:
            self.communicator.scope["user"] = user
        self.doc = Doc(client_id=client_id) if client_id else Doc()
        self.controls: list[dict] = []
        self.denied: list[str] = []
        self.awareness: dict[int, dict | None] = {}
        self.closed_with: int | None = None
        self._outbox: list[bytes] = []
        self._subscription = self.doc.observe(lambda event: self._outbox.append(event.update))
        self.synced = False  # the server's state arrived

    async def connect(self) -> tuple[bool, int | None]:
        connected, code = await self.communicator.connect(timeout=5)
        if connected:
            await self.send(protocol.sync_step1(self.doc.get_state()))
        return connected, code

    async def send(self, data: bytes) -> None:
        await self.communicator.send_to(bytes_data=data)

    async def control(self, message: dict) -> None:
        await self.send(protocol.control(message))

    async def open(self, key: str) -> None:
        await self.control({"type": "open", "key": key})
        await self.until(lambda: key in self.ready)

    @property
    def ready(self) -> Map:
        return self.doc.get("ready", type=Map)

    def text(self, key: str) -> str:
        return str(self.doc.get(key, type=Text))

    async def type(self, key: str, at_char: int, value: str) -> None:
        """Insert `value` at a character position, as a keystroke would, and send it."""
        text = self.doc.get(key, type=Text)
        text.insert(len(str(text)[:at_char].encode()), value)
        await self.flush()

    async def flush(self) -> None:
        outbox, self._outbox = self._outbox, []
        for update in outbox:
            await self.send(protocol.sync_update(update))

    async def receive(self, timeout: float = 1.0) -> bool:
        """Handle one message from the server; False if none came in time."""
        # receive_output's own timeout would stop the application: ask first.
        if self.closed_with is not None or await self.communicator.receive_nothing(timeout):
            return False
        output = await self.communicator.receive_output()
        if output["type"] == "websocket.close":
            self.closed_with = output.get("code")
            return False
        message = protocol.parse(output["bytes"])
        if message.kind == protocol.SYNC:
            if message.sub == protocol.STEP1:
                await self.send(protocol.sync_step2(self.doc.get_update(message.payload)))
            else:
                self.doc.apply_update(message.payload)
                self.synced = True
                self._outbox.clear()  # what came from the server goes not back to it
        elif message.kind == protocol.AWARENESS:
            for client, _clock, state in protocol.read_awareness(message.payload):
                self.awareness[client] = state
        elif message.kind == protocol.CONTROL:
            self.controls.append(message.control)
        elif message.kind == protocol.AUTH:
            self.denied.append("denied")
        return True

    async def until(self, condition, timeout: float = 3.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not condition():
            left = deadline - loop.time()
            if left <= 0:
                raise AssertionError("the condition never held")
            await self.receive(min(left, 0.2))

    async def drain(self, seconds: float = 0.2) -> None:
        while await self.receive(seconds):
            pass

    async def set_awareness(self, state: dict, clock: int = 1) -> None:
        entries = [(self.doc.client_id, clock, state)]
        await self.send(protocol.awareness(protocol.write_awareness(entries)))

    def control_of(self, kind: str) -> list[dict]:
        return [c for c in self.controls if c.get("type") == kind]

    async def disconnect(self) -> None:
        await self.communicator.disconnect()


def run_async(coroutine_function):
    """Run an async test body to its end in a thread of its own, on a new event loop:
    the test's own thread may have one running already (Playwright's, once a browser
    test ran in this worker), where asyncio.run and async_to_sync refuse to start."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    def in_thread():
        try:
            return asyncio.run(coroutine_function())
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(in_thread).result()
