"""Closing a day and reopening it: what changes, what the pages show, who did it and when.

Who may close or reopen, and that a closed day refuses every write, is in
test_permissions.py; here the requests come from people allowed to make them.
"""

import datetime
import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sessions.closing import close, reopen
from sessions.models import Attendance, Day, MemberLog, Membership, Question

from .factories import MembershipFactory, QuestionFactory, ReviewFactory, UserFactory
from .test_queries import BOUNDS

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def moderator(team, day):
    """A member who moderates `day`, with a client logged in as them."""
    user = UserFactory(username="alpha-moderator")
    membership = MembershipFactory(
        team=team, user=user, role=Membership.Role.MEMBER, display_name="문모더"
    )
    Attendance.objects.create(day=day, member=membership)
    Day.objects.filter(pk=day.pk).update(moderator=membership)
    client = Client()
    client.force_login(user)
    return client


def url(name: str, day, **kwargs) -> str:
    return reverse(f"peer:{name}", kwargs={"team": day.team.slug, "date": day.date, **kwargs})


def fresh(day) -> Day:
    return Day.objects.get(pk=day.pk)


def test_the_moderator_closes_the_day(day, moderator):
    before = fresh(day)
    response = moderator.post(url("day_close", day))
    assert response.status_code == 302
    assert response["Location"] == url("day_edit", day)
    after = fresh(day)
    assert after.is_closed
    assert after.closed_by.username == "alpha-moderator"
    assert abs(after.closed_at - timezone.now()) < datetime.timedelta(seconds=30)
    assert after.version == before.version + 1  # open editors refresh their session panel
    page = moderator.get(response["Location"]).content.decode()
    assert 'class="notice notice-closed"' in page
    assert 'class="message message-success"' in page


def test_closing_from_htmx_sends_the_browser_to_the_edit_page(day, as_admin):
    response = as_admin.post(url("day_close", day), **HTMX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == url("day_edit", day)
    assert fresh(day).is_closed


def test_closing_a_closed_day_changes_nothing(day, as_admin, team_admin):
    close(day, user=team_admin)
    before = Day.objects.filter(pk=day.pk).values().get()
    assert as_admin.post(url("day_close", day)).status_code == 302
    assert Day.objects.filter(pk=day.pk).values().get() == before


def test_an_admin_reopens_the_day_and_who_closed_it_is_kept(day, moderator, as_admin):
    moderator.post(url("day_close", day))
    closer = fresh(day).closed_by
    response = as_admin.post(url("day_reopen", day))
    assert response.status_code == 302
    after = fresh(day)
    assert not after.is_closed
    assert after.reopened_by.username == "alpha-admin"
    assert after.reopened_at is not None
    assert after.closed_by == closer
    # Open again: writes work.
    response = moderator.post(
        url("item_create", day, kind="question"),
        {"question": "다시 열린 날의 질문", "answer": "", "links": ""},
    )
    assert response.status_code == 200
    assert Question.objects.filter(day=day, question="다시 열린 날의 질문").exists()


def test_reopening_an_open_day_changes_nothing(day, as_admin):
    before = Day.objects.filter(pk=day.pk).values().get()
    assert as_admin.post(url("day_reopen", day)).status_code == 302
    assert Day.objects.filter(pk=day.pk).values().get() == before


def test_close_and_reopen_only_accept_post(day, as_admin):
    assert as_admin.get(url("day_close", day)).status_code == 405
    assert as_admin.get(url("day_reopen", day)).status_code == 405
    assert not fresh(day).is_closed


# --- what the pages show ----------------------------------------------------------------


def test_the_edit_page_of_an_open_day_offers_closing_to_the_moderator_only(
    day, moderator, as_member
):
    ReviewFactory(day=day)
    page = moderator.get(url("day_edit", day)).content.decode()
    assert url("day_close", day) in page
    assert 'id="day-status"' in page
    page = as_member.get(url("day_edit", day)).content.decode()
    assert url("day_close", day) not in page


def test_the_edit_page_of_a_closed_day_has_a_banner_and_no_item_controls(
    day, moderator, as_admin, as_member, team_admin
):
    question = QuestionFactory(day=day)
    review = ReviewFactory(day=day)
    close(day, user=team_admin)
    for client in (moderator, as_admin, as_member):
        response = client.get(url("day_edit", day))
        assert response.status_code == 200
        page = response.content.decode()
        assert 'class="notice notice-closed"' in page
        assert "김관리" in page  # who closed it
        for kind in ("suggestion", "review", "question", "section"):
            assert url("item_create", day, kind=kind) not in page
        assert url("item_edit", day, kind="question", pk=question.pk) not in page
        assert url("item_edit", day, kind="review", pk=review.pk) not in page
        assert url("item_delete", day, kind="question", pk=question.pk) not in page
        assert url("session_edit", day) not in page
        assert url("reviews_suggest", day) not in page
        assert url("day_close", day) not in page
        assert f'id="question-{question.pk}"' in page  # still there to read
        assert url("log_edit", day) in page  # each member's own notes stay editable
    assert url("day_reopen", day) in as_admin.get(url("day_edit", day)).content.decode()
    assert url("day_reopen", day) not in moderator.get(url("day_edit", day)).content.decode()


def test_the_closed_banner_gives_the_time_in_the_teams_time_zone(day, as_admin, team_admin):
    close(day, user=team_admin)
    when = datetime.datetime(2024, 3, 4, 8, 30, tzinfo=datetime.UTC)  # 17:30 in Seoul
    Day.objects.filter(pk=day.pk).update(closed_at=when)
    page = as_admin.get(url("day_edit", day)).content.decode()
    assert "2024-03-04 17:30" in page


def test_the_record_shows_who_closed_and_who_reopened(day, moderator, as_admin, as_observer):
    moderator.post(url("day_close", day))
    record = as_observer.get(url("day", day)).content.decode()
    assert 'class="pill pill-closed"' in record
    assert "· 문모더" in record
    as_admin.post(url("day_reopen", day))
    record = as_observer.get(url("day", day)).content.decode()
    assert 'class="pill pill-closed"' not in record
    assert "· 김관리" in record
    assert fresh(day).reopened_at.astimezone(day.team.tz).strftime("%Y-%m-%d %H:%M") in record


def test_the_record_of_a_day_never_closed_says_nothing_about_it(day, as_member):
    record = as_member.get(url("day", day)).content.decode()
    assert "closed-note" not in record


def test_a_name_only_member_is_never_taken_for_the_closer(day, as_admin, team_admin):
    """The closer's name comes from the day's attendance; a member without an account
    (no user) must not match a day whose closer's account is gone."""
    ghost = MembershipFactory(team=day.team, user=None, display_name="유령")
    Attendance.objects.create(day=day, member=ghost)
    Day.objects.filter(pk=day.pk).update(closed_at=timezone.now(), closed_by=None)
    page = as_admin.get(url("day_edit", day)).content.decode()
    assert "· 유령" not in page


def test_the_live_state_says_whether_the_day_is_closed(day, as_member, team_admin):
    assert as_member.get(url("day_state", day)).json()["closed"] is False
    close(day, user=team_admin)
    assert as_member.get(url("day_state", day)).json()["closed"] is True
    page = as_member.get(url("day_edit", day))
    assert json.loads(page.context["state"])["closed"] is True


def test_each_member_still_writes_their_own_log_on_a_closed_day(day, as_member, team_admin):
    close(day, user=team_admin)
    response = as_member.post(
        url("log_edit", day),
        {
            "retrospective": "마감 후에 쓴 회고",
            "visibility": "team",
            "version": "0",
            "links-TOTAL_FORMS": "0",
            "links-INITIAL_FORMS": "0",
            "links-MIN_NUM_FORMS": "0",
            "links-MAX_NUM_FORMS": "30",
        },
    )
    assert response.status_code == 200
    assert MemberLog.objects.get(day=day).retrospective == "마감 후에 쓴 회고"


def test_a_closed_day_refusal_for_htmx_says_what_happened(day, as_member, team_admin):
    close(day, user=team_admin)
    response = as_member.post(
        url("item_create", day, kind="question"),
        {"question": "늦은 질문", "answer": "", "links": ""},
        **HTMX,
    )
    assert response.status_code == 403
    content = response.content.decode()
    assert 'role="alert"' in content
    assert not Question.objects.filter(day=day).exists()


def test_cancelling_an_add_form_on_a_day_closed_meanwhile_gives_an_empty_slot(
    day, as_member, team_admin
):
    close(day, user=team_admin)
    response = as_member.get(url("item_create", day, kind="question") + "?cancel=1", **HTMX)
    assert response.status_code == 200
    assert 'id="add-question"' in response.content.decode()
    assert "hx-get" not in response.content.decode()


def test_reopen_and_close_again_keep_the_latest_of_each(day, team_admin, team_member):
    close(day, user=team_member)
    reopen(day, user=team_admin)
    assert close(day, user=team_admin) is True
    after = fresh(day)
    assert (after.closed_by, after.reopened_by) == (team_admin, team_admin)
    assert after.is_closed


@pytest.mark.parametrize("page", ["day", "day_edit"])
def test_a_closed_day_costs_no_extra_queries(
    page, day, as_admin, team_admin, django_assert_max_num_queries
):
    """The closer's and reopener's names come from the prefetched attendance."""
    for _ in range(5):
        QuestionFactory(day=day)
    close(day, user=team_admin)
    reopen(day, user=team_admin)
    close(day, user=team_admin)
    with django_assert_max_num_queries(BOUNDS[page]):
        assert as_admin.get(url(page, day)).status_code == 200


def test_a_closed_day_cannot_be_deleted_until_it_is_reopened(day, as_admin, team_admin):
    close(day, user=team_admin)
    response = as_admin.post(url("day_delete", day))
    assert response.status_code == 403
    assert Day.objects.filter(pk=day.pk).exists()

    reopen(day, user=team_admin)
    response = as_admin.post(url("day_delete", day))
    assert response.status_code == 302
    assert not Day.objects.filter(pk=day.pk).exists()
