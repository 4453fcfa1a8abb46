"""Who may call what in the HTTP API: every endpoint for no token, an outsider's token,
and the tokens of the team's observer, member, the day's moderator and admin.

The same policy as the pages (tests/test_permissions.py, whose world this module uses):
READ for every active member, WRITE for members and admins (observers 403), MODERATOR
for the day's moderator and admins. ANY: any valid token (the caller's own teams, a
health check). No token is 401; an outsider's token 404. A denied request changes no
row (token use times aside); an allowed write changes one. A new endpoint without a row
here fails `test_the_matrix_covers_every_endpoint`.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from sessions.api import api
from sessions.models import MemberLog, Question

from . import test_permissions as permissions
from .api_helpers import ApiClient, token_for
from .rows import every_row
from .test_permissions import ITEM_FACTORIES, ITEM_FIELDS, MODERATED

pytestmark = pytest.mark.django_db

world_rows, cast, world = permissions.world_rows, permissions.cast, permissions.world
team, day, other_team, outsider = (
    permissions.team,
    permissions.day,
    permissions.other_team,
    permissions.outsider,
)
team_admin, team_member, team_observer, team_moderator = (
    permissions.team_admin,
    permissions.team_member,
    permissions.team_observer,
    permissions.team_moderator,
)

ANY, READ, WRITE, MODERATOR = "any", "read", "write", "moderator"
GET, POST, PATCH, DELETE = "get", "post", "patch", "delete"
ROLE_MAY = {
    "observer": {ANY, READ},
    "member": {ANY, READ, WRITE},
    "moderator": {ANY, READ, WRITE, MODERATOR},
    "admin": {ANY, READ, WRITE, MODERATOR},
}


@dataclass(frozen=True)
class Call:
    name: str
    method: str
    template: str  # as the OpenAPI schema names the path
    path: Callable  # world -> the path under /api/v1
    access: str
    body: Callable | None = None
    ok: int = 200
    writes: bool = False
    prepare: Callable | None = None


def day_path(rest: str = "") -> Callable:
    return lambda w: f"/teams/{w.team.slug}/days/{w.day.date.isoformat()}{rest}"


def every_member_has_a_log(w) -> None:
    for member in w.team.memberships.all():
        MemberLog.objects.get_or_create(day=w.day, member=member)


def open_follow_up(w) -> None:
    Question.objects.filter(pk=w.items["question"][0].pk).update(needs_follow_up=True)


def item_calls(kind: str) -> list[Call]:
    who = MODERATOR if kind in MODERATED else WRITE
    base = "/api/v1/teams/{team}/days/{date}/items/{kind}"
    fields = {k: v for k, v in ITEM_FIELDS[kind].items() if v != ""}

    def one(w) -> str:
        return f"{day_path('/items/' + kind)(w)}/{w.items[kind][1].pk}"

    create, update = (lambda w: fields), (lambda w: {**fields, "version": 1})
    return [
        Call(f"{kind}-create", POST, base, day_path(f"/items/{kind}"), who, create, 201, True),
        Call(f"{kind}-update", PATCH, base + "/{pk}", one, who, update, 200, True),
        Call(f"{kind}-delete", DELETE, base + "/{pk}", lambda w: one(w) + "?version=1", who,
             None, 200, True),
    ]  # fmt: skip


P = "/api/v1"
CALLS = [
    Call("ping", GET, P + "/ping", lambda w: "/ping", ANY),
    Call("teams", GET, P + "/teams", lambda w: "/teams", ANY),
    Call("days", GET, P + "/teams/{team}/days", lambda w: f"/teams/{w.team.slug}/days", READ),
    Call("day", GET, P + "/teams/{team}/days/{date}", day_path(), READ),
    Call("my-log", GET, P + "/teams/{team}/days/{date}/log", day_path("/log"), READ,
         prepare=every_member_has_a_log),
    Call("search", GET, P + "/teams/{team}/search", lambda w: f"/teams/{w.team.slug}/search?q=x",
         READ),
    Call("follow-ups", GET, P + "/teams/{team}/follow-ups",
         lambda w: f"/teams/{w.team.slug}/follow-ups", READ),
    Call("resolve", POST, P + "/teams/{team}/follow-ups/{kind}/{pk}/resolve",
         lambda w: f"/teams/{w.team.slug}/follow-ups/question/{w.items['question'][0].pk}/resolve",
         WRITE, lambda w: {"resolution": "찾았다"}, 200, True, open_follow_up),
    *(call for kind in ITEM_FACTORIES for call in item_calls(kind)),
]  # fmt: skip

matrix = pytest.mark.parametrize("call", CALLS, ids=[c.name for c in CALLS])


def test_the_matrix_covers_every_endpoint():
    schema = api.get_openapi_schema()
    endpoints = {(path, method) for path, ops in schema["paths"].items() for method in ops}
    assert {(c.template, c.method) for c in CALLS} == endpoints


def _send(client: ApiClient, call: Call, w):
    path = call.path(w)
    if call.method == GET:
        return client.get(path)
    if call.method == DELETE:
        return client.delete(path)
    return client.send(call.method, path, call.body(w) if call.body else None)


def _rows() -> dict:
    rows = every_row()
    rows.pop("peer.ApiToken")  # a token's last use is written by every call it makes
    return rows


def _prepare(call: Call, w) -> None:
    if call.prepare is not None:
        call.prepare(w)


@matrix
def test_no_token_is_401(call, world):
    _prepare(call, world)
    before = _rows()
    response = _send(ApiClient(), call, world)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    assert _rows() == before


@matrix
def test_an_outsiders_token_is_404(call, world, outsider):
    _prepare(call, world)
    before = _rows()
    response = _send(ApiClient(token_for(outsider)), call, world)
    if call.access == ANY:
        assert response.status_code == call.ok
    else:
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
        assert _rows() == before


@pytest.mark.parametrize("role", list(ROLE_MAY))
@matrix
def test_team_roles(call, role, world, request):
    user = request.getfixturevalue(f"team_{role}")
    _prepare(call, world)
    before = _rows()
    response = _send(ApiClient(token_for(user)), call, world)
    if call.access in ROLE_MAY[role]:
        assert response.status_code == call.ok, response.content[:500]
        if call.writes:
            assert _rows() != before, "an allowed write changed nothing"
    else:
        assert response.status_code == 403, response.content[:300]
        assert response.json()["code"] == "forbidden"
        assert _rows() == before
