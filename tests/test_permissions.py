"""Who may open what: every team URL for anonymous, outsider, observer, member and admin.

The matrix below is the whole policy in one place. Each row names an endpoint, its
method, how to build its URL and a valid request body, and the least role that may
use it:

    READ   every active member, observers included
    WRITE  members and admins; observers get 403
    ADMIN  admins only; members and observers get 403

Anonymous users are always sent to log in and people outside the team always get
404. A denied request must leave every row of the database as it was; an allowed
write must change something (so a "denial" that silently succeeds cannot pass).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.urls import resolve, reverse

from sessions.models import Attendance, Membership, Question
from sessions.urls import urlpatterns

from .factories import (
    DayFactory,
    MembershipFactory,
    QuestionFactory,
    ReviewFactory,
    SectionFactory,
    SuggestionFactory,
)

pytestmark = pytest.mark.django_db

READ, WRITE, ADMIN = "read", "write", "admin"
LOGIN_PREFIX = "/accounts/login/"

ITEM_FACTORIES = {
    "suggestion": SuggestionFactory,
    "review": ReviewFactory,
    "question": QuestionFactory,
    "section": SectionFactory,
}

# A valid new item of each kind, as its form posts it.
ITEM_FIELDS = {
    "suggestion": {
        "proposal": "새 건의사항",
        "discussion": "",
        "outcome": "",
        "status": "proposed",
    },
    "review": {"assignment": "과제 9", "topic": "", "notes": ""},
    "question": {"question": "새 질문입니다", "answer": "", "links": ""},
    "section": {"heading": "새 섹션", "body": "본문"},
}


# --- the world every row runs against -------------------------------------------------


@pytest.fixture
def world(team, day, team_admin, team_member, team_observer, outsider):
    """Team "alpha" with day 1 holding two items of every kind, a name-only member,
    and team "beta" (the outsider's) next door."""
    items = {kind: [make(day=day), make(day=day)] for kind, make in ITEM_FACTORIES.items()}
    return SimpleNamespace(
        team=team,
        day=day,
        items=items,
        admin=team_admin.memberships.get(),
        member=team_member.memberships.get(),
        observer=team_observer.memberships.get(),
        name_only=MembershipFactory(team=team, user=None, display_name="정이름"),
    )


def snapshot() -> dict:
    """Every row of every Studylog table, and the users: what "unchanged" compares."""
    models = [*apps.get_app_config("peer").get_models(), get_user_model()]
    return {m._meta.label: list(m.objects.order_by("pk").values()) for m in models}


# --- URL and body builders -------------------------------------------------------------


def team_url(name: str, **extra) -> Callable:
    return lambda w: reverse(f"peer:{name}", kwargs={"team": w.team.slug, **extra})


def day_url(name: str, **extra) -> Callable:
    return lambda w: reverse(
        f"peer:{name}", kwargs={"team": w.team.slug, "date": w.day.date, **extra}
    )


def item_url(name: str, kind: str) -> Callable:
    def build(w):
        kwargs = {"team": w.team.slug, "date": w.day.date, "kind": kind}
        if name not in ("item_list", "item_create"):
            kwargs["pk"] = w.items[kind][1].pk  # the second, so "move up" has somewhere to go
        return reverse(f"peer:{name}", kwargs=kwargs)

    return build


def member_edit_url(w) -> str:
    return reverse("peer:member_edit", kwargs={"team": w.team.slug, "member": w.member.pk})


def member_day_url(w) -> str:
    return reverse(
        "peer:member_day", kwargs={"team": w.team.slug, "date": w.day.date, "member": w.member.pk}
    )


def settings_body(w) -> dict:
    return {"name": "알파팀 새이름", "slug": w.team.slug, "course": "boostcourse", "language": "ko"}


def add_member_body(w) -> dict:
    return {
        "add-display_name": "새멤버",
        "add-role": "member",
        "add-is_active": "on",
        "add-rotation_order": "9",
    }


def member_edit_body(w) -> dict:
    return {"display_name": "이멤버", "role": "member", "is_active": "on", "rotation_order": "42"}


def new_day_body(w) -> dict:
    return {"date": "2024-03-05", "number": "2", "moderator": "", "title": "", "tags": ""}


def session_body(w) -> dict:
    rows = list(Attendance.objects.filter(day=w.day).order_by("pk"))
    data = {
        "date": w.day.date.isoformat(),
        "number": str(w.day.number),
        "moderator": str(w.admin.pk),
        "title": "새 제목",
        "tags": "",
        "version": str(w.day.version),
        "attendance-TOTAL_FORMS": str(len(rows)),
        "attendance-INITIAL_FORMS": str(len(rows)),
        "attendance-MIN_NUM_FORMS": "0",
        "attendance-MAX_NUM_FORMS": "200",
    }
    for i, row in enumerate(rows):
        data |= {f"attendance-{i}-id": str(row.pk), f"attendance-{i}-status": "late"}
    return data


def log_body(w) -> dict:
    return {
        "retrospective": "오늘의 회고",
        "visibility": "team",
        "version": "0",
        "links-TOTAL_FORMS": "1",
        "links-INITIAL_FORMS": "0",
        "links-MIN_NUM_FORMS": "0",
        "links-MAX_NUM_FORMS": "30",
        "links-0-title": "강의",
        "links-0-url": "https://example.com/lecture",
        "links-0-color": "blue",
    }


def item_body(kind: str) -> Callable:
    # The version the editor loaded; a new item ignores it.
    return lambda w: {**ITEM_FIELDS[kind], "version": "1"}


def version_body(w) -> dict:
    return {"version": "1"}


# --- the matrix ------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str  # GET or POST
    url: Callable  # world -> URL
    access: str  # the least role that may use it: READ, WRITE or ADMIN
    body: Callable | None = None  # world -> a valid POST body
    ok: int = 200  # the status an allowed user gets
    writes: bool = False  # an allowed request changes the database


GET, POST = "get", "post"
T, D = team_url, day_url


def preview_body(w) -> dict:
    return {"content": "*a*"}


def invitation_body(w) -> dict:
    return {"role": "member", "member": str(w.name_only.pk)}


def move_up_body(w) -> dict:
    return {"direction": "up"}


# Previewing changes nothing and only renders markdown, so any member of the team may
# use it (observers included); outsiders and anonymous users are refused. Uploads are
# switched off: a writer gets past the access check and then a 400.
# fmt: off
TEAM_ROWS = [
    # name              method URL                      who may body            ok  writes
    ("team-home",         GET,  T("team"),              READ),
    ("settings-form",     GET,  T("team_settings"),     ADMIN),
    ("settings",          POST, T("team_settings"),     ADMIN, settings_body,   302, True),
    ("members",           GET,  T("members"),           READ),
    ("members-add",       POST, T("members"),           ADMIN, add_member_body, 302, True),
    ("member-edit-form",  GET,  member_edit_url,        ADMIN),
    ("member-edit",       POST, member_edit_url,        ADMIN, member_edit_body, 302, True),
    ("invitation-create", POST, T("invitation_create"), ADMIN, invitation_body, 302, True),
    ("preview",           POST, T("markdown_preview"),  READ,  preview_body,    200),
    ("upload",            POST, T("markdown_upload"),   WRITE, None,            400),
    ("archive",           GET,  T("archive"),           READ),
    ("day-create-form",   GET,  T("day_create"),        WRITE),
    ("day-create",        POST, T("day_create"),        WRITE, new_day_body,    302, True),
    ("day-record",        GET,  D("day"),               READ),
    ("member-record",     GET,  member_day_url,         READ),
    ("day-edit",          GET,  D("day_edit"),          WRITE),
    ("day-delete",        POST, D("day_delete"),        ADMIN, None,            302, True),
    ("state",             GET,  D("day_state"),         READ),
    ("session-panel",     GET,  D("session"),           READ),
    ("session-edit-form", GET,  D("session_edit"),      WRITE),
    ("session-edit",      POST, D("session_edit"),      WRITE, session_body,    200, True),
    ("log-edit-form",     GET,  D("log_edit"),          WRITE),
    ("log-edit",          POST, D("log_edit"),          WRITE, log_body,        200, True),
]


def item_rows(k: str) -> list[tuple]:
    """The same eight rows for every kind of item (suggestion, review, question…)."""
    return [
        (f"{k}-list",         GET,  item_url("item_list", k),   READ),
        (f"{k}-detail",       GET,  item_url("item", k),        READ),
        (f"{k}-create-form",  GET,  item_url("item_create", k), WRITE),
        (f"{k}-create",       POST, item_url("item_create", k), WRITE, item_body(k),  200, True),
        (f"{k}-edit-form",    GET,  item_url("item_edit", k),   WRITE),
        (f"{k}-edit",         POST, item_url("item_edit", k),   WRITE, item_body(k),  200, True),
        (f"{k}-delete",       POST, item_url("item_delete", k), WRITE, version_body,  200, True),
        (f"{k}-move",         POST, item_url("item_move", k),   WRITE, move_up_body,  200, True),
    ]
# fmt: on


ENDPOINTS = [
    Endpoint(*row) for row in [*TEAM_ROWS, *(row for k in ITEM_FACTORIES for row in item_rows(k))]
]

ROLE_MAY = {
    "observer": {READ},
    "member": {READ, WRITE},
    "admin": {READ, WRITE, ADMIN},
}


def _send(client, endpoint: Endpoint, w):
    url = endpoint.url(w)
    if endpoint.method == GET:
        return client.get(url)
    body = endpoint.body(w) if endpoint.body else {}
    return client.post(url, body)


matrix = pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])


def test_matrix_covers_every_team_url():
    """A new team URL must get a row here before it can ship."""
    team_urls = {p.name for p in urlpatterns if "<slug:team>" in str(p.pattern)}
    covered = set()
    world = SimpleNamespace(
        team=SimpleNamespace(slug="alpha"),
        day=SimpleNamespace(date=datetime.date(2024, 3, 4)),
        items={kind: [SimpleNamespace(pk=1), SimpleNamespace(pk=2)] for kind in ITEM_FACTORIES},
        member=SimpleNamespace(pk=3),
    )
    for endpoint in ENDPOINTS:
        covered.add(resolve(endpoint.url(world)).url_name)
    assert covered == team_urls


@matrix
def test_anonymous_is_sent_to_log_in(endpoint, world, anon):
    before = snapshot()
    response = _send(anon, endpoint, world)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_PREFIX)
    assert snapshot() == before


@matrix
def test_outsider_gets_404(endpoint, world, as_outsider):
    before = snapshot()
    response = _send(as_outsider, endpoint, world)
    assert response.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("role", ["observer", "member", "admin"])
@matrix
def test_team_roles(endpoint, role, world, request):
    client = request.getfixturevalue(f"as_{role}")
    before = snapshot()
    response = _send(client, endpoint, world)
    if endpoint.access in ROLE_MAY[role]:
        assert response.status_code == endpoint.ok, response.content[:500]
        if endpoint.writes:
            assert snapshot() != before, "an allowed write changed nothing"
    else:
        assert response.status_code == 403
        assert snapshot() == before


# --- addressing other teams' rows through this team's URLs ---------------------------


@pytest.fixture
def beta_day(other_team, outsider, world):
    """Beta's day on the same date as alpha's, with one item of every kind."""
    day = DayFactory(team=other_team, date=world.day.date, number=1)
    day.beta_items = {kind: make(day=day) for kind, make in ITEM_FACTORIES.items()}
    return day


@pytest.mark.parametrize("kind", list(ITEM_FACTORIES))
@pytest.mark.parametrize(
    ("view", "method", "body"),
    [
        ("item", "get", None),
        ("item_edit", "get", None),
        ("item_edit", "post", "edit"),
        ("item_delete", "post", {"version": "1"}),
        ("item_move", "post", {"direction": "down"}),
    ],
)
def test_another_teams_item_through_this_teams_url_is_404(
    kind, view, method, body, world, beta_day, as_admin
):
    foreign = beta_day.beta_items[kind]
    url = reverse(
        f"peer:{view}",
        kwargs={"team": "alpha", "date": world.day.date, "kind": kind, "pk": foreign.pk},
    )
    before = snapshot()
    if method == "get":
        response = as_admin.get(url)
    else:
        data = {**ITEM_FIELDS[kind], "version": "1"} if body == "edit" else body
        response = as_admin.post(url, data)
    assert response.status_code == 404
    assert snapshot() == before


def test_another_teams_day_through_this_teams_url_is_404(world, other_team, as_admin):
    beta_only = DayFactory(team=other_team, date=datetime.date(2024, 5, 1), number=7)
    for name in ["day", "day_edit", "day_state", "session", "log_edit"]:
        url = reverse(f"peer:{name}", kwargs={"team": "alpha", "date": beta_only.date})
        assert as_admin.get(url).status_code == 404, name
    before = snapshot()
    url = reverse("peer:day_delete", kwargs={"team": "alpha", "date": beta_only.date})
    assert as_admin.post(url).status_code == 404
    assert snapshot() == before


def test_another_teams_member_through_this_teams_url_is_404(world, outsider, as_admin):
    foreign = outsider.memberships.get()
    edit = reverse("peer:member_edit", kwargs={"team": "alpha", "member": foreign.pk})
    record = reverse(
        "peer:member_day", kwargs={"team": "alpha", "date": world.day.date, "member": foreign.pk}
    )
    before = snapshot()
    assert as_admin.get(edit).status_code == 404
    assert (
        as_admin.post(edit, member_edit_body(world) | {"display_name": "탈취"}).status_code == 404
    )
    assert as_admin.get(record).status_code == 404
    assert snapshot() == before


def test_a_reviewer_cannot_pick_another_teams_member(world, outsider, as_member):
    """Member pickers only accept the team's own members: 422, nothing saved."""
    url = item_url("item_create", "question")(world)
    before = snapshot()
    body = {**ITEM_FIELDS["question"], "asked_by": str(outsider.memberships.get().pk)}
    response = as_member.post(url, body)
    assert response.status_code == 422
    assert snapshot() == before


@pytest.mark.parametrize(
    "path",
    [
        "/teams/alpha/days/2026-02-31/",
        "/teams/alpha/days/2026-02-31/edit/",
        "/teams/alpha/days/2026-02-31/state/",
        "/teams/alpha/days/2026-13-01/",
        "/teams/alpha/days/2026-02-31/items/question/",
    ],
)
def test_a_date_that_does_not_exist_is_404(path, world, as_admin):
    assert as_admin.get(path).status_code == 404


def test_an_unknown_kind_of_item_is_404(world, as_admin):
    url = reverse(
        "peer:item_list", kwargs={"team": "alpha", "date": world.day.date, "kind": "bogus"}
    )
    assert as_admin.get(url).status_code == 404


def test_an_unknown_team_is_404(world, as_admin):
    assert as_admin.get(reverse("peer:team", kwargs={"team": "nope"})).status_code == 404


def test_a_deactivated_member_is_an_outsider(world, as_member):
    Membership.objects.filter(pk=world.member.pk).update(is_active=False)
    before = snapshot()
    assert as_member.get(reverse("peer:team", kwargs={"team": "alpha"})).status_code == 404
    url = item_url("item_create", "question")(world)
    assert as_member.post(url, ITEM_FIELDS["question"]).status_code == 404
    assert snapshot() == before


def test_the_outsider_is_welcome_in_their_own_team(world, other_team, as_outsider):
    """The 404s above come from membership, not from the outsider's account being broken."""
    assert as_outsider.get(reverse("peer:team", kwargs={"team": "beta"})).status_code == 200


def test_an_item_list_shows_only_this_teams_items(world, beta_day, as_member):
    """The item list through alpha's URL shows alpha's items only."""
    url = item_url("item_list", "question")(world)
    content = as_member.get(url).content.decode()
    for question in world.items["question"]:
        assert f'id="question-{question.pk}"' in content
    assert f'id="question-{beta_day.beta_items["question"].pk}"' not in content
    assert Question.objects.filter(day=beta_day).count() == 1
