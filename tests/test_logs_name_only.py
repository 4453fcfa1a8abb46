"""Logs of members with no account: an admin or the day's moderator writes them (the
URL x role matrix is in tests/test_permissions.py); once an invitation binds the name to
an account, only that member does. History names the writer and whose log it is."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sessions import services
from sessions.models import Day, Invitation, MemberLog, Membership, Revision

from .conftest import _client_for, _member
from .factories import MemberLogFactory, MembershipFactory, StudyLinkFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def name_only(team):
    return MembershipFactory(team=team, user=None, display_name="정이름")


@pytest.fixture
def moderated(day, team):
    """The day, moderated by an ordinary member (who is not an admin)."""
    user = _member(team, Membership.Role.MEMBER, "문모더", "alpha-moderator")
    Day.objects.filter(pk=day.pk).update(moderator=user.memberships.get())
    day.refresh_from_db()
    return day, _client_for(user)


def url(day, member) -> str:
    kwargs = {"team": day.team.slug, "date": day.date, "member": member.pk}
    return reverse("peer:member_log_edit", kwargs=kwargs)


def body(*, notes="대신 적은 학습 메모", retrospective="대신 적은 회고", version=0) -> dict:
    return {
        "study_notes": notes,
        "retrospective": retrospective,
        "visibility": "team",
        "version": str(version),
        "links-TOTAL_FORMS": "1",
        "links-INITIAL_FORMS": "0",
        "links-MIN_NUM_FORMS": "0",
        "links-MAX_NUM_FORMS": "30",
        "links-0-title": "1강 해시",
        "links-0-url": "https://example.com/1",
        "links-0-color": "blue",
    }


def test_an_admin_writes_a_name_only_members_log(day, as_admin, team_admin, name_only):
    response = as_admin.post(url(day, name_only), body(), **HTMX)
    assert response.status_code == 200
    log = MemberLog.objects.get(day=day, member=name_only)
    assert (log.study_notes, log.retrospective) == ("대신 적은 학습 메모", "대신 적은 회고")
    assert [link.title for link in log.links.all()] == ["1강 해시"]
    assert log.updated_by == team_admin
    # The answer is that member's panel, not the admin's own.
    html = response.content.decode()
    assert f'id="member-log-{name_only.pk}"' in html and "정이름" in html
    # And the records show it.
    record = as_admin.get(reverse("peer:day", args=[day.team.slug, day.date])).content.decode()
    assert "대신 적은 학습 메모" in record and "대신 적은 회고" in record


def test_the_days_moderator_writes_it_too(moderated, name_only):
    day, as_moderator = moderated
    assert as_moderator.get(url(day, name_only), **HTMX).status_code == 200
    assert as_moderator.post(url(day, name_only), body(), **HTMX).status_code == 200
    assert MemberLog.objects.get(day=day, member=name_only).retrospective == "대신 적은 회고"


def test_a_member_who_does_not_moderate_may_not(day, as_member, name_only):
    assert as_member.get(url(day, name_only), **HTMX).status_code == 403
    assert as_member.post(url(day, name_only), body(), **HTMX).status_code == 403
    assert not MemberLog.objects.filter(member=name_only).exists()


def test_an_observer_may_not(day, as_observer, name_only):
    assert as_observer.post(url(day, name_only), body(), **HTMX).status_code == 403
    assert not MemberLog.objects.exists()


def test_a_member_of_another_team_is_404(day, as_admin, other_team):
    foreign = MembershipFactory(team=other_team, user=None, display_name="남의이름")
    assert as_admin.get(url(day, foreign), **HTMX).status_code == 404
    assert as_admin.post(url(day, foreign), body(), **HTMX).status_code == 404
    assert not MemberLog.objects.exists()


def test_a_member_with_an_account_writes_only_their_own(moderated, as_admin, as_member, team):
    day, as_moderator = moderated
    member = team.memberships.get(display_name="이멤버")
    for client in (as_admin, as_moderator):
        assert client.get(url(day, member), **HTMX).status_code == 403
        assert client.post(url(day, member), body(), **HTMX).status_code == 403
    assert not MemberLog.objects.exists()
    # Their own, through this URL, is theirs as through log_edit.
    assert as_member.post(url(day, member), body(), **HTMX).status_code == 200
    assert MemberLog.objects.get(member=member).retrospective == "대신 적은 회고"


def test_once_invited_the_name_is_its_members_alone(day, team, as_admin, team_admin, name_only):
    as_admin.post(url(day, name_only), body(), **HTMX)
    invitation = Invitation.objects.create(team=team, member=name_only, created_by=team_admin)
    user = UserFactory(username="jung")
    services.accept_invitation(invitation, user=user)
    # The admin may no longer write it...
    denied = as_admin.post(url(day, name_only), body(retrospective="관리자가 또"), **HTMX)
    assert denied.status_code == 403
    # ...the member edits the same log, from their own editor.
    as_jung = _client_for(user)
    log_url = reverse("peer:log_edit", args=[team.slug, day.date])
    form = as_jung.get(log_url, **HTMX).content.decode()
    assert "대신 적은 회고" in form
    log = MemberLog.objects.get(member=name_only)
    saved = as_jung.post(log_url, body(retrospective="내가 고친 회고", version=log.version), **HTMX)
    assert saved.status_code == 200
    assert MemberLog.objects.get(pk=log.pk).retrospective == "내가 고친 회고"


def test_a_closed_day_keeps_the_name_only_log_writable(day, as_admin, name_only):
    """As each member's own log stays writable on a closed day, so does the log an admin
    or the moderator writes for a member with no account: closing freezes the session
    and its items, not the members' own notes."""
    Day.objects.filter(pk=day.pk).update(closed_at=timezone.now())
    assert as_admin.post(url(day, name_only), body(), **HTMX).status_code == 200
    assert MemberLog.objects.get(member=name_only).study_notes == "대신 적은 학습 메모"


def test_too_long_notes_for_a_name_only_member_save_nothing(day, as_admin, name_only, english):
    response = as_admin.post(url(day, name_only), body(notes="가" * 5001), **HTMX)
    assert response.status_code == 422
    assert "Notes can be at most 5000 characters long" in response.content.decode()
    assert not MemberLog.objects.exists()


def test_a_stale_save_answers_409_and_changes_nothing(day, as_admin, name_only):
    as_admin.post(url(day, name_only), body(), **HTMX)
    log = MemberLog.objects.get(member=name_only)
    response = as_admin.post(
        url(day, name_only), body(retrospective="옛 판에서", version=0), **HTMX
    )
    assert response.status_code == 409
    assert MemberLog.objects.get(pk=log.pk).retrospective == "대신 적은 회고"


def test_history_names_the_writer_and_whose_log_it_is(day, as_admin, as_member, name_only):
    as_admin.post(url(day, name_only), body(), **HTMX)
    rev = Revision.objects.get(kind="log")
    assert rev.author.username == "alpha-admin"
    html = as_member.get(reverse("peer:day_history", args=[day.team.slug, day.date]))
    entry = html.content.decode()
    entry = entry[entry.index(f'id="revision-{rev.pk}"') :]
    assert "정이름" in entry[: entry.index("</header>")]  # whose log
    assert "김관리" in entry[: entry.index("</header>")]  # who wrote it
    assert "대신 적은 학습 메모" in entry


def test_the_admin_restores_a_name_only_members_log(day, as_admin, as_member, name_only):
    as_admin.post(url(day, name_only), body(), **HTMX)
    log = MemberLog.objects.get(member=name_only)
    first = Revision.objects.get(kind="log")
    as_admin.post(url(day, name_only), body(notes="고친 메모", version=log.version), **HTMX)
    restore = reverse("peer:revision_restore", args=[day.team.slug, day.date, first.pk])
    assert as_member.post(restore).status_code == 403  # not theirs to write
    assert MemberLog.objects.get(pk=log.pk).study_notes == "고친 메모"
    assert as_admin.post(restore).status_code == 302
    assert MemberLog.objects.get(pk=log.pk).study_notes == "대신 적은 학습 메모"


def test_the_day_editor_lists_name_only_members_for_admins_and_the_moderator(
    moderated, as_admin, as_member, name_only, team
):
    day, as_moderator = moderated
    MembershipFactory(team=team, user=None, display_name="떠난이름", is_active=False)
    edit = reverse("peer:day_edit", args=[team.slug, day.date])
    for client in (as_admin, as_moderator):
        html = client.get(edit).content.decode()
        assert url(day, name_only) in html
        assert "떠난이름" not in html  # a former member is not listed
    assert url(day, name_only) not in as_member.get(edit).content.decode()


def test_the_day_editor_lists_them_without_a_query_each(day, as_admin, team):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert as_admin.get(reverse("peer:day_edit", args=[team.slug, day.date])).status_code
        return len(queries)

    def add(n):
        for _ in range(n):
            member = MembershipFactory(team=team, user=None)
            StudyLinkFactory(log=MemberLogFactory(day=day, member=member, study_notes="메모"))

    add(1)  # every list the page prefetches has a row: an empty one costs no query
    few = count()
    add(6)
    assert count() <= few
