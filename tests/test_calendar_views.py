"""The calendar pages: the secret-address feed, the settings page and revoking the address."""

import datetime

import icalendar
import pytest
from django.urls import reverse

from sessions.models import Membership

from .rows import every_row

pytestmark = pytest.mark.django_db

LOGIN_PREFIX = "/accounts/login/"
ROLES = ["observer", "member", "admin"]


def snapshot() -> dict:
    """Every row of every Studylog table, and the users (tests/rows.py)."""
    return every_row()


def feed_url(membership: Membership) -> str:
    return reverse("peer:calendar_feed", kwargs={"token": membership.calendar_token})


def page_url(slug: str = "alpha") -> str:
    return reverse("peer:calendar", kwargs={"team": slug})


def revoke_url(slug: str = "alpha") -> str:
    return reverse("peer:calendar_revoke", kwargs={"team": slug})


@pytest.fixture
def alpha(team, team_admin, team_member, team_observer, outsider):
    team.starts_on = datetime.date(2024, 3, 4)
    team.save()
    return team


def membership_of(request, role: str) -> Membership:
    return request.getfixturevalue(f"team_{role}").memberships.get()


# --- the feed ----------------------------------------------------------------------------


def test_the_feed_needs_no_login_only_the_token(alpha, team_member, anon):
    response = anon.get(feed_url(team_member.memberships.get()))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    cal = icalendar.Calendar.from_ical(response.content)
    assert str(cal["X-WR-CALNAME"])
    # The rotation gives the member turns, linked through the host that was asked.
    urls = [str(e["URL"]) for e in cal.walk("VEVENT")]
    assert urls and all(u.startswith("http://testserver/teams/alpha/") for u in urls)


def test_an_unknown_token_is_404(alpha, anon):
    assert anon.get(reverse("peer:calendar_feed", kwargs={"token": "nope"})).status_code == 404


def test_an_inactive_membership_has_no_feed(alpha, team_member, anon):
    membership = team_member.memberships.get()
    Membership.objects.filter(pk=membership.pk).update(is_active=False)
    assert anon.get(feed_url(membership)).status_code == 404


def test_a_deactivated_account_has_no_feed(alpha, team_member, anon):
    membership = team_member.memberships.get()
    team_member.is_active = False
    team_member.save()
    assert anon.get(feed_url(membership)).status_code == 404


def test_the_feed_only_answers_get(alpha, team_member, anon):
    assert anon.post(feed_url(team_member.memberships.get())).status_code == 405


def test_the_feed_takes_a_fixed_number_of_queries(
    alpha, team_member, anon, django_assert_max_num_queries
):
    # Token lookup, days, schedule (anchor, skipped dates, rotation, assignments), reviews:
    # none of it grows with the number of events.
    with django_assert_max_num_queries(10):
        assert anon.get(feed_url(team_member.memberships.get())).status_code == 200


# --- the settings page -------------------------------------------------------------------


def test_anonymous_is_sent_to_log_in(alpha, anon):
    response = anon.get(page_url())
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_PREFIX)


def test_an_outsider_gets_404(alpha, as_outsider):
    assert as_outsider.get(page_url()).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_members_see_their_own_address(alpha, role, request):
    client = request.getfixturevalue(f"as_{role}")
    mine = membership_of(request, role)
    others = alpha.memberships.exclude(pk=mine.pk)

    response = client.get(page_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert f'value="http://testserver{feed_url(mine)}"' in html
    assert f"webcal://testserver{feed_url(mine)}" in html
    assert all(m.calendar_token not in html for m in others)
    assert revoke_url() in html


# --- revoking ----------------------------------------------------------------------------


def test_anonymous_cannot_revoke(alpha, anon):
    before = snapshot()
    response = anon.post(revoke_url())
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_PREFIX)
    assert snapshot() == before


def test_an_outsider_cannot_revoke(alpha, as_outsider):
    before = snapshot()
    assert as_outsider.post(revoke_url()).status_code == 404
    assert snapshot() == before


def test_revoking_needs_a_post(alpha, as_member):
    before = snapshot()
    assert as_member.get(revoke_url()).status_code == 405
    assert snapshot() == before


@pytest.mark.parametrize("role", ROLES)
def test_members_revoke_their_own_address(alpha, role, request, anon):
    client = request.getfixturevalue(f"as_{role}")
    mine = membership_of(request, role)
    old_url = feed_url(mine)
    others = dict(alpha.memberships.exclude(pk=mine.pk).values_list("pk", "calendar_token"))
    assert anon.get(old_url).status_code == 200

    response = client.post(revoke_url())

    assert response.status_code == 302
    assert response["Location"] == page_url()
    mine.refresh_from_db()
    assert feed_url(mine) != old_url
    assert anon.get(old_url).status_code == 404
    assert anon.get(feed_url(mine)).status_code == 200
    assert dict(alpha.memberships.exclude(pk=mine.pk).values_list("pk", "calendar_token")) == others
    # The page now shows the new address.
    assert feed_url(mine) in client.get(page_url()).content.decode()


def test_revoking_in_one_team_leaves_the_other_teams_address(
    alpha, other_team, team_member, request
):
    from .factories import MembershipFactory

    elsewhere = MembershipFactory(team=other_team, user=team_member, display_name="이멤버")
    before = elsewhere.calendar_token
    request.getfixturevalue("as_member").post(revoke_url())
    elsewhere.refresh_from_db()
    assert elsewhere.calendar_token == before
