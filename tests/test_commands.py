"""Management commands: loaddemo (and reminders on the demo), createteam and addmember."""

import datetime
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from sessions.demo import session_dates
from sessions.models import (
    AssignmentReview,
    Attendance,
    Day,
    FreeSection,
    MemberLog,
    Membership,
    Question,
    StudyLink,
    Suggestion,
    Team,
)

User = get_user_model()
DEMO_MODELS = [
    Team,
    Membership,
    Day,
    Attendance,
    Suggestion,
    AssignmentReview,
    Question,
    FreeSection,
    MemberLog,
    StudyLink,
    User,
]


def run(*args, **options) -> str:
    out = StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in DEMO_MODELS}


# loaddemo


@pytest.mark.django_db
def test_loaddemo_creates_the_demo_team_and_prints_the_login(monkeypatch):
    monkeypatch.setenv("PORT", "8123")
    out = run("loaddemo")

    team = Team.objects.get(slug="demo")
    assert team.language == "ko"
    assert team.course == "boostcourse"
    assert team.mentor and team.description and team.ground_rules
    assert "Demo login: demo / studylog-demo" in out
    assert "http://127.0.0.1:8123/" in out

    members = team.memberships.exclude(role=Membership.Role.OBSERVER)
    assert members.count() == 7
    assert all(m.user is not None for m in members)
    assert sorted(members.values_list("rotation_order", flat=True)) == list(range(1, 8))
    assert members.get(user__username="demo").role == Membership.Role.ADMIN
    assert members.filter(role=Membership.Role.MEMBER).count() == 6
    observer = team.memberships.get(role=Membership.Role.OBSERVER)
    assert observer.user.username == "mentor"
    assert observer.display_name == team.mentor


@pytest.mark.django_db
def test_loaddemo_days_are_the_last_ten_weekdays_with_a_rotating_moderator():
    run("loaddemo")
    team = Team.objects.get(slug="demo")
    days = list(Day.objects.for_team(team).order_by("number"))

    assert [d.number for d in days] == list(range(1, 11))
    assert all(d.date.weekday() < 5 for d in days)
    assert [d.date for d in days] == session_dates(days[-1].date)
    # Rotation in name order: the same member moderates days 1 and 8.
    by_name = list(
        team.memberships.exclude(role=Membership.Role.OBSERVER).order_by("rotation_order")
    )
    assert [d.moderator for d in days] == [by_name[i % 7] for i in range(10)]
    for day in days:
        assert day.attendances.count() == 7
        assert day.logs.count() == 7
    assert Attendance.objects.exclude(status=Attendance.Status.PRESENT).exclude(note="").exists()


def test_session_dates_end_on_the_last_weekday():
    saturday = datetime.date(2024, 3, 9)
    dates = session_dates(saturday)
    assert len(dates) == 10
    assert dates[-1] == datetime.date(2024, 3, 8)  # Friday
    assert dates[0] == datetime.date(2024, 2, 26)  # Monday, two weeks earlier
    assert all(d.weekday() < 5 for d in dates)


@pytest.mark.django_db
def test_loaddemo_contains_every_kind_of_item():
    run("loaddemo")
    for model in (Suggestion, AssignmentReview, Question, FreeSection):
        assert model.objects.count() >= 3, model
    assert set(Suggestion.objects.values_list("status", flat=True)) >= {
        Suggestion.Status.ACCEPTED,
        Suggestion.Status.REJECTED,
    }
    assert all(len(s.discussion_items) >= 2 for s in Suggestion.objects.all())
    assert all(r.presenters.exists() for r in AssignmentReview.objects.all())
    assert Question.objects.filter(needs_follow_up=True).exists()
    assert any(q.link_list for q in Question.objects.all())
    assert {"토의 내용", "멘토링", "대회 진행상황 공유"} <= set(
        FreeSection.objects.values_list("heading", flat=True)
    )
    # Items are numbered 1..n within each day.
    for day in Day.objects.all():
        positions = list(day.questions.values_list("position", flat=True))
        assert positions == list(range(1, len(positions) + 1))


@pytest.mark.django_db
def test_loaddemo_shows_templates_and_a_week_retrospective():
    from sessions.models import DayTemplate, WeekRetro

    run("loaddemo")
    team = Team.objects.get(slug="demo")
    names = set(DayTemplate.objects.filter(team=team).values_list("name", flat=True))
    assert names == {"기본 피어세션", "대회 주간"}
    assert not Day.objects.filter(team=team, template_version__isnull=True).exists()
    [retro] = WeekRetro.objects.filter(team=team)
    first = Day.objects.filter(team=team).earliest("date").date
    assert retro.monday == first - datetime.timedelta(days=first.weekday())  # the first week
    assert "Loss" in retro.retrospective


@pytest.mark.django_db
def test_loaddemo_logs_have_study_links_and_some_are_private():
    run("loaddemo")
    logs = MemberLog.objects.prefetch_related("links")
    assert logs.count() == 70
    assert all(1 <= len(log.links.all()) <= 3 for log in logs)
    assert all(log.retrospective for log in logs)
    assert logs.filter(visibility=MemberLog.Visibility.PRIVATE).exists()
    assert logs.filter(visibility=MemberLog.Visibility.TEAM).count() > 50
    colors = set(StudyLink.objects.values_list("color", flat=True))
    assert {"red", "blue"} <= colors


@pytest.mark.django_db
def test_loaddemo_login_works_for_members_and_mentor():
    run("loaddemo")
    for username in ("demo", "member7", "mentor"):
        # Through the login form: login throttling (django-axes) wants the request.
        response = Client().post(
            reverse("login"), {"username": username, "password": "studylog-demo"}
        )
        assert response.status_code == 302, username


@pytest.mark.django_db
def test_loaddemo_if_empty_is_a_no_op_the_second_time():
    run("loaddemo", "--if-empty")
    before = counts()

    out = run("loaddemo", "--if-empty")

    assert counts() == before
    assert "Demo login: demo / studylog-demo" in out


@pytest.mark.django_db
def test_loaddemo_if_empty_skips_a_database_with_another_team():
    Team.objects.create(name="다른팀", slug="other")
    out = run("loaddemo", "--if-empty")
    assert not Team.objects.filter(slug="demo").exists()
    assert "Demo login" not in out


@pytest.mark.django_db
def test_loaddemo_twice_without_if_empty_changes_nothing():
    run("loaddemo")
    before = counts()
    out = run("loaddemo")
    assert counts() == before
    assert "Demo login: demo / studylog-demo" in out


@pytest.mark.django_db
def test_loaddemo_refuses_to_take_over_an_existing_account():
    User.objects.create_user("member3", password="mine-not-yours")
    with pytest.raises(CommandError, match="member3"):
        run("loaddemo")
    assert not Team.objects.exists()
    assert User.objects.get(username="member3").check_password("mine-not-yours")


# createteam


@pytest.mark.django_db
def test_createteam_without_admin():
    out = run("createteam", "night-owls", name="올빼미")
    team = Team.objects.get(slug="night-owls")
    assert team.name == "올빼미"
    assert team.course == "boostcourse"
    assert not team.memberships.exists()
    assert "night-owls" in out


@pytest.mark.django_db
def test_createteam_with_admin_and_course():
    user = User.objects.create_user("haneul", first_name="하늘", last_name="오")
    run("createteam", "owls", "--name", "올빼미", "--admin", "haneul", "--course", "aitech")
    team = Team.objects.get(slug="owls")
    assert team.course == "aitech"
    membership = team.memberships.get()
    assert membership.user == user
    assert membership.role == Membership.Role.ADMIN
    assert membership.display_name == "오하늘"


@pytest.mark.django_db
def test_createteam_refuses_a_taken_slug():
    Team.objects.create(name="원래 팀", slug="owls")
    with pytest.raises(CommandError):
        run("createteam", "owls", name="새 팀")
    assert Team.objects.get(slug="owls").name == "원래 팀"


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["not a slug", "팀", "admin"])
def test_createteam_refuses_an_invalid_slug(slug):
    with pytest.raises(CommandError):
        run("createteam", slug, name="팀")
    assert not Team.objects.exists()


@pytest.mark.django_db
def test_createteam_refuses_an_unknown_admin():
    with pytest.raises(CommandError, match="nobody"):
        run("createteam", "owls", name="올빼미", admin="nobody")
    assert not Team.objects.exists()


# addmember


@pytest.fixture
def owls(db):
    return Team.objects.create(name="올빼미", slug="owls")


def test_addmember_creates_a_user_with_a_password(owls):
    run("addmember", "owls", "seoyul", "--password", "a-long-secret-1", "--display-name", "최서율")
    user = User.objects.get(username="seoyul")
    assert user.check_password("a-long-secret-1")
    membership = owls.memberships.get(user=user)
    assert membership.role == Membership.Role.MEMBER
    assert membership.display_name == "최서율"


def test_addmember_creates_a_user_without_a_usable_password(owls):
    run("addmember", "owls", "doyun", role="observer")
    user = User.objects.get(username="doyun")
    assert not user.has_usable_password()
    membership = owls.memberships.get(user=user)
    assert membership.role == Membership.Role.OBSERVER
    assert membership.display_name == "doyun"


def test_addmember_adds_an_existing_user_keeping_their_password(owls):
    user = User.objects.create_user(
        "byul", password="keep-this-1", first_name="별", last_name="남궁"
    )
    run("addmember", "owls", "byul", password="something-else")
    user.refresh_from_db()
    assert user.check_password("keep-this-1")
    assert owls.memberships.get(user=user).display_name == "남궁별"


def test_addmember_updates_the_role_of_an_existing_member(owls):
    run("addmember", "owls", "chaerin", display_name="문채린")
    out = run("addmember", "owls", "chaerin", role="admin")
    membership = owls.memberships.get(user__username="chaerin")
    assert membership.role == Membership.Role.ADMIN
    assert membership.display_name == "문채린"
    assert owls.memberships.count() == 1
    assert "Updated" in out


def test_addmember_refuses_an_unknown_team(db):
    with pytest.raises(CommandError, match="nowhere"):
        run("addmember", "nowhere", "someone")
    assert not User.objects.filter(username="someone").exists()


def test_addmember_refuses_a_bad_role(owls):
    with pytest.raises(CommandError, match="boss"):
        run("addmember", "owls", "someone", role="boss")
    assert not User.objects.filter(username="someone").exists()


def test_addmember_refuses_a_display_name_clash_and_creates_nothing(owls):
    run("addmember", "owls", "first", display_name="김다온")
    with pytest.raises(CommandError, match="김다온"):
        run("addmember", "owls", "second", display_name="김다온")
    # One transaction: the user made before the clash was found is rolled back too.
    assert not User.objects.filter(username="second").exists()
    assert owls.memberships.count() == 1


def test_addmember_refuses_an_invalid_username(owls):
    with pytest.raises(CommandError):
        run("addmember", "owls", "no spaces allowed")
    assert not User.objects.filter(username="no spaces allowed").exists()


def test_addmember_sets_the_email_of_a_new_account(owls):
    out = run("addmember", "owls", "haneul", email=" Haneul@EXAMPLE.com ")
    assert User.objects.get(username="haneul").email == "Haneul@example.com"
    assert "Haneul@example.com" in out


def test_addmember_sets_the_email_of_an_existing_member(owls):
    run("addmember", "owls", "haneul", display_name="오하늘")
    run("addmember", "owls", "haneul", "--email", "haneul@example.com")
    assert User.objects.get(username="haneul").email == "haneul@example.com"
    assert owls.memberships.get().display_name == "오하늘"


@pytest.mark.parametrize("address", ["not-an-address", "a@b@example.com", "", "하늘@"])
def test_addmember_refuses_a_bad_email_and_creates_nothing(owls, address):
    with pytest.raises(CommandError, match="not a valid e-mail address"):
        run("addmember", "owls", "haneul", "--email", address)
    assert not User.objects.filter(username="haneul").exists()
    assert not owls.memberships.exists()


def test_addmember_refuses_an_email_another_account_has_and_changes_nothing(owls):
    User.objects.create_user("taken", email="Shared@example.com")
    run("addmember", "owls", "haneul", email="haneul@example.com")
    with pytest.raises(CommandError, match="Another account already uses"):
        run("addmember", "owls", "haneul", email="shared@EXAMPLE.com", role="admin")
    user = User.objects.get(username="haneul")
    assert user.email == "haneul@example.com"
    assert owls.memberships.get().role == Membership.Role.MEMBER  # rolled back together


# The demo and its reminders


@pytest.mark.django_db
def test_the_demo_accounts_have_example_addresses():
    run("loaddemo")
    emails = list(User.objects.values_list("email", flat=True))
    assert len(emails) == 8
    assert all(email.endswith("@example.com") for email in emails)
    assert len(set(emails)) == len(emails)


@pytest.mark.django_db
def test_send_reminders_on_the_demo_emails_tomorrows_moderator(mailoutbox):
    from sessions import schedule

    run("loaddemo")
    team = Team.objects.get(slug="demo")
    last = team.days.order_by("date").last().date
    tomorrow = schedule.next_session_dates(team, last + datetime.timedelta(days=1), 1)[0]
    evening = datetime.datetime.combine(
        tomorrow - datetime.timedelta(days=1), datetime.time(18), team.tz
    )
    out = run("send_reminders", "--now", evening.isoformat())
    moderator = schedule.scheduled_moderator(team, tomorrow)
    assert [m.to for m in mailoutbox] == [[moderator.user.email]]
    assert moderator.user.email.endswith("@example.com")
    assert "모더레이터" in mailoutbox[0].subject
    assert f"demo {tomorrow.isoformat()}: 1 e-mail sent" in out
