"""The registry of item kinds (sessions/kinds.py) is whole and consistent: a new kind
that is declared but not finished (no template, a field that does not exist) fails here
rather than on a page."""

import pytest
from django.apps import apps
from django.template.loader import get_template

from sessions.kinds import FOLLOWED_UP, KINDS, MODERATED, SEARCHED
from sessions.models import Day
from sessions.models.base import DayItem, Resolvable
from sessions.search_index import SCOPE_KEYS


def item_models() -> set[type]:
    return {m for m in apps.get_app_config("peer").get_models() if issubclass(m, DayItem)}


def test_every_kind_of_item_is_declared_once():
    assert {kind.model for kind in KINDS.values()} == item_models()
    assert len(KINDS) == len(item_models())
    for slug, kind in KINDS.items():
        assert kind.model.kind == slug


@pytest.mark.parametrize("slug", list(KINDS))
def test_a_declaration_names_what_exists(slug):
    kind = KINDS[slug]
    names = {f.name for f in kind.model._meta.get_fields()}
    assert set(kind.searched) <= names
    assert set(kind.backed_up) <= names
    assert set(kind.member_refs) <= names
    assert set(kind.prefetch) <= names
    assert hasattr(Day, kind.related)
    assert kind.form._meta.model is kind.model
    get_template(kind.template)


def test_follow_ups_moderation_and_search_come_from_the_declarations():
    assert set(FOLLOWED_UP) == {s for s, k in KINDS.items() if issubclass(k.model, Resolvable)}
    assert MODERATED == {"review"}
    today = ["question", "suggestion", "review", "section", "action"]
    assert [slug for slug in SEARCHED if slug in today] == today  # the order search shows
    assert len({kind.search_rank for kind in KINDS.values()}) == len(KINDS)
    assert len(set(SCOPE_KEYS.values())) == len(SCOPE_KEYS)
    assert len({k.backup_key for k in KINDS.values()}) == len(KINDS)
