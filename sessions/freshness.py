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
"""

from collections.abc import Iterable

from django.db import transaction

from . import page_cache
from .models import Team


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
