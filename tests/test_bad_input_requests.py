"""Bad input outside the form fields: addresses, query strings, encodings, sizes.

Every URL of the app with each of its parts replaced by something that names nothing
(a date that does not exist, a number no column holds, a NUL byte, another team);
every query string a page reads, given hostile values; bodies that are not UTF-8, too
big, or with too many fields. None of it may answer 500, and a refused post changes
nothing.
"""

import re
import urllib.parse

import pytest
from django.test import Client

from sessions.models import Invitation, PostSource

from . import test_permissions as permissions
from .factories import TeamImageFactory
from .routes import app_routes
from .test_bad_input import WRITES, snapshot

# The team settings body names a webhook host, looked up at each post: never on the network.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("offline_dns")]

# The permission matrix's world (team alpha, its day and items, a moderator) and
# conftest's cast in it, written once for this module too (see its `world_rows`).
world_rows, cast, world = permissions.world_rows, permissions.cast, permissions.world
team, day, other_team = permissions.team, permissions.day, permissions.other_team
team_admin, team_member = permissions.team_admin, permissions.team_member
team_observer, team_moderator = permissions.team_observer, permissions.team_moderator
outsider, as_moderator = permissions.outsider, permissions.as_moderator

NAME_ONLY_POSTS = {"signup"}  # posted by a visitor who is not logged in


# --- every URL, each part replaced ------------------------------------------------------

BAD_PARTS = {
    "int": ["99999999999999999999", "9223372036854775808", "2147483648", "0", "9" * 5000],
    "isodate": [
        "2024-02-30",
        "2024-13-01",
        "0000-00-00",
        "0001-01-01",
        "9999-12-31",
        urllib.parse.quote("٢٠٢٤-٠٣-٠٤"),  # Arabic-Indic digits: \d matches them
    ],
    "slug": ["beta", "a" * 300, "alpha%00", "%FF"],
    "str": ["%00", "%FF%FE", "question%00", urllib.parse.quote("\u202equestion"), "x" * 300],
}
BAD_PARTS["token"] = BAD_PARTS["str"]


def _valid_parts(w) -> dict[str, str]:
    invitation = Invitation.objects.create(team=w.team, role="member")
    image = TeamImageFactory(team=w.team)
    return {
        "team": w.team.slug,
        "date": w.day.date.isoformat(),
        "kind": "question",
        "pk": str(w.items["question"][0].pk),
        "member": str(w.member.pk),
        "year": "2024",
        "month": "3",
        "table": "members",
        "token": invitation.token,
        "key": image.key,
        "ext": image.ext,
        "delivery": "1",
    }


ROUTE_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
ROUTES = [r for r in app_routes() if ROUTE_PARAM.search(r.route)]


def _path(route: str, parts: dict[str, str], bad_name: str, bad_value: str) -> str:
    def fill(match):
        name = match[2]
        return bad_value if name == bad_name else parts[name]

    return "/" + ROUTE_PARAM.sub(fill, route)


def _moved_image(route_name: str, part: str, method: str, response, parts: dict) -> bool:
    """An image's key is the team's alone: asked for under another team's address (the
    team's old one, in a post written before it moved), a member is sent to where the
    image is (sessions/images/views.py), never shown it there."""
    expected = f"/teams/{parts['team']}/images/{parts['key']}.{parts['ext']}"
    return (
        route_name == "image"
        and part == "team"
        and method == "get"
        and response.status_code == 302
        and response["Location"] == expected
    )


@pytest.mark.parametrize("pattern", ROUTES, ids=[p.name for p in ROUTES])
def test_an_address_that_names_nothing_is_404(pattern, world, other_team, as_admin):
    """Each part of each address, replaced: 404 (or 405 for the wrong method), never
    500, and a post to it changes nothing."""
    route = pattern.route
    parts = _valid_parts(world)
    if pattern.name == "calendar_feed":
        parts["token"] = world.admin.calendar_token
    failures = []
    before = snapshot()
    for converter, name in ROUTE_PARAM.findall(route):
        for value in BAD_PARTS[converter or "str"]:
            path = _path(route, parts, name, value)
            for method in ("get", "post"):
                try:
                    response = getattr(as_admin, method)(path)
                except Exception as exc:
                    failures.append(f"{method} {path[:120]}: {type(exc).__name__}: {exc}"[:300])
                    continue
                if _moved_image(pattern.name, name, method, response, parts):
                    continue
                if response.status_code not in (400, 404, 405):
                    failures.append(f"{method} {path[:120]}: {response.status_code}")
    assert not failures, "\n".join(failures)
    assert snapshot() == before  # none of it changed anything


def test_a_date_that_does_not_exist_in_a_day_address_is_404(world, as_admin):
    for date in ["2024-02-30", "2023-02-29", "0000-00-00", "2024-00-10", "99999-01-01"]:
        assert as_admin.get(f"/teams/alpha/days/{date}/").status_code == 404, date
        assert as_admin.get(f"/teams/alpha/weeks/{date}/").status_code == 404, date


def test_a_number_no_column_holds_is_404(world, as_admin):
    for number in ["99999999999999999999", "9223372036854775808", "2147483648"]:
        item = f"/teams/alpha/days/2024-03-04/items/question/{number}/"
        assert as_admin.get(item).status_code == 404
        assert as_admin.post(item + "edit/", {"question": "x", "version": "1"}).status_code == 404
        assert as_admin.get(f"/teams/alpha/members/{number}/").status_code == 404
        assert as_admin.get(f"/teams/alpha/days/{number}/").status_code == 404
        assert as_admin.get(f"/teams/alpha/days/2024/{number}/").status_code == 404


# --- query strings ----------------------------------------------------------------------

# What each page reads from its query string (grep request.GET and the GET forms).
QUERY_PARAMS = {
    "search": ["q", "kind", "tag", "member", "from", "to", "follow_up", "sort", "page"],
    "archive": ["page"],
    "day_create": ["date"],
    "schedule": ["date"],
    "decisions": ["status", "page"],
    "follow_ups": ["owner", "kind", "state", "page"],
    "stats": ["from", "to"],
    "member_stats": ["from", "to"],
    "stats_csv": ["from", "to", "member"],
    "reviews_suggest": ["cancel"],
    "item_create": ["cancel"],
    "log_edit": ["view"],
    "day_history": ["page"],
    "signup": ["next"],
}

# Raw query-string values: percent-encoded as a browser (or a script) would send them.
BAD_QUERY_VALUES = [
    "%00",
    "a%00b",
    "%FF%FE",  # not UTF-8
    "%C3%28",  # a broken two-byte sequence
    urllib.parse.quote("이름\u202etxt.exe"),
    "2024-02-30",
    "99999-01-01",
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "99999999999999999999",
    "9" * 5000,  # more digits than int() reads
    "-1",
    urllib.parse.quote("²"),  # a digit to str.isdigit(), not to int()
    "x" * 10_000,
]


def _get_url(name: str, parts: dict[str, str]) -> str:
    route = next(r.route for r in app_routes() if r.name == name)
    return "/" + ROUTE_PARAM.sub(lambda m: parts[m[2]], route)


@pytest.mark.parametrize("name", list(QUERY_PARAMS))
def test_a_hostile_query_string_is_never_a_500(name, world, as_admin):
    parts = _valid_parts(world)
    client = Client() if name in NAME_ONLY_POSTS else as_admin
    url = _get_url(name, parts)
    if name == "stats_csv":
        url = url.replace("members.csv", "member-weeks.csv")
    client.get(url)  # a first visit may do its bookkeeping (the editor's attendance rows)
    before = snapshot()
    failures = []
    for param in QUERY_PARAMS[name]:
        for value in BAD_QUERY_VALUES:
            try:
                response = client.get(f"{url}?{param}={value}")
            except Exception as exc:
                failures.append(f"{param}={value[:40]}: {type(exc).__name__}: {exc}"[:300])
                continue
            if response.status_code >= 500:
                failures.append(f"{param}={value[:40]}: {response.status_code}")
    assert not failures, "\n".join(failures)
    assert snapshot() == before  # reading changes nothing


def test_a_raw_byte_in_the_query_string_is_never_a_500(world, as_admin):
    """Bytes that are not UTF-8, sent unencoded (WSGI hands them over as latin-1)."""
    for raw in ["q=\xff\xfe", "q=a\x00b", "\xff=1"]:
        response = as_admin.get("/teams/alpha/search/", QUERY_STRING=raw)
        assert response.status_code in (200, 400), raw


def test_search_refuses_a_nul_byte_beside_the_field(world, as_admin, english):
    response = as_admin.get("/teams/alpha/search/?q=a%00b")
    assert response.status_code == 200
    assert "q" in response.context["form"].errors
    assert response.context["result"] is None


def test_a_query_string_that_is_not_utf8_is_refused(world, as_admin):
    """Django would turn the bytes into U+FFFD and search for that; say it is wrong."""
    assert as_admin.get("/teams/alpha/search/?q=%FF%FE").status_code == 400
    assert as_admin.get("/teams/alpha/search/?q=%ED%95%9C").status_code == 200  # 한


# --- bodies that are not UTF-8 ----------------------------------------------------------


def test_the_utf8_check_is_installed(settings):
    """sessions.middleware.RequireUtf8Middleware answers the 400s below; before anything
    reads request.POST (CSRF reads it in process_view, after every middleware's call)."""
    assert "sessions.middleware.RequireUtf8Middleware" in settings.MIDDLEWARE


def _encoded(body: dict, field: str, raw: bytes) -> bytes:
    """The body urlencoded, with `field`'s value replaced by `raw` bytes as they are."""
    pairs = []
    for name, value in body.items():
        values = value if isinstance(value, list) else [value]
        for v in values:
            key = urllib.parse.quote_plus(name).encode()
            if name == field:
                pairs.append(key + b"=" + raw)
            else:
                pairs.append(key + b"=" + urllib.parse.quote_plus(str(v)).encode())
    return b"&".join(pairs)


URLENCODED = "application/x-www-form-urlencoded"
RAW_BODIES = [b"%FF%FE", b"\xff\xfe", b"ok%C3%28", b"\xed\xa0\x80"]  # the last: a surrogate
FORM_WRITES = [e for e in WRITES if e.name not in ("import",)]


@pytest.mark.parametrize("endpoint", FORM_WRITES, ids=[e.name for e in FORM_WRITES])
def test_a_body_that_is_not_utf8_is_refused_with_400(endpoint, world, as_admin):
    from .test_permissions import _prepare

    _prepare(endpoint, world)
    client = Client() if endpoint.name in NAME_ONLY_POSTS else as_admin
    url = endpoint.url(world)
    valid = endpoint.body(world)
    before = snapshot()
    failures = []
    for field in [*valid][:4]:  # the first few fields: the check is on the whole body
        for raw in RAW_BODIES:
            try:
                response = client.post(url, _encoded(valid, field, raw), content_type=URLENCODED)
            except Exception as exc:
                failures.append(f"{field}={raw!r}: {type(exc).__name__}: {exc}"[:300])
                continue
            if response.status_code != 400:
                failures.append(f"{field}={raw!r}: {response.status_code}")
    assert not failures, "\n".join(failures)
    assert snapshot() == before


def test_proposal_of_broken_bytes_saves_nothing(world, as_admin):
    url = f"/teams/alpha/days/{world.day.date}/items/suggestion/new/"
    before = snapshot()
    response = as_admin.post(url, b"proposal=%FF%FE&status=proposed", content_type=URLENCODED)
    assert response.status_code == 400
    assert snapshot() == before


def test_a_utf8_body_still_saves(world, as_admin):
    """The encoding check passes what browsers send: UTF-8, percent-encoded or not."""
    url = f"/teams/alpha/days/{world.day.date}/items/suggestion/new/"
    body = "proposal=" + urllib.parse.quote("한글 제안 ✓") + "&status=proposed&version=1"
    response = as_admin.post(url, body.encode(), content_type=URLENCODED)
    assert response.status_code == 200
    assert world.day.suggestions.filter(proposal="한글 제안 ✓").exists()


def _multipart(fields: list[tuple[bytes, bytes]], files: list[tuple[bytes, bytes, bytes]]):
    boundary = b"----studylog-bad-input"
    chunks = []
    for name, value in fields:
        chunks += [b"--" + boundary, b'Content-Disposition: form-data; name="' + name + b'"', b""]
        chunks.append(value)
    for name, filename, data in files:
        disposition = b'Content-Disposition: form-data; name="%s"; filename="%s"' % (
            name,
            filename,
        )
        chunks += [b"--" + boundary, disposition, b"Content-Type: text/markdown", b"", data]
    chunks += [b"--" + boundary + b"--", b""]
    return b"\r\n".join(chunks), "multipart/form-data; boundary=" + boundary.decode()


@pytest.mark.parametrize(
    ("fields", "files"),
    [
        ([(b"author", b"\xff\xfe")], [(b"files", b"post.md", b"---\ndate: 2024-03-05\n---\n")]),
        ([(b"author", b"")], [(b"files", b"\xff\xfe.md", b"---\ndate: 2024-03-05\n---\n")]),
        ([(b"author", b"")], [(b"files", b"a\x00b.md", b"---\ndate: 2024-03-05\n---\n")]),
        ([(b"author", b"")], [(b"files", b"post.md", b"---\ndate: 2024-03-05\n---\n\xff\xfe")]),
        ([(b"\xff", b"1")], [(b"files", b"post.md", b"\x00\x01\x02")]),
    ],
    ids=["field", "filename", "nul-filename", "content", "field-name"],
)
def test_an_import_upload_with_broken_bytes_is_refused_or_reported(fields, files, world, as_admin):
    body, content_type = _multipart(fields, files)
    before = snapshot()
    response = as_admin.post("/teams/alpha/import/", body, content_type=content_type)
    assert response.status_code in (200, 400)
    if response.status_code == 200 and response.context.get("report"):
        report = response.context["report"]
        imported = [r for r in report.results if r.status == "imported"]
        if imported:
            # A NUL in the name is dropped by the upload parser; the post itself (front
            # matter only) is a day, kept under a name with no control character in it.
            assert [r.name for r in imported] == ["ab.md"]
            assert list(PostSource.objects.values_list("filename", flat=True)) == ["ab.md"]
            return
    assert snapshot() == before


# --- sizes ------------------------------------------------------------------------------


def test_a_body_over_the_upload_limit_is_400(world, as_admin, settings):
    url = f"/teams/alpha/days/{world.day.date}/items/suggestion/new/"
    size = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1
    before = snapshot()
    body = b"status=proposed&version=1&proposal=" + b"x" * size
    response = as_admin.post(url, body, content_type=URLENCODED)
    assert response.status_code == 400
    assert snapshot() == before


def test_a_megabyte_field_is_a_form_error(world, as_admin):
    url = f"/teams/alpha/days/{world.day.date}/items/suggestion/new/"
    before = snapshot()
    response = as_admin.post(url, {"proposal": "x" * 1024 * 1024, "status": "proposed"})
    assert response.status_code == 422
    assert "proposal" in response.context["form"].errors
    assert snapshot() == before


def test_too_many_fields_is_400(world, as_admin, settings):
    url = f"/teams/alpha/days/{world.day.date}/log/"
    count = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1
    body = "&".join(f"f{i}=1" for i in range(count)) + "&retrospective=x&visibility=team"
    before = snapshot()
    response = as_admin.post(url, body.encode(), content_type=URLENCODED)
    assert response.status_code == 400
    assert snapshot() == before
