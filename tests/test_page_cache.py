"""The page cache: a day's record, a member's record and the archive are served from the
cache per viewer, and every kind of change retires them at once.

Each test turns PAGE_CACHE on over the tests' memory cache (one process, so it stands
for the shared Redis), and runs with database sessions and with the session store that
reads the page along with the session (studylog/session_store.py, Redis's);
tests/test_two_servers.py runs two servers against Redis.
"""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sessions import freshness, page_cache
from sessions.models import Day, Membership

from .factories import MemberLogFactory, QuestionFactory, SectionFactory, session_form

pytestmark = pytest.mark.django_db(transaction=True)  # changes retire pages on commit

HTMX = {"HTTP_HX_REQUEST": "true"}


SESSION_STORES = ["django.contrib.sessions.backends.db", "studylog.session_store"]


@pytest.fixture(autouse=True, params=SESSION_STORES, ids=["db-sessions", "cached-sessions"])
def _page_cache(request, settings):
    settings.PAGE_CACHE = True
    settings.SESSION_ENGINE = request.param


def record_url(day) -> str:
    return reverse("peer:day", kwargs={"team": day.team.slug, "date": day.date})


def fetch(client, url) -> tuple[str, int]:
    """The page without its CSRF tokens (they differ on every response), and its queries."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    html = re.sub(r'value="[A-Za-z0-9]{64}"', "", response.content.decode())
    html = re.sub(r'"X-CSRFToken": "[A-Za-z0-9]{64}"', "", html)
    return html, len(queries)


def test_a_second_visit_is_served_without_the_pages_queries(day, as_member):
    QuestionFactory(day=day, question="캐시될 질문")
    first, misses = fetch(as_member, record_url(day))
    second, hits = fetch(as_member, record_url(day))
    assert "캐시될 질문" in second
    assert hits <= 2  # the session and the user, as any logged-in page
    assert hits < misses


def test_a_hit_is_one_read_from_the_cache(settings, day, as_member, cache_reads):
    fetch(as_member, record_url(day))  # the miss
    cache_reads.clear()
    html, queries = fetch(as_member, record_url(day))
    assert day.team.name in html
    [read] = cache_reads
    if settings.SESSION_ENGINE == "studylog.session_store":
        # The session, the team's stamp and the page together; the user is the one query.
        assert read[0] == as_member.session.cache_key and len(read) == 3
        assert queries == 1
    else:  # the stamp and the page; the session and the user from the database
        assert len(read) == 2 and queries == 2


def test_a_session_that_ended_gets_the_login_page_not_its_cached_page(day, as_member):
    fetch(as_member, record_url(day))
    as_member.session.delete()  # expired, or ended on another device
    response = as_member.get(record_url(day))  # the same cookie, nobody behind it now
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_edit_shows_on_the_next_visit(day, as_member):
    question = QuestionFactory(day=day, question="처음 질문")
    assert "처음 질문" in fetch(as_member, record_url(day))[0]
    url = reverse(
        "peer:item_edit",
        kwargs={"team": "alpha", "date": day.date, "kind": "question", "pk": question.pk},
    )
    body = {"question": "고친 질문", "answer": "", "links": "", "version": question.version}
    assert as_member.post(url, body, **HTMX).status_code == 200
    html = fetch(as_member, record_url(day))[0]
    assert "고친 질문" in html and "처음 질문" not in html


@pytest.mark.parametrize(
    "change",
    ["rename member", "attendance", "move", "resolve", "delete day", "team name", "deactivate"],
)
def test_every_kind_of_change_retires_the_page(change, day, as_admin, team_member):
    first = SectionFactory(day=day, heading="첫째")
    second = SectionFactory(day=day, heading="둘째")
    question = QuestionFactory(day=day, needs_follow_up=True, question="열린 질문")
    member = team_member.memberships.get()
    before = fetch(as_admin, record_url(day))[0]
    if change == "rename member":
        member.display_name = "새이름"
        member.save()
        assert "새이름" in fetch(as_admin, record_url(day))[0]
    elif change == "attendance":
        url = reverse("peer:session_edit", kwargs={"team": "alpha", "date": day.date})
        as_admin.post(url, session_form(day, absent=[member]), **HTMX)
        assert fetch(as_admin, record_url(day))[0] != before
    elif change == "move":
        url = reverse(
            "peer:item_move",
            kwargs={"team": "alpha", "date": day.date, "kind": "section", "pk": second.pk},
        )
        as_admin.post(url, {"direction": "up"}, **HTMX)
        html = fetch(as_admin, record_url(day))[0]
        assert html.index("둘째") < html.index(first.heading)
    elif change == "resolve":
        url = reverse(
            "peer:follow_up_resolve",
            kwargs={"team": "alpha", "kind": "question", "pk": question.pk},
        )
        as_admin.post(url, {"resolution": "해결했습니다"}, follow=True)  # shows its message
        assert "해결했습니다" in fetch(as_admin, record_url(day))[0]
    elif change == "delete day":
        Day.objects.filter(pk=day.pk).delete()
        assert as_admin.get(record_url(day)).status_code == 404
    elif change == "team name":
        day.team.name = "새팀이름"
        day.team.save()
        assert "새팀이름" in fetch(as_admin, record_url(day))[0]
    elif change == "deactivate":
        admin = Membership.objects.get(team=day.team, user__username="alpha-admin")
        admin.is_active = False
        admin.save()
        assert as_admin.get(record_url(day)).status_code == 404


def test_each_viewer_has_their_own_page(day, as_member, as_admin, team_member):
    MemberLogFactory(
        day=day, member=team_member.memberships.get(), retrospective="나만 보는 회고",
        visibility="private",
    )  # fmt: skip
    assert "나만 보는 회고" in fetch(as_member, record_url(day))[0]
    assert "나만 보는 회고" not in fetch(as_admin, record_url(day))[0]


def test_an_outsider_gets_404_from_a_cached_page(day, as_member, as_outsider):
    fetch(as_member, record_url(day))
    assert as_outsider.get(record_url(day)).status_code == 404


def test_a_cached_page_carries_the_viewers_own_csrf_token(day, team_member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(team_member)
    for _ in range(2):  # the miss, then the hit
        html = client.get(record_url(day)).content.decode()
    assert page_cache.CSRF_PLACEHOLDER not in html
    token = html.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    response = client.post(reverse("logout"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302  # accepted: the token is this browser's


def test_a_message_to_show_is_not_hidden_by_the_cache(day, as_admin):
    fetch(as_admin, record_url(day))
    close = reverse("peer:day_close", kwargs={"team": "alpha", "date": day.date})
    as_admin.post(close)
    assert "마감" in as_admin.get(record_url(day)).content.decode()


def test_the_archive_and_member_record_are_cached_too(day, as_member, team_member):
    member = team_member.memberships.get()
    for url in (
        reverse("peer:archive", kwargs={"team": "alpha"}),
        reverse("peer:member_day", kwargs={"team": "alpha", "date": day.date, "member": member.pk}),
    ):
        _html, misses = fetch(as_member, url)
        _html, hits = fetch(as_member, url)
        assert hits <= 2 < misses


def test_off_without_a_shared_cache(settings, day, as_member):
    settings.PAGE_CACHE = False
    _html, first = fetch(as_member, record_url(day))
    _html, second = fetch(as_member, record_url(day))
    assert first == second > 2


def test_off_changes_ask_nothing_about_stamps(settings, day, team_member):
    """With the cache off, a change costs no query for which teams to retire."""
    member = team_member.memberships.get()
    team = day.team

    def stamp_queries(display_name):
        with CaptureQueriesContext(connection) as queries:
            member.display_name = display_name
            member.save()
            freshness.touch_days([day.pk])
            team.name = display_name  # its old address is looked up before the save
            team.save()
        return [
            q["sql"] for q in queries.captured_queries
            if q["sql"].startswith("SELECT") and "peer_team" in q["sql"]
        ]  # fmt: skip

    settings.PAGE_CACHE = True
    on = stamp_queries("켜짐")
    assert len(on) == 3  # the member's team, the day's team, the team's old slug
    settings.PAGE_CACHE = False
    assert not stamp_queries("꺼짐")


def test_the_editors_state_poll_is_cached_as_json_until_the_day_changes(day, as_member):
    state_url = reverse("peer:day_state", kwargs={"team": day.team.slug, "date": day.date})
    question = QuestionFactory(day=day, question="폴링")
    first = as_member.get(state_url)
    with CaptureQueriesContext(connection) as queries:
        second = as_member.get(state_url)
    assert second["Content-Type"] == "application/json"
    assert second.json() == first.json()
    assert len(queries) <= 2  # the session and the user: the state came from the cache
    assert first.json()["lists"]["question"] == f"{question.pk}:{question.version}"

    response = as_member.post(
        reverse(
            "peer:item_edit",
            kwargs={"team": day.team.slug, "date": day.date, "kind": "question", "pk": question.pk},
        ),
        {"question": "폴링 고침", "answer": "", "links": "", "version": question.version},
    )
    assert response.status_code == 200
    after = as_member.get(state_url).json()
    assert after["lists"]["question"] == f"{question.pk}:{question.version + 1}"


def test_the_editor_is_cached_per_viewer_until_the_day_changes(day, as_member, as_admin):
    edit_url = reverse("peer:day_edit", kwargs={"team": day.team.slug, "date": day.date})
    question = QuestionFactory(day=day, question="편집기 캐시")
    first, misses = fetch(as_member, edit_url)
    second, hits = fetch(as_member, edit_url)
    assert "편집기 캐시" in second and second == first
    assert hits <= 2 < misses
    # Another viewer has their own page (their own log form), not the member's.
    admins, _queries = fetch(as_admin, edit_url)
    assert admins != first

    as_member.post(
        reverse(
            "peer:item_edit",
            kwargs={"team": day.team.slug, "date": day.date, "kind": "question", "pk": question.pk},
        ),
        {"question": "편집기 캐시 고침", "answer": "", "links": "", "version": question.version},
    )
    after, queries = fetch(as_member, edit_url)
    assert "편집기 캐시 고침" in after and queries > 2


def test_each_hit_of_the_editor_carries_fresh_csrf_tokens(day, team_member):
    """No token is kept in the cached page: every one is filled in per response."""
    edit_url = reverse("peer:day_edit", kwargs={"team": day.team.slug, "date": day.date})
    client = Client(enforce_csrf_checks=True)
    client.force_login(team_member)
    pages = [client.get(edit_url).content.decode() for _ in range(3)]  # a miss, two hits
    tokens = [set(re.findall(r"[A-Za-z0-9]{64}", html)) for html in pages]
    assert all(tokens) and not tokens[1] & tokens[2]
    assert page_cache.CSRF_PLACEHOLDER not in pages[2]


def test_a_deploy_with_new_static_files_renders_pages_afresh(day, as_member, monkeypatch):
    """Cached pages link to the static files' hashed names: after a deploy that changed
    them (collectstatic's manifest hash), no page from before it is served."""
    monkeypatch.setattr(page_cache, "_build", lambda: "manifest-before")
    fetch(as_member, record_url(day))
    _html, hit = fetch(as_member, record_url(day))
    monkeypatch.setattr(page_cache, "_build", lambda: "manifest-after")
    _html, after_deploy = fetch(as_member, record_url(day))
    assert hit <= 2 < after_deploy
