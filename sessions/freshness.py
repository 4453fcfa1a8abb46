"""Retiring cached pages: every change to anything a team's pages show gives the team a
new stamp in the shared cache once its transaction commits (sessions/page_cache.py).

Who calls it: changes to a day's content through search_index.changed, which every
save and delete of a day, its items and its logs already makes (models/base.py; their
attendance and study links are only written together with them); the team itself,
its members and its schedule's exceptions from their own save() and delete() (Team,
models.base.OnTeamPages); writers that go around save() (an UPDATE of presenters or
positions) call search_index.changed for their day. The stamp moves after the commit,
never before: a page rendered meanwhile is stored under the old stamp, which no reader
asks for again. With the page cache off (no Redis), none of this asks the database
anything.

An item edited in place (its text, by a form or by live editing) calls `item_edited`
instead: when only fields its own fragment shows changed, the stamp moves with a patch
that brings cached records up to date without rendering them (sessions/page_patch.py).
"""

import functools
import logging
from collections.abc import Iterable

from django.db import transaction

from . import fragments, page_cache
from .kinds import KINDS, Kind
from .models import Team
from .page_patch import Patch

logger = logging.getLogger(__name__)


def retire_slugs(slugs: Iterable[str]) -> None:
    """Retire these teams' pages once the transaction commits. `slugs` is read now (the
    rows may be gone after the commit), and only with the page cache on: callers pass
    querysets, which ask the database nothing until then."""
    if not page_cache.enabled():
        return
    slugs = set(slugs)
    if slugs:
        transaction.on_commit(lambda: page_cache.retire(slugs), robust=True)


def touch_teams(team_ids: Iterable[int]) -> None:
    retire_slugs(Team.objects.filter(pk__in=set(team_ids)).values_list("slug", flat=True))


def touch_days(day_ids: Iterable[int]) -> None:
    ids = set(day_ids)
    if ids:
        retire_slugs(Team.objects.filter(days__in=ids).values_list("slug", flat=True))


def item_edited(item, fields: Iterable[str]) -> None:
    """`item` was saved in place with `pages=False`, changing `fields` (history's
    snapshot names): its team's pages are patched once the transaction commits when
    they are all `Kind.patchable`, and retired otherwise."""
    if not page_cache.enabled():
        return
    kind = KINDS[item.kind]
    if set(fields) <= set(kind.patchable):
        transaction.on_commit(functools.partial(_patch, kind, item.pk, item.day_id), robust=True)
    else:
        touch_days([item.day_id])


def _patch(kind: Kind, pk: int, day_id: int) -> None:
    """Render the item as committed, keep its fragment and move its team's stamp with
    the patch; if that fails, retire the team's pages as any change does."""
    try:
        queryset = kind.model.objects.select_related("day__team").prefetch_related(*kind.prefetch)
        item = queryset.filter(pk=pk).first()
        if item is None:  # deleted since: its deletion retired the pages
            return
        team = item.day.team
        key, today = fragments.store(kind, item, team)
        patch = Patch(day_id, f"{kind.slug}:{pk}", item.version, key, today)
        page_cache.retire([team.slug], patch=patch)
    except Exception:
        logger.exception("page cache: could not patch %s %s, retiring", kind.slug, pk)
        page_cache.retire(Team.objects.filter(days=day_id).values_list("slug", flat=True))
