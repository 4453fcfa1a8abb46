"""Retiring cached pages: every change to anything a team's pages show gives the team a
new stamp in the shared cache once its transaction commits (sessions/page_cache.py).

Changes to a day's content arrive through search_index.reindex_days, which every save,
delete and bulk writer already calls for its days (attendance and study links are
only ever written together with their day or log, which is saved with them); the
rest (the team itself, its members, presenters, the schedule, a deleted day) through
the signals connected below. The stamp moves after the commit, never before: a page
rendered meanwhile is stored under the old stamp, which no reader asks for again.
With the page cache off (no Redis), none of this asks the database anything.
"""

from collections.abc import Iterable

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from . import page_cache
from .models import AssignmentReview, Day, Membership, ModeratorAssignment, SkippedDate, Team


def _after_commit(slugs: Iterable[str]) -> None:
    """Retire these teams' pages once the transaction commits. `slugs` is read now (the
    rows may be gone after the commit), and only with the page cache on: callers pass
    querysets, which ask the database nothing until then."""
    if not page_cache.enabled():
        return
    slugs = set(slugs)
    if slugs:
        transaction.on_commit(lambda: page_cache.retire(slugs), robust=True)


def touch_teams(team_ids: Iterable[int]) -> None:
    _after_commit(Team.objects.filter(pk__in=set(team_ids)).values_list("slug", flat=True))


def touch_days(day_ids: Iterable[int]) -> None:
    ids = set(day_ids)
    if ids:
        _after_commit(Team.objects.filter(days__in=ids).values_list("slug", flat=True))


def _receiver(team_ids):
    def receiver(sender, instance, raw=False, **kwargs):
        if not raw:
            touch_teams(team_ids(instance))

    return receiver


def _team_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        _after_commit([instance.slug])


def _team_renamed_or_deleted(sender, instance, raw=False, **kwargs):
    """Before the row changes: the pages under its old address go too."""
    if not raw and instance.pk is not None:
        _after_commit(Team.objects.filter(pk=instance.pk).values_list("slug", flat=True))


def _on_presenters(sender, instance, action, **kwargs):
    if action in ("post_add", "post_remove", "post_clear"):
        touch_days([instance.day_id])


_BY_TEAM = [Membership, ModeratorAssignment, SkippedDate]


def connect() -> None:
    for model in _BY_TEAM:
        receiver = _receiver(lambda instance: [instance.team_id])
        uid = f"freshness-{model.__name__}"
        post_save.connect(receiver, sender=model, weak=False, dispatch_uid=uid + "-save")
        post_delete.connect(receiver, sender=model, weak=False, dispatch_uid=uid + "-delete")
    # A day's own saves go through reindex_days; its deletion does not.
    post_delete.connect(
        _receiver(lambda day: [day.team_id]), sender=Day, weak=False, dispatch_uid="fr-day"
    )
    post_save.connect(_team_saved, sender=Team, dispatch_uid="freshness-team-save")
    pre_save.connect(_team_renamed_or_deleted, sender=Team, dispatch_uid="freshness-team-old")
    pre_delete.connect(_team_renamed_or_deleted, sender=Team, dispatch_uid="freshness-team-del")
    m2m_changed.connect(
        _on_presenters, sender=AssignmentReview.presenters.through, dispatch_uid="fr-presenters"
    )
