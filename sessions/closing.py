"""A day's open or closed state: the lock every write to a day takes, and closing and
reopening.

The day's moderator or an admin closes it when the session is over: from then on it
is read-only for everyone, each member's own log excepted. Only an admin reopens it.
Who did either, and when, stays on the day.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from .blog import publishing as blog_publishing
from .live import notify as live
from .models import Day
from .webhooks import events as webhook_events


class DayClosed(PermissionDenied):
    """The day is closed: nobody changes it until an admin reopens it."""


def lock_day(day_id: int) -> Day | None:
    """Lock the day's row for the rest of the transaction, open or closed (None if it
    is gone). Every write to a day's rows takes this lock before any other row's, in
    that order, so two writers never wait on each other's rows the other way round."""
    return Day.objects.select_for_update(no_key=True).filter(pk=day_id).first()


def lock_open_day(day_id: int) -> Day:
    """Lock the day's row for the rest of the transaction; DayClosed if it is closed.

    Every write to a day's session and items takes this lock, and closing takes it
    too, so a save that was under way when the day closed lands before the close,
    and one that arrives after it is refused. (NO KEY UPDATE on PostgreSQL: rows
    that merely point at the day, such as a member's log, are not held up.)
    """
    locked = lock_day(day_id)
    if locked is None:
        raise Day.DoesNotExist
    if locked.is_closed:
        raise DayClosed
    return locked


def close(day: Day, *, user) -> bool:
    """Close the day; False if it was closed already. One transaction, under the day's
    lock, so a save still under way lands first and any later one is refused."""
    with transaction.atomic():
        day = Day.objects.select_for_update(no_key=True).get(pk=day.pk)
        if day.is_closed:
            return False
        day.closed_at = timezone.now()
        day.closed_by = user
        _save(day, user, "closed_at", "closed_by")
        blog_publishing.day_closed(day)  # members who publish on close: queued, run after commit
        webhook_events.day_closed(day, user)
        live.closed(day.pk)
        return True


def reopen(day: Day, *, user) -> bool:
    """Reopen a closed day; False if it was open. Who closed it is kept."""
    with transaction.atomic():
        day = Day.objects.select_for_update(no_key=True).get(pk=day.pk)
        if not day.is_closed:
            return False
        day.closed_at = None
        day.reopened_at = timezone.now()
        day.reopened_by = user
        _save(day, user, "closed_at", "reopened_at", "reopened_by")
        live.reopened(day.pk)
        return True


def _save(day: Day, user, *fields: str) -> None:
    # A new version, like any save of the day: open editors refresh their session panel.
    day.version += 1
    day.updated_by = user
    day.save(update_fields=[*fields, "version", "updated_by", "updated_at"])
