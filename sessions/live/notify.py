"""Telling a day's open editors what changed outside them, once the change commits.

The pages' writes (services, closing) call these; each sends one message to the day's
room group, which every live socket of the day, on every server, is in. Without a
channel layer, or with nobody editing, the message goes nowhere.
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from .names import FIELDS, LOG, group_name, message_id

log = logging.getLogger(__name__)


def _send(group: str, event: dict) -> None:
    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        try:
            async_to_sync(layer.group_send)(group, event)
        except Exception:  # noqa: BLE001 - live news is a courtesy; the save stands
            log.warning("Could not tell the live editors of %s", group, exc_info=True)

    transaction.on_commit(send)


def _control(day_id: int, message: dict) -> None:
    _send(group_name("day", day_id), {"type": "live.control", "message": message})


def list_changed(day_id: int, kind: str) -> None:
    """An item was added, moved or deleted."""
    _control(day_id, {"type": "list-changed", "kind": kind})


def session_changed(day_id: int) -> None:
    _control(day_id, {"type": "session-changed"})


def closed(day_id: int) -> None:
    _control(day_id, {"type": "closed"})


def reopened(day_id: int) -> None:
    _control(day_id, {"type": "reopened"})


def access_changed(team_id: int) -> None:
    """A member of the team was added, removed, made observer…: its open sockets read
    their member's role again before their next write."""
    _send(group_name("team", team_id), {"type": "live.access"})


def texts_saved(row) -> None:
    """A row's live texts were saved by a form (the editor without live editing, a
    restore): open documents take the saved text."""
    is_log = row._meta.model_name == "memberlog"
    kind = LOG if is_log else row.kind
    scope, pk = ("log", row.pk) if is_log else ("day", row.day_id)
    for field in FIELDS.get(kind, ()):
        event = {
            "type": "live.saved_text",
            "id": message_id(),
            "key": f"{kind}:{row.pk}:{field}",
            "text": getattr(row, field),
            "version": row.version,
        }
        _send(group_name(scope, pk), event)


def presenter_moved(day_id: int, position: dict) -> None:
    """The moderator moved the presenter's view: its followers go there (live/present.py)."""
    _send(group_name("present", day_id), {"type": "present.moved", "position": position})
