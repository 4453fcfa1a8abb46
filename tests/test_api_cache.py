"""A day read over the API is kept in the shared cache until its team changes
(sessions/api/stored.py): served without a query of the day, never stale, and never to
anyone the token's checks would refuse."""

import pytest

from .api_helpers import ApiClient, token_for
from .factories import QuestionFactory

pytestmark = pytest.mark.django_db(transaction=True)  # teams' stamps move on commit

DATE = "2024-03-04"
PATH = f"/teams/alpha/days/{DATE}"


@pytest.fixture(autouse=True)
def _page_cache(settings):
    settings.PAGE_CACHE = True


@pytest.fixture
def member_api(team_member):
    return ApiClient(token_for(team_member))


def test_a_day_is_served_from_the_cache_until_the_team_changes(
    member_api, day, django_assert_max_num_queries
):
    question = QuestionFactory(day=day, question="왜 Adam인가요?", answer="", links="")
    first = member_api.get(PATH)
    with django_assert_max_num_queries(1):  # the token alone: who may read it is kept too
        again = member_api.get(PATH)
    assert again.content == first.content and again["ETag"] == first["ETag"]

    changed = member_api.patch(
        f"/teams/alpha/days/{DATE}/items/question/{question.pk}",
        {"version": question.version, "answer": "캐시 뒤의 새 답"},
    )
    assert changed.status_code == 200
    fresh = member_api.get(PATH)
    assert "캐시 뒤의 새 답" in fresh.content.decode() and fresh["ETag"] != first["ETag"]


def test_a_change_made_on_the_pages_reaches_the_api_too(member_api, day, as_admin):
    member_api.get(PATH)  # kept now
    as_admin.post(
        f"/teams/alpha/days/{DATE}/items/question/new/",
        {"question": "웹에서 추가한 질문", "answer": "", "links": "", "version": "0"},
        HTTP_HX_REQUEST="true",
    )
    assert "웹에서 추가한 질문" in member_api.get(PATH).content.decode()


def test_the_kept_day_is_still_only_for_the_team(member_api, day, outsider, team_observer):
    member_api.get(PATH)  # kept now
    assert ApiClient(token_for(outsider)).get(PATH).status_code == 404
    assert ApiClient(token_for(team_observer)).get(PATH).status_code == 200


def test_a_member_removed_after_a_kept_read_is_refused_at_once(member_api, day, team_member):
    assert member_api.get(PATH).status_code == 200  # kept, with this member's access
    membership = team_member.memberships.get()
    membership.is_active = False
    membership.save()  # as the members page does: the team's stamp moves
    assert member_api.get(PATH).status_code == 404
