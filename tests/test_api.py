"""The HTTP API (sessions/api): tokens, reading days, writing items with the editor's
version check, search and follow-ups, errors as JSON, ETags, cursors and the rate limit."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sessions.api.auth import parse_rate
from sessions.models import ApiToken, Day, Membership, Question, Revision

from .api_helpers import ApiClient, token_for
from .factories import (
    DayFactory,
    MemberLogFactory,
    QuestionFactory,
    SuggestionFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db

DATE = "2024-03-04"


@pytest.fixture
def member_api(team_member):
    return ApiClient(token_for(team_member))


@pytest.fixture
def question(day):
    return QuestionFactory(day=day, question="왜 Adam인가요?", answer="", links="")


# Tokens ------------------------------------------------------------------------------


def test_no_token_or_a_wrong_one_is_401_as_json(day):
    for client in (ApiClient(), ApiClient("slg_nope"), ApiClient("x" * 500)):
        response = client.get("/teams")
        assert response.status_code == 401
        assert response.json()["code"] == "unauthorized"


def test_a_token_is_kept_as_a_digest_and_records_its_use(team_member, day):
    secret = token_for(team_member)
    token = ApiToken.objects.get()
    assert secret.startswith("slg_") and secret not in (token.digest, token.shown)
    assert secret.startswith(token.shown)
    assert token.last_used_at is None
    assert ApiClient(secret).get("/teams").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_revoked_token_or_an_inactive_account_is_refused(team_member, day):
    secret = token_for(team_member)
    ApiToken.objects.get().revoke()
    assert ApiClient(secret).get("/teams").status_code == 401
    other = token_for(team_member)
    team_member.is_active = False
    team_member.save()
    assert ApiClient(other).get("/teams").status_code == 401


def test_the_session_cookie_is_not_a_token(as_member, day):
    assert as_member.get("/api/v1/teams").status_code == 401


# Reading ------------------------------------------------------------------------------


def test_my_teams(member_api, team, other_team):
    (row,) = member_api.get("/teams").json()["teams"]
    assert row["slug"] == "alpha" and row["role"] == "member" and row["me"]["name"] == "이멤버"


def test_a_day_with_every_item(member_api, day, question):
    SuggestionFactory(day=day, proposal="회의록은 당일에")
    data = member_api.get(f"/teams/alpha/days/{DATE}").json()
    assert data["date"] == DATE and data["number"] == 1
    (q,) = data["items"]["question"]
    assert q["id"] == question.pk and q["question"] == "왜 Adam인가요?" and q["version"] == 1
    assert data["items"]["suggestion"][0]["proposal"] == "회의록은 당일에"
    assert {a["member"]["name"] for a in data["attendance"]} == {"김관리", "이멤버"}


def test_reads_carry_an_etag_and_answer_304_to_it(member_api, day, question):
    first = member_api.get(f"/teams/alpha/days/{DATE}")
    tag = first["ETag"]
    again = member_api.get(f"/teams/alpha/days/{DATE}", HTTP_IF_NONE_MATCH=tag)
    assert again.status_code == 304 and again.content == b""
    Question.objects.filter(pk=question.pk).update(answer="바뀐 답")
    changed = member_api.get(f"/teams/alpha/days/{DATE}", HTTP_IF_NONE_MATCH=tag)
    assert changed.status_code == 200 and changed["ETag"] != tag


def test_days_come_a_page_at_a_time_by_cursor(member_api, team, day):
    for n in range(2, 8):
        DayFactory(team=team, date=datetime.date(2024, 3, 4) + datetime.timedelta(days=n), number=n)
    seen, cursor = [], ""
    while True:
        page = member_api.get(f"/teams/alpha/days?limit=3&cursor={cursor}").json()
        seen += [d["date"] for d in page["days"]]
        if page["next"] is None:
            break
        cursor = page["next"]
    assert seen == sorted(seen, reverse=True) and len(seen) == len(set(seen)) == 7
    ranged = member_api.get("/teams/alpha/days?date_from=2024-03-06&date_to=2024-03-08").json()
    assert [d["date"] for d in ranged["days"]] == ["2024-03-08", "2024-03-07", "2024-03-06"]


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=101", "cursor=%%%", "cursor=Zm9v", "date_from=3월"]
)
def test_a_bad_listing_is_422_as_json(member_api, day, query):
    response = member_api.get(f"/teams/alpha/days?{query}")
    assert response.status_code == 422
    assert response.json()["code"] in ("invalid", "invalid_cursor")


def test_my_log(member_api, team_member, day):
    MemberLogFactory(day=day, member=team_member.memberships.get(), retrospective="오늘 회고")
    assert member_api.get(f"/teams/alpha/days/{DATE}/log").json()["retrospective"] == "오늘 회고"


# Writing ------------------------------------------------------------------------------


def test_add_change_and_delete_a_question(member_api, day, team_admin):
    admin = team_admin.memberships.get()
    made = member_api.post(
        f"/teams/alpha/days/{DATE}/items/question",
        {"question": "dropout은 어디에?", "asked_by": admin.pk, "needs_follow_up": True},
    )
    assert made.status_code == 201, made.content
    item = made.json()
    assert item["asked_by"] == {"id": admin.pk, "name": "김관리"} and item["needs_follow_up"]

    changed = member_api.patch(
        f"/teams/alpha/days/{DATE}/items/question/{item['id']}",
        {"version": item["version"], "answer": "활성화 뒤에"},
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["answer"] == "활성화 뒤에"
    assert changed.json()["question"] == "dropout은 어디에?"  # left out: kept
    assert changed.json()["version"] == 2
    assert Revision.objects.filter(kind="question", action="edited").count() == 1

    stale = member_api.patch(
        f"/teams/alpha/days/{DATE}/items/question/{item['id']}",
        {"version": 1, "answer": "덮어쓰기"},
    )
    assert stale.status_code == 409
    assert stale.json()["code"] == "conflict" and stale.json()["current_version"] == 2
    assert Question.objects.get().answer == "활성화 뒤에"

    gone = member_api.delete(f"/teams/alpha/days/{DATE}/items/question/{item['id']}?version=2")
    assert gone.status_code == 200 and not Question.objects.exists()


@pytest.mark.parametrize(
    "body, where",
    [
        ({"question": ""}, "question"),
        ({"question": "가" * 20001}, "question"),
        ({"question": "x", "asked_by": 999999}, "asked_by"),
        ({"question": "x", "nonsense": 1}, None),
        ({"question": {"nested": "x"}}, None),
        ({"question": "x", "needs_follow_up": [1, "a"]}, None),
    ],
)
def test_a_bad_body_is_refused_in_full(member_api, day, body, where):
    response = member_api.post(f"/teams/alpha/days/{DATE}/items/question", body)
    assert response.status_code == 422, response.content
    data = response.json()
    assert data["code"] == "invalid" and data["message"]
    if where:
        assert where in data["errors"]
    assert not Question.objects.exists()


def test_a_body_that_is_not_json_is_422(member_api, day):
    response = member_api.client.post(
        f"/api/v1/teams/alpha/days/{DATE}/items/question",
        data="{not json",
        content_type="application/json",
        **member_api.headers,
    )
    assert response.status_code in (400, 422)
    assert response.json()["code"] in ("invalid", "error")
    assert not Question.objects.exists()


def test_a_read_only_token_writes_nothing(team_member, day):
    reader = ApiClient(token_for(team_member, scope=ApiToken.Scope.READ))
    response = reader.post(f"/teams/alpha/days/{DATE}/items/question", {"question": "x"})
    assert response.status_code == 403 and response.json()["code"] == "read_only_token"
    assert reader.get(f"/teams/alpha/days/{DATE}").status_code == 200
    assert not Question.objects.exists()


def test_a_token_for_one_team_sees_no_other(team_member, team, day):
    second = TeamFactory(name="둘째", slug="second")
    Membership.objects.create(team=second, user=team_member, display_name="이멤버")
    DayFactory(team=second, date=datetime.date(2024, 3, 4), number=1)
    scoped = ApiClient(token_for(team_member, team=second))
    assert [t["slug"] for t in scoped.get("/teams").json()["teams"]] == ["second"]
    assert scoped.get(f"/teams/alpha/days/{DATE}").status_code == 404
    assert scoped.get(f"/teams/second/days/{DATE}").status_code == 200


def test_a_closed_day_refuses_item_writes(member_api, day):
    Day.objects.filter(pk=day.pk).update(closed_at=timezone.now())
    response = member_api.post(f"/teams/alpha/days/{DATE}/items/question", {"question": "x"})
    assert response.status_code == 403 and response.json()["code"] == "day_closed"


# Search and follow-ups ----------------------------------------------------------------


def test_search(member_api, day, question):
    data = member_api.get("/teams/alpha/search?q=Adam").json()
    (found,) = data["days"]
    assert found["date"] == DATE and "Adam" in found["hits"][0]["text"]
    assert "<mark>" not in found["hits"][0]["text"]
    assert member_api.get("/teams/alpha/search?q=x&kind=nope").status_code == 422


def test_follow_ups_listed_and_resolved(member_api, day):
    open_one = QuestionFactory(day=day, question="추가 확인", needs_follow_up=True)
    (f,) = member_api.get("/teams/alpha/follow-ups").json()["follow_ups"]
    assert (f["kind"], f["id"]) == ("question", open_one.pk)
    empty = member_api.post(
        f"/teams/alpha/follow-ups/question/{open_one.pk}/resolve", {"resolution": ""}
    )
    assert empty.status_code == 422
    done = member_api.post(
        f"/teams/alpha/follow-ups/question/{open_one.pk}/resolve", {"resolution": "찾았다"}
    )
    assert done.status_code == 200 and done.json()["resolution"] == "찾았다"
    again = member_api.post(
        f"/teams/alpha/follow-ups/question/{open_one.pk}/resolve", {"resolution": "또"}
    )
    assert again.status_code == 409 and again.json()["code"] == "already_resolved"


# Limits and docs ----------------------------------------------------------------------


def test_past_the_rate_limit_is_429_with_retry_after(team_member, day, settings):
    settings.API_RATE = "3/day"  # one window for the whole test
    cache.clear()
    client = ApiClient(token_for(team_member))
    codes = [client.get("/teams").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = client.get("/teams")
    assert refused.json()["code"] == "rate_limited" and int(refused["Retry-After"]) > 0


def test_the_schema_and_docs_are_served_without_a_cdn(client):
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/teams/{team}/days/{date}" in paths
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui-bundle" in html and "cdn" not in html.lower()


# Query counts ------------------------------------------------------------------


def test_reading_a_day_takes_the_same_queries_however_full_it_is(
    member_api, day, django_assert_max_num_queries
):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert member_api.get(f"/teams/alpha/days/{DATE}").status_code == 200
        return len(queries)

    QuestionFactory(day=day)
    few = count()
    for _ in range(20):
        QuestionFactory(day=day)
        SuggestionFactory(day=day)
    assert count() <= few <= 14


# What the review found -----------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"question": "\ud800"},  # a lone surrogate: valid JSON, no database takes it
        {"question": "널\x00문자"},
        {"question": True},
        {"question": "x", "needs_follow_up": "no"},
        {"question": "x", "asked_by": True},
        {"question": "x", "asked_by": "3"},
        {"question": ["x"]},
    ],
)
def test_a_value_of_the_wrong_kind_is_refused_not_guessed(member_api, day, body):
    response = member_api.post(f"/teams/alpha/days/{DATE}/items/question", body)
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "invalid"
    assert not Question.objects.exists()


@pytest.mark.parametrize(
    "path", ["/teams/a%00b/days", "/teams/alpha/search?q=a%00b", "/teams/%EB%AA%A8/days"]
)
def test_odd_characters_in_the_address_are_404_or_422_not_500(member_api, day, path):
    assert member_api.get(path).status_code in (404, 422)


def test_an_outsiders_read_only_token_is_404_on_writes_too(outsider, day):
    reader = ApiClient(token_for(outsider, scope=ApiToken.Scope.READ))
    response = reader.post(f"/teams/alpha/days/{DATE}/items/question", {"question": "x"})
    assert response.status_code == 404


def test_any_other_api_address_is_json_404(member_api):
    response = member_api.get("/no/such/thing")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_a_new_review_starts_with_its_templates_outline(team_admin, day):
    version = day.team.day_templates.get().versions.get()
    Day.objects.filter(pk=day.pk).update(template_version=version)
    made = ApiClient(token_for(team_admin)).post(
        f"/teams/alpha/days/{DATE}/items/review", {"assignment": "과제 1"}
    )
    assert made.status_code == 201, made.content
    assert made.json()["notes"] == version.review_outline.strip() != ""


RATES = [
    ("120/min", (120, 60)),
    ("100/minute", (100, 60)),
    ("10/s", (10, 1)),
    ("5000/day", (5000, 86400)),
]


@pytest.mark.parametrize("rate, expected", RATES)
def test_rates_read_as_ninjas_do(rate, expected):
    assert parse_rate(rate) == expected


def test_the_lists_take_the_same_queries_however_many_days(member_api, team, day):
    def count(path) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert member_api.get(path).status_code == 200
        return len(queries)

    QuestionFactory(day=day, question="정규화 질문")
    few = {p: count(p) for p in ("/teams/alpha/days", "/teams/alpha/search?q=정규화")}
    for n in range(2, 12):
        other = DayFactory(team=team, date=datetime.date(2024, 3, 4) + datetime.timedelta(days=n),
                           number=n, title="")  # fmt: skip
        QuestionFactory(day=other, question="정규화 또 질문")
    for path, before in few.items():
        assert count(path) <= before, path
