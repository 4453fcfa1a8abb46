"""Personal access tokens on the account's page (views/tokens.py): made, shown once,
listed without their secret, revoked; only one's own."""

import pytest
from django.urls import reverse

from sessions.models import ApiToken

from .api_helpers import ApiClient, token_for

pytestmark = pytest.mark.django_db

URL = "/accounts/tokens/"


def test_a_new_token_is_shown_once_and_works(as_member, team_member, team):
    response = as_member.post(URL, {"name": "챗봇", "scope": "read", "team": team.pk})

    assert response.status_code == 302 and response["Location"] == URL
    token = ApiToken.objects.get()
    shown = as_member.get(URL)
    secret = shown.context["secret"]
    assert secret.startswith(token.shown) and secret in shown.content.decode()
    assert shown["Cache-Control"] == "no-store"
    assert (token.user, token.scope, token.team) == (team_member, "read", team)
    assert secret not in as_member.get(URL).content.decode()  # never again
    assert ApiClient(secret).get("/teams").status_code == 200


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": "", "scope": "read"}, "name"),
        ({"name": "봇\x07", "scope": "read"}, "name"),
        ({"name": "봇", "scope": "admin"}, "scope"),
        ({"name": "가" * 61, "scope": "read"}, "name"),
    ],
)
def test_a_bad_token_form_is_refused_beside_its_field(as_member, body, field):
    response = as_member.post(URL, body)
    assert response.status_code == 422
    assert response.context["form"].errors[field]
    assert not ApiToken.objects.exists()


def test_a_token_cannot_name_a_team_one_is_not_in(as_member, other_team):
    response = as_member.post(URL, {"name": "봇", "scope": "read", "team": other_team.pk})
    assert response.status_code == 422 and response.context["form"].errors["team"]
    assert not ApiToken.objects.exists()


def test_revoking_stops_a_token(as_member, team_member, day):
    secret = token_for(team_member)
    token = ApiToken.objects.get()
    response = as_member.post(reverse("peer:api_token_revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert ApiClient(secret).get("/teams").status_code == 401


def test_someone_elses_token_is_404_and_untouched(as_member, team_admin):
    token_for(team_admin, name="관리자 봇")
    token = ApiToken.objects.get()
    assert as_member.post(reverse("peer:api_token_revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert "관리자 봇" not in as_member.get(URL).content.decode()


def test_the_page_needs_a_login(anon):
    assert anon.get(URL)["Location"].startswith("/accounts/login/")
    assert anon.post(URL, {"name": "x", "scope": "read"}).status_code == 302
    assert not ApiToken.objects.exists()
