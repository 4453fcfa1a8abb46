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
    """The channel-layer group of a day's document ("day"), a member's log ("log"), or a
    day's presenter's view ("present")."""
    return f"live-{scope}-{pk}"


# Each member's colour in presence and carets, by membership id.
# The same eight as static/css/live.css's .live-c0 … .live-c7 (assets/live/colors.js).
PALETTE = ["#1f77b4", "#c2410c", "#2e7d32", "#b91c1c", "#7e57c2", "#8c564b", "#be185d", "#0f766e"]


def colour_of(membership_id: int) -> str:
    return PALETTE[membership_id % len(PALETTE)]
