"""Names every part of live editing shares: which fields are live, the room groups, and
message ids. A leaf module (no models), so the app's writers can import notify freely."""

import itertools
import uuid

LOG = "log"
# The live texts of each kind of row (the log's are its member's own document's).
FIELDS: dict[str, tuple[str, ...]] = {
    "suggestion": ("proposal", "discussion", "outcome"),
    "review": ("notes",),
    "question": ("question", "answer", "links"),
    "section": ("body",),
    LOG: ("study_notes", "retrospective"),
}

SERVER = uuid.uuid4().hex[:12]  # this process, in message ids
_counter = itertools.count()


def message_id() -> str:
    return f"{SERVER}:{next(_counter)}"


def group_name(scope: str, pk: int) -> str:
    """The channel-layer group of a day's document ("day") or a member's log ("log")."""
    return f"live-{scope}-{pk}"


# Each member's colour in presence and carets, by membership id.
PALETTE = ["#2f6fde", "#d9480f", "#2b8a3e", "#ae3ec9", "#e8590c", "#1098ad", "#c2255c", "#5c940d"]


def colour_of(membership_id: int) -> str:
    return PALETTE[membership_id % len(PALETTE)]
