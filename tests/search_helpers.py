"""What the search tests share: days on known dates, a member searching, a day's
documents and the search page's address. Imported by test_search, test_search_index
and test_search_korean (a fixture imported into a test module is found there)."""

import datetime
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from sessions.models import SearchDoc

from .factories import DayFactory

MONDAY = datetime.date(2024, 3, 4)


def on(team, offset, **kwargs):
    kwargs.setdefault("tags", "")
    return DayFactory(team=team, date=MONDAY + datetime.timedelta(days=offset), **kwargs)


def dates(result):
    return [found.day.date for found in result.days]


@pytest.fixture(name="me")
def me_fixture(team_member):
    """The searching member (tests take it as `me`; imported under this name so that a
    test's `me` argument does not shadow an import)."""
    return team_member.memberships.get()


def doc(day, scope="all", owner=None):
    return SearchDoc.objects.get(day=day, scope=scope, owner=owner)


def url(team, **params):
    return reverse("peer:search", kwargs={"team": team.slug}) + "?" + urlencode(params)
