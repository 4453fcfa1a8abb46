"""The y-websocket wire format (lib0 encoding), as the browser's WebsocketProvider speaks it.

A message is a varUint type and a payload:
- 0, sync: a sync sub-type (0 step 1: a state vector; 1 step 2 and 2 update: an update),
  then that as a length-prefixed byte string;
- 1, awareness: a length-prefixed awareness update (who is here, where their caret is);
- 2, auth: 0 and a varString reason, "permission denied";
- 5, control (Studylog's own): a varString holding a JSON object.

pycrdt has helpers for sync, but its varString counts characters, not UTF-8 bytes, so
names like 홍요한 would break; everything here is lib0's own encoding.
"""

import json
from dataclasses import dataclass

SYNC, AWARENESS, AUTH, CONTROL = 0, 1, 2, 5
STEP1, STEP2, UPDATE = 0, 1, 2
EMPTY_UPDATE = b"\x00\x00"


class ProtocolError(ValueError):
    """A message that does not parse."""


def var_uint(n: int) -> bytes:
    out = bytearray()
    while n > 0x7F:
        out.append(0x80 | (n & 0x7F))
        n >>= 7
    out.append(n)
    return bytes(out)


def var_bytes(data: bytes) -> bytes:
    return var_uint(len(data)) + data


def var_string(text: str) -> bytes:
    return var_bytes(text.encode())


class Reader:
    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0

    def uint(self) -> int:
        n = shift = 0
        while True:
            if self.pos >= len(self.data) or shift > 49:
                raise ProtocolError("truncated number")
            byte = self.data[self.pos]
            self.pos += 1
            n |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return n

    def bytes(self) -> bytes:
        length = self.uint()
        end = self.pos + length
        if end > len(self.data):
            raise ProtocolError("truncated bytes")
        chunk = self.data[self.pos : end]
        self.pos = end
        return chunk

    def string(self) -> str:
        try:
            return self.bytes().decode()
        except UnicodeDecodeError as error:
            raise ProtocolError("not UTF-8") from error


@dataclass(frozen=True)
class Message:
    kind: int
    sub: int | None = None  # the sync sub-type
    payload: bytes = b""  # a state vector, an update or an awareness update
    control: dict | None = None


def parse(data: bytes) -> Message:
    reader = Reader(data)
    kind = reader.uint()
    if kind == SYNC:
        sub = reader.uint()
        if sub not in (STEP1, STEP2, UPDATE):
            raise ProtocolError("unknown sync message")
        return Message(SYNC, sub, reader.bytes())
    if kind == AWARENESS:
        return Message(AWARENESS, payload=reader.bytes())
    if kind == AUTH:
        return Message(AUTH, reader.uint(), reader.string().encode())
    if kind == CONTROL:
        try:
            control = json.loads(reader.string())
        except ValueError as error:
            raise ProtocolError("control is not JSON") from error
        if not isinstance(control, dict):
            raise ProtocolError("control is not an object")
        return Message(CONTROL, control=control)
    raise ProtocolError(f"unknown message type {kind}")


def sync_step1(state_vector: bytes) -> bytes:
    return var_uint(SYNC) + var_uint(STEP1) + var_bytes(state_vector)


def sync_step2(update: bytes) -> bytes:
    return var_uint(SYNC) + var_uint(STEP2) + var_bytes(update)


def sync_update(update: bytes) -> bytes:
    return var_uint(SYNC) + var_uint(UPDATE) + var_bytes(update)


def awareness(update: bytes) -> bytes:
    return var_uint(AWARENESS) + var_bytes(update)


def permission_denied(reason: str) -> bytes:
    return var_uint(AUTH) + var_uint(0) + var_string(reason)


def control(message: dict) -> bytes:
    return var_uint(CONTROL) + var_string(json.dumps(message, ensure_ascii=False))


# Awareness updates: a count, then per client its id, a clock and its state as JSON
# ("null" when the client left).


def read_awareness(update: bytes) -> list[tuple[int, int, dict | None]]:
    reader = Reader(update)
    entries = []
    for _ in range(reader.uint()):
        client, clock = reader.uint(), reader.uint()
        try:
            state = json.loads(reader.string())
        except ValueError as error:
            raise ProtocolError("awareness state is not JSON") from error
        if state is not None and not isinstance(state, dict):
            raise ProtocolError("awareness state is not an object")
        entries.append((client, clock, state))
    return entries


def write_awareness(entries: list[tuple[int, int, dict | None]]) -> bytes:
    out = bytearray(var_uint(len(entries)))
    for client, clock, state in entries:
        out += var_uint(client) + var_uint(clock)
        out += var_string(json.dumps(state, ensure_ascii=False, separators=(",", ":")))
    return bytes(out)


def read_state_vector(state: bytes) -> list[tuple[int, int]]:
    """A document's state vector: (client id, clock) for each writer it has seen."""
    reader = Reader(state)
    return [(reader.uint(), reader.uint()) for _ in range(reader.uint())]
