"""Every page of a team, as its admin: the number of queries does not grow with the data.

Each GET endpoint of the role matrix (tests/test_permissions.py, which lists every team
URL) is opened on the matrix's world grown a little (so that every list a page
prefetches has rows: an empty one costs no query), then again after the team has written
four times as much: more days, members, items of each kind on the world's day, logs with
links, open follow-ups, comments with replies and mentions. The second count may not
exceed the first, and no page may take more than MAX_QUERIES. (tests/test_queries.py
holds tighter bounds, with the reason for each, for the pages opened most.)
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sessions import search_index
from sessions.models import Comment, DayTemplate, Mention, TemplateVersion

from . import test_permissions as permissions
from .factories import (
    ActionItemFactory,
    AttendanceFactory,
    DayFactory,
    MemberLogFactory,
    MembershipFactory,
    QuestionFactory,
    ReviewFactory,
    SectionFactory,
    StudyLinkFactory,
    SuggestionFactory,
)
from .test_permissions import ENDPOINTS, GET, _prepare, _send

pytestmark = pytest.mark.django_db

# The permission matrix's world and conftest's cast in it, written once for this module
# too (see test_permissions.world_rows); each test's growth is rolled back after it.
world_rows, cast, world = permissions.world_rows, permissions.cast, permissions.world
team, day, other_team = permissions.team, permissions.day, permissions.other_team
team_admin, team_member, team_observer = (
    permissions.team_admin,
    permissions.team_member,
    permissions.team_observer,
)
team_moderator, as_moderator = permissions.team_moderator, permissions.as_moderator

MAX_QUERIES = 30
# Opened as an admin: pages only their own member may open (OWN) are counted in their
# own modules (tests/test_blog_views.py).
PAGES = [e for e in ENDPOINTS if e.method == GET and e.access != permissions.OWN]


def grow(w, scale: int, offset: int) -> None:
    # One search rebuild per day, at the end, not one per row: the data, not its
    # indexing, is what the test is about.
    with search_index.deferred():
        team, day = w.team, w.day
        members = [MembershipFactory(team=team) for _ in range(2 * scale)]
        for member in members:
            AttendanceFactory(day=day, member=member)
        everyone = list(team.memberships.all())
        for i in range(8 * scale):
            who = everyone[i % len(everyone)]
            SuggestionFactory(day=day, status="accepted")
            question = QuestionFactory(day=day, asked_by=who, answered_by=who, needs_follow_up=True)
            ReviewFactory(day=day, presenters=[who])
            SectionFactory(day=day)
            ActionItemFactory(day=day, owner=who)
            # A comment on the question and one on the day, each answered and naming
            # someone; every other one hidden by an admin.
            for target in (("question", question.pk), ("", None)):
                said = Comment.objects.create(
                    day=day, target_kind=target[0], target_id=target[1], author=who,
                    body=f"@{everyone[0].display_name} 확인 부탁", hidden=i % 2 == 1,
                )  # fmt: skip
                Comment.objects.create(day=day, parent=said, author=everyone[0], body="네")
                Mention.objects.create(comment=said, member=everyone[0])
        for member in members:
            log = MemberLogFactory(day=day, member=member)
            for _ in range(3):
                StudyLinkFactory(log=log)
        for i in range(2 * scale):  # day templates, each edited once
            template = DayTemplate.objects.create(team=team, name=f"템플릿 {offset}-{i}")
            for number in (1, 2):
                TemplateVersion.objects.create(template=template, number=number, sections="## 가")
        start = day.date - datetime.timedelta(days=offset + 10 * scale)
        for i in range(10 * scale):
            DayFactory(team=team, date=start + datetime.timedelta(days=i), number=offset + i)


def count(client, endpoint, w) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = _send(client, endpoint, w)
    assert response.status_code == endpoint.ok, endpoint.name
    return len(queries)


@pytest.mark.parametrize("endpoint", PAGES, ids=[e.name for e in PAGES])
def test_queries_do_not_grow_with_the_data(endpoint, world, as_admin):  # noqa: F811
    _prepare(endpoint, world)
    grow(world, scale=1, offset=100)
    small = count(as_admin, endpoint, world)
    grow(world, scale=4, offset=200)
    large = count(as_admin, endpoint, world)
    assert large <= small, f"{endpoint.name}: {small} queries, then {large} with more data"
    assert large <= MAX_QUERIES


WRITES = ("INSERT", "UPDATE", "DELETE")


@pytest.mark.parametrize("endpoint", PAGES, ids=[e.name for e in PAGES])
def test_opening_a_page_writes_nothing(endpoint, world, as_admin):
    """A GET changes no row: opening the editor, a form or a page is never a save."""
    _prepare(endpoint, world)
    with CaptureQueriesContext(connection) as queries:
        response = _send(as_admin, endpoint, world)
    assert response.status_code == endpoint.ok, endpoint.name
    writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]
    assert writes == [], endpoint.name
