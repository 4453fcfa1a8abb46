"""What the pages do for the people allowed to use them: accounts, days, editing, records.

Who may open what is tested in test_permissions.py; here every request comes from
someone allowed, and the tests check what they see and what gets saved.
"""

import datetime
import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from sessions.models import (
    Attendance,
    Day,
    FreeSection,
    Invitation,
    MemberLog,
    Membership,
    Question,
    StudyLink,
    Suggestion,
    Team,
)

from .factories import (
    DayFactory,
    MemberLogFactory,
    MembershipFactory,
    QuestionFactory,
    ReviewFactory,
    SectionFactory,
    StudyLinkFactory,
    SuggestionFactory,
    UserFactory,
    session_form,
)
from .helpers import HTMX, membership_of, question_body, url

pytestmark = pytest.mark.django_db


def login_as(client, user):
    client.force_login(user)
    return client


def ids_in_order(content: str, prefix: str) -> list[int]:
    return [int(pk) for pk in re.findall(rf'id="{prefix}-(\d+)"', content)]


# --- accounts and teams ----------------------------------------------------------------


def test_sign_up_creates_the_user_and_logs_them_in(client):
    response = client.post(
        url("signup"),
        {
            "username": "newcomer",
            "email": "new@example.com",
            "password1": "긴-비밀번호-9876",
            "password2": "긴-비밀번호-9876",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == url("home")
    user = get_user_model().objects.get(username="newcomer")
    assert user.check_password("긴-비밀번호-9876")
    assert str(client.session["_auth_user_id"]) == str(user.pk)


def test_the_sign_up_page_opens(client):
    response = client.get(url("signup"), {"next": "/invite/abc/"})
    assert response.status_code == 200
    assert 'name="next" value="/invite/abc/"' in response.content.decode()


def test_sign_up_follows_a_local_next_but_not_another_site(db, client):
    body = {"password1": "긴-비밀번호-9876", "password2": "긴-비밀번호-9876"}
    local = client.post(
        url("signup"),
        {**body, "username": "one", "email": "one@example.com", "next": "/teams/new/"},
    )
    assert local["Location"] == "/teams/new/"
    client.logout()
    away = client.post(
        url("signup"),
        {**body, "username": "two", "email": "two@example.com", "next": "//evil.example/"},
    )
    assert away["Location"] == url("home")


def test_sign_up_with_mismatched_passwords_creates_nobody(client):
    # The form always posts its hidden `next` field, empty when there is none.
    response = client.post(
        url("signup"),
        {
            "username": "newcomer",
            "password1": "긴-비밀번호-9876",
            "password2": "다른-비밀번호-1",
            "next": "",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["password2"]
    assert not get_user_model().objects.filter(username="newcomer").exists()
    assert "_auth_user_id" not in client.session


def test_creating_a_team_makes_its_creator_admin(db, client):
    user = UserFactory()
    login_as(client, user)
    response = client.post(
        url("team_create"),
        {"name": "감마팀", "slug": "gamma", "course": "boostcourse", "language": "ko"},
    )
    team = Team.objects.get(slug="gamma")
    assert response.status_code == 302
    assert response["Location"] == url("members", team="gamma")
    membership = Membership.objects.get(team=team)
    assert membership.user == user
    assert membership.role == Membership.Role.ADMIN
    assert client.get(url("team_settings", team="gamma")).status_code == 200


# --- new day ---------------------------------------------------------------------------


def test_new_day_form_is_prefilled_with_today_and_the_next_number(day, as_member):
    DayFactory(team=day.team, date=datetime.date(2024, 3, 5), number=6)
    response = as_member.get(url("day_create", team="alpha"))
    assert response.status_code == 200
    form = response.context["form"]
    today = timezone.localdate()
    assert form["date"].value() == today
    assert form["number"].value() == 7
    content = response.content.decode()
    assert f'value="{today.isoformat()}"' in content
    assert 'value="7"' in content


def test_creating_a_day_marks_every_active_member_present(day, as_member):
    team = day.team
    name_only = MembershipFactory(team=team, user=None, display_name="정이름")
    gone = MembershipFactory(team=team, display_name="최탈퇴", is_active=False)
    response = as_member.post(
        url("day_create", team="alpha"),
        {
            "date": "2024-03-11",
            "date_confirm": "2024-03-11",  # far from today's clock: confirmed
            "number": "2",
            "moderator": "",
            "title": "",
            "tags": "파이썬",
        },
    )
    new = Day.objects.get(team=team, date=datetime.date(2024, 3, 11))
    assert response.status_code == 302
    assert response["Location"] == url("day_edit", new)
    assert new.number == 2
    rows = {a.member.display_name: a.status for a in new.attendances.select_related("member")}
    assert rows == {"김관리": "present", "이멤버": "present", name_only.display_name: "present"}
    assert gone.display_name not in rows
    assert "박참관" not in rows  # observers watch, they do not attend


def test_a_duplicate_date_shows_the_error_and_saves_nothing(day, as_member):
    days, attendance = Day.objects.count(), Attendance.objects.count()
    response = as_member.post(
        url("day_create", team="alpha"),
        {"date": day.date.isoformat(), "number": "2", "moderator": "", "title": "", "tags": ""},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["date"]
    assert errors
    assert errors[0] in response.content.decode()
    assert (Day.objects.count(), Attendance.objects.count()) == (days, attendance)


# --- items: create, edit, conflicts, delete, move --------------------------------------


def test_creating_an_item_with_htmx_asks_the_list_to_refresh(day, as_member, team_member):
    response = as_member.post(
        url("item_create", day, kind="question"),
        question_body(question="재귀는 언제 쓰나요?", asked_by=str(membership_of(team_member).pk)),
        **HTMX,
    )
    assert response.status_code == 200
    trigger = response["HX-Trigger"]
    assert "studylog:list-changed" in trigger
    assert json.loads(trigger)["studylog:list-changed"] == {"kind": "question"}
    question = Question.objects.get(day=day)
    assert question.question == "재귀는 언제 쓰나요?"
    assert question.asked_by == membership_of(team_member)
    assert question.version == 1
    assert question.updated_by == team_member


def test_new_items_go_to_the_end_of_their_list(day, as_member):
    first = SuggestionFactory(day=day, position=5)
    as_member.post(
        url("item_create", day, kind="suggestion"),
        {"proposal": "끝에 추가", "discussion": "", "outcome": "", "status": "proposed"},
        **HTMX,
    )
    added = Suggestion.objects.get(proposal="끝에 추가")
    assert added.position > first.position
    assert list(Suggestion.objects.filter(day=day)) == [first, added]


def test_an_invalid_item_answers_422_with_the_typed_text_and_saves_nothing(day, as_member):
    response = as_member.post(
        url("item_create", day, kind="question"),
        question_body(question="내가 입력한 질문", links="링크가 아닌 줄"),
        **HTMX,
    )
    assert response.status_code == 422
    content = response.content.decode()
    assert "내가 입력한 질문" in content
    assert "링크가 아닌 줄" in content
    assert not response.has_header("HX-Trigger")
    assert not Question.objects.exists()


def test_editing_with_the_current_version_saves_and_bumps_it(day, as_member):
    question = QuestionFactory(day=day, question="처음 질문")
    response = as_member.post(
        url("item_edit", day, kind="question", pk=question.pk),
        question_body(question="고친 질문", version="1"),
    )
    assert response.status_code == 200
    assert "고친 질문" in response.content.decode()
    question.refresh_from_db()
    assert question.question == "고친 질문"
    assert question.version == 2


def test_editing_a_stale_version_shows_both_and_changes_nothing(day, as_member, team_admin):
    question = QuestionFactory(day=day, question="처음 질문")
    # The admin saves first, from the version both of them loaded.
    first = login_as(Client(), team_admin).post(
        url("item_edit", day, kind="question", pk=question.pk),
        question_body(question="관리자가 먼저 저장한 질문", version="1"),
    )
    assert first.status_code == 200
    saved = Question.objects.filter(pk=question.pk).values().get()

    response = as_member.post(
        url("item_edit", day, kind="question", pk=question.pk),
        question_body(question="멤버가 입력한 질문", version="1"),
    )
    assert response.status_code == 409
    content = response.content.decode()
    assert "관리자가 먼저 저장한 질문" in content  # theirs, as saved
    assert "멤버가 입력한 질문" in content  # mine, as typed
    assert Question.objects.filter(pk=question.pk).values().get() == saved
    assert saved["version"] == 2


def test_saving_an_item_deleted_meanwhile_keeps_the_text_and_can_add_it_again(day, as_member):
    question = QuestionFactory(day=day, question="지워질 질문")
    pk = question.pk
    question.delete()

    response = as_member.post(
        url("item_edit", day, kind="question", pk=pk),
        question_body(question="그동안 고쳐 쓴 질문", version="1"),
    )
    # 404 like any item not in this day, but with the typed text for the page to show.
    assert response.status_code == 404
    assert response["X-Item-Gone"] == "1"
    content = response.content.decode()
    assert "그동안 고쳐 쓴 질문" in content
    assert url("item_create", day, kind="question") in content  # the form re-adds it
    assert not Question.objects.filter(day=day).exists()

    again = as_member.post(
        url("item_create", day, kind="question"), question_body(question="그동안 고쳐 쓴 질문")
    )
    assert again.status_code == 200
    assert Question.objects.filter(day=day).get().question == "그동안 고쳐 쓴 질문"


def test_cancelling_the_edit_of_an_item_deleted_meanwhile_drops_its_card(day, as_member):
    pk = QuestionFactory(day=day).pk
    Question.objects.filter(pk=pk).delete()
    response = as_member.get(url("item", day, kind="question", pk=pk))
    assert response.status_code == 404
    assert response["X-Item-Gone"] == "1"
    assert response.content == b""
    assert "studylog:list-changed" in response["HX-Trigger"]


def test_saving_again_after_a_conflict_overwrites_deliberately(day, as_member):
    question = QuestionFactory(day=day, version=2, question="남이 저장")
    response = as_member.post(
        url("item_edit", day, kind="question", pk=question.pk),
        question_body(question="내 것", version="1"),
    )
    assert response.status_code == 409
    # The conflict form carries their version, so submitting it again is accepted.
    assert 'name="version" value="2"' in response.content.decode()
    again = as_member.post(
        url("item_edit", day, kind="question", pk=question.pk),
        question_body(question="내 것", version="2"),
    )
    assert again.status_code == 200
    question.refresh_from_db()
    assert (question.question, question.version) == ("내 것", 3)


def test_deleting_with_the_current_version_removes_the_row(day, as_member):
    section = SectionFactory(day=day)
    response = as_member.post(
        url("item_delete", day, kind="section", pk=section.pk), {"version": "1"}, **HTMX
    )
    assert response.status_code == 200
    assert "studylog:list-changed" in response["HX-Trigger"]
    assert not FreeSection.objects.filter(pk=section.pk).exists()


def test_deleting_a_stale_version_answers_409_and_keeps_the_row(day, as_member):
    section = SectionFactory(day=day, heading="남이 고친 제목", version=3)
    response = as_member.post(
        url("item_delete", day, kind="section", pk=section.pk), {"version": "2"}, **HTMX
    )
    assert response.status_code == 409
    assert "남이 고친 제목" in response.content.decode()
    section.refresh_from_db()
    assert (section.heading, section.version) == ("남이 고친 제목", 3)


def test_moving_items_up_and_down_reorders_them(day, as_member):
    a, b, c = (SuggestionFactory(day=day, proposal=p) for p in ("가", "나", "다"))
    list_url = url("item_list", day, kind="suggestion")
    assert ids_in_order(as_member.get(list_url).content.decode(), "suggestion") == [
        a.pk,
        b.pk,
        c.pk,
    ]

    response = as_member.post(
        url("item_move", day, kind="suggestion", pk=c.pk), {"direction": "up"}
    )
    assert response.status_code == 200
    assert "studylog:list-changed" in response["HX-Trigger"]
    assert ids_in_order(as_member.get(list_url).content.decode(), "suggestion") == [
        a.pk,
        c.pk,
        b.pk,
    ]

    as_member.post(url("item_move", day, kind="suggestion", pk=a.pk), {"direction": "down"})
    assert ids_in_order(as_member.get(list_url).content.decode(), "suggestion") == [
        c.pk,
        a.pk,
        b.pk,
    ]
    assert list(Suggestion.objects.filter(day=day).values_list("pk", flat=True)) == [
        c.pk,
        a.pk,
        b.pk,
    ]


def test_moving_past_either_end_changes_nothing(day, as_member):
    a, b = SuggestionFactory(day=day), SuggestionFactory(day=day)
    before = list(Suggestion.objects.filter(day=day).values_list("pk", "position"))
    as_member.post(url("item_move", day, kind="suggestion", pk=a.pk), {"direction": "up"})
    as_member.post(url("item_move", day, kind="suggestion", pk=b.pk), {"direction": "down"})
    assert list(Suggestion.objects.filter(day=day).values_list("pk", "position")) == before


# --- the session panel -----------------------------------------------------------------


def attendance_index(day, membership) -> int:
    pks = list(Attendance.objects.filter(day=day).order_by("pk").values_list("member", flat=True))
    return pks.index(membership.pk)


def test_session_edit_saves_the_fields_and_attendance_together(day, as_member, team_admin):
    admin = membership_of(team_admin)
    i = attendance_index(day, admin)
    response = as_member.post(
        url("session_edit", day),
        session_form(
            day,
            moderator=str(admin.pk),
            title="자료구조 특강",
            **{f"attendance-{i}-status": "late", f"attendance-{i}-note": "10분 지각"},
        ),
    )
    assert response.status_code == 200
    day.refresh_from_db()
    assert (day.title, day.moderator, day.version) == ("자료구조 특강", admin, 2)
    row = Attendance.objects.get(day=day, member=admin)
    assert (row.status, row.note) == ("late", "10분 지각")
    assert "자료구조 특강" in response.content.decode()


def test_a_tampered_attendance_count_adds_no_rows(day, as_member):
    # One more row than the day has, with a status: it is ignored, not a 500.
    body = session_form(day)
    n = int(body["attendance-TOTAL_FORMS"])
    body |= {
        "attendance-TOTAL_FORMS": str(n + 1),
        f"attendance-{n}-status": "absent",
        f"attendance-{n}-note": "끼워넣기",
    }
    before = list(Attendance.objects.filter(day=day).values())
    response = as_member.post(url("session_edit", day), body)
    assert response.status_code == 200
    assert list(Attendance.objects.filter(day=day).values()) == before


def newcomer_row(body: dict, member, **fields) -> dict:
    """`body` with the editor's form for a member who has no row yet, after the others."""
    n = int(body["attendance-TOTAL_FORMS"])
    row = {"member": str(member.pk), "status": "present", "note": ""} | fields
    return (
        body
        | {"attendance-TOTAL_FORMS": str(n + 1)}
        | {f"attendance-{n}-{name}": value for name, value in row.items()}
    )


def test_opening_the_session_editor_writes_nothing_and_its_save_adds_newcomers(day, as_member):
    newcomer = MembershipFactory(team=day.team, display_name="새로온사람")
    before = list(Attendance.objects.filter(day=day).values())
    response = as_member.get(url("session_edit", day))
    assert response.status_code == 200
    assert "새로온사람" in response.content.decode()  # a row to mark, before any exists
    assert list(Attendance.objects.filter(day=day).values()) == before

    body = newcomer_row(session_form(day), newcomer, status="late", note="처음 참석")
    assert as_member.post(url("session_edit", day), body).status_code == 200
    row = Attendance.objects.get(day=day, member=newcomer)
    assert (row.status, row.note) == ("late", "처음 참석")
    assert Attendance.objects.filter(day=day).count() == len(before) + 1


def test_a_newcomer_row_naming_anyone_else_adds_no_row(day, as_member, team_admin, other_team):
    """Another team's member, or one who has a row already: the row is passed over."""
    stranger = MembershipFactory(team=other_team)
    admin = membership_of(team_admin)
    MembershipFactory(team=day.team)  # a real newcomer, left out of the post
    before = list(Attendance.objects.filter(day=day).values())
    for member in (stranger, admin):
        day.refresh_from_db()
        body = newcomer_row(session_form(day), member, status="absent")
        assert as_member.post(url("session_edit", day), body).status_code == 200
    assert list(Attendance.objects.filter(day=day).values()) == before


def test_session_edit_from_a_stale_version_answers_409_and_changes_nothing(
    day, as_member, team_admin
):
    admin = membership_of(team_admin)
    body = session_form(day, title="내 제목")
    i = attendance_index(day, admin)
    body[f"attendance-{i}-status"] = "absent"
    Day.objects.filter(pk=day.pk).update(version=2, title="남의 제목")
    attendance = list(Attendance.objects.filter(day=day).values())

    response = as_member.post(url("session_edit", day), body)
    assert response.status_code == 409
    content = response.content.decode()
    assert "남의 제목" in content
    assert "내 제목" in content
    day.refresh_from_db()
    assert (day.title, day.version) == ("남의 제목", 2)
    assert list(Attendance.objects.filter(day=day).values()) == attendance


# --- members' logs ---------------------------------------------------------------------


def log_body(retrospective: str, visibility: str = "team", links=(), version: int = 0) -> dict:
    data = {
        "retrospective": retrospective,
        "visibility": visibility,
        "version": str(version),
        "links-TOTAL_FORMS": str(len(links)),
        "links-INITIAL_FORMS": "0",
        "links-MIN_NUM_FORMS": "0",
        "links-MAX_NUM_FORMS": "30",
    }
    for i, (title, link) in enumerate(links):
        data |= {f"links-{i}-title": title, f"links-{i}-url": link, f"links-{i}-color": "green"}
    return data


def test_log_edit_saves_links_and_retrospective(day, as_member, team_member):
    response = as_member.post(
        url("log_edit", day),
        log_body(
            "해시 테이블을 복습했다",
            links=[("1강 해시", "https://example.com/1"), ("2강 트리", "https://example.com/2")],
        ),
    )
    assert response.status_code == 200
    log = MemberLog.objects.get(day=day, member=membership_of(team_member))
    assert log.retrospective == "해시 테이블을 복습했다"
    assert log.updated_by == team_member
    assert [(link.title, link.url, link.position) for link in log.links.all()] == [
        ("1강 해시", "https://example.com/1", 1),
        ("2강 트리", "https://example.com/2", 2),
    ]
    content = response.content.decode()
    assert "1강 해시" in content and "해시 테이블을 복습했다" in content


def test_log_edit_from_a_stale_version_answers_409_and_changes_nothing(day, as_member, team_member):
    log = MemberLogFactory(
        day=day, member=membership_of(team_member), retrospective="다른 창에서 저장", version=2
    )
    StudyLinkFactory(log=log, title="남아야 하는 링크")
    response = as_member.post(
        url("log_edit", day),
        log_body("이 창에서 입력", links=[("새 링크", "https://example.com/new")], version=1),
    )
    assert response.status_code == 409
    assert "이 창에서 입력" in response.content.decode()
    log.refresh_from_db()
    assert (log.retrospective, log.version) == ("다른 창에서 저장", 2)
    assert list(log.links.values_list("title", flat=True)) == ["남아야 하는 링크"]


def test_a_log_conflict_shows_the_saved_version_and_a_second_save_replaces_it(
    day, as_member, team_member
):
    log = MemberLogFactory(
        day=day, member=membership_of(team_member), retrospective="다른 창에서 저장", version=2
    )
    StudyLinkFactory(log=log, title="남아야 하는 링크")
    body = log_body("이 창에서 입력", links=[("새 링크", "https://example.com/new")], version=1)
    response = as_member.post(url("log_edit", day), body)
    assert response.status_code == 409
    content = response.content.decode()
    assert "다른 창에서 저장" in content and "남아야 하는 링크" in content  # theirs, shown
    assert 'name="version" value="2"' in content  # the retry is a deliberate overwrite

    again = as_member.post(url("log_edit", day), body | {"version": "2"})
    assert again.status_code == 200
    log.refresh_from_db()
    assert (log.retrospective, log.version) == ("이 창에서 입력", 3)
    assert sorted(log.links.values_list("title", flat=True)) == ["남아야 하는 링크", "새 링크"]


def test_a_private_retrospective_is_shown_only_to_its_owner(
    day, as_member, as_admin, as_observer, team_member
):
    as_member.post(url("log_edit", day), log_body("나만 보는 비밀 회고", visibility="private"))
    mine = membership_of(team_member)
    assert MemberLog.objects.get(member=mine).visibility == "private"
    day_page = url("day", day)
    member_page = url("member_day", day, member=mine.pk)

    assert "나만 보는 비밀 회고" in as_member.get(day_page).content.decode()
    assert "나만 보는 비밀 회고" in as_member.get(member_page).content.decode()
    for other in (as_admin, as_observer):
        assert "나만 보는 비밀 회고" not in other.get(day_page).content.decode()
        assert "나만 보는 비밀 회고" not in other.get(member_page).content.decode()


def test_a_team_retrospective_is_shown_to_everyone(day, as_member, as_observer, team_member):
    as_member.post(url("log_edit", day), log_body("모두와 나누는 회고"))
    assert "모두와 나누는 회고" in as_observer.get(url("day", day)).content.decode()


# --- live state ------------------------------------------------------------------------


def test_state_changes_when_an_item_or_the_session_changes(day, as_member):
    question = QuestionFactory(day=day)
    state_url = url("day_state", day)
    before = as_member.get(state_url).json()
    assert before["session"] == day.version
    assert before["lists"]["question"] == f"{question.pk}:1"

    as_member.post(
        url("item_edit", day, kind="question", pk=question.pk),
        question_body(question="바뀐 질문", version="1"),
    )
    after = as_member.get(state_url).json()
    assert after["lists"]["question"] == f"{question.pk}:2"
    assert after != before

    as_member.post(url("item_create", day, kind="section"), {"heading": "새 섹션", "body": ""})
    assert as_member.get(state_url).json()["lists"]["section"] != after["lists"]["section"]


# --- the day's record ------------------------------------------------------------------


@pytest.fixture
def full_day(day, team_admin, team_member):
    """Day 1 with something in every part of the record."""
    admin, member = membership_of(team_admin), membership_of(team_member)
    Day.objects.filter(pk=day.pk).update(moderator=admin)
    Attendance.objects.filter(day=day, member=admin).update(status="absent")
    log = MemberLogFactory(day=day, member=member, retrospective="멤버의 회고")
    StudyLinkFactory(log=log, title="멤버의 강의")
    SuggestionFactory(day=day)
    ReviewFactory(day=day, presenters=[member])
    QuestionFactory(day=day)
    day.sections = [
        SectionFactory(day=day, heading="토의 내용"),
        SectionFactory(day=day, heading="멘토링"),
    ]
    return day


def test_the_record_shows_its_sections_in_the_seed_order(full_day, as_observer):
    content = as_observer.get(url("day", full_day)).content.decode()
    first, second = full_day.sections
    order = [
        'id="study"',
        'id="peer-session"',
        'id="suggestions"',
        'id="reviews"',
        'id="questions"',
        f'id="section-{first.pk}"',
        f'id="section-{second.pk}"',
        'id="retrospectives"',
    ]
    positions = [content.index(marker) for marker in order]
    assert positions == sorted(positions)


def test_the_peer_session_names_the_moderator_and_who_took_part(full_day, as_observer):
    content = as_observer.get(url("day", full_day)).content.decode()
    facts = content[content.index('id="peer-session"') : content.index('id="suggestions"')]
    dds = re.findall(r"<dd>(.*?)</dd>", facts)
    assert dds[0] == "김관리"  # moderator
    assert dds[1] == "이멤버"  # 김관리 was absent: not a participant
    assert "멤버의 강의" in content and "멤버의 회고" in content


def test_empty_parts_are_left_out_of_the_record(day, as_member):
    content = as_member.get(url("day", day)).content.decode()
    assert 'id="peer-session"' in content
    for absent in ("study", "suggestions", "reviews", "questions", "retrospectives"):
        assert f'id="{absent}"' not in content
    assert 'id="section-' not in content


def test_the_record_links_to_the_previous_and_next_days_of_the_team(day, other_team, as_member):
    earlier = DayFactory(team=day.team, date=datetime.date(2024, 2, 26), number=9)
    later = DayFactory(team=day.team, date=datetime.date(2024, 3, 11), number=11)
    DayFactory(team=other_team, date=datetime.date(2024, 3, 1), number=1)  # not a neighbour

    content = as_member.get(url("day", day)).content.decode()
    assert re.search(rf'rel="prev" href="{re.escape(url("day", earlier))}"', content)
    assert re.search(rf'rel="next" href="{re.escape(url("day", later))}"', content)

    first = as_member.get(url("day", earlier)).content.decode()
    assert 'rel="prev"' not in first
    assert re.search(rf'rel="next" href="{re.escape(url("day", day))}"', first)


def test_the_member_record_shows_that_members_links_and_retrospective(
    full_day, as_observer, team_admin, team_member
):
    admin_log = MemberLogFactory(
        day=full_day, member=membership_of(team_admin), retrospective="관리자의 회고"
    )
    StudyLinkFactory(log=admin_log, title="관리자의 강의")
    member = membership_of(team_member)

    response = as_observer.get(url("member_day", full_day, member=member.pk))
    assert response.status_code == 200
    content = response.content.decode()
    assert "멤버의 강의" in content and "멤버의 회고" in content
    assert "관리자의 강의" not in content and "관리자의 회고" not in content


# --- archive ---------------------------------------------------------------------------


def test_the_archive_groups_days_by_week_newest_first_20_per_page(team, as_member):
    start = datetime.date(2024, 1, 1)  # a Monday
    # Weekdays only, five a week, for five weeks plus three days: 28 days.
    dates = [start + datetime.timedelta(days=7 * w + d) for w in range(6) for d in range(5)][:28]
    for number, date in enumerate(dates, start=1):
        DayFactory(team=team, date=date, number=number)

    page1 = as_member.get(url("archive", team="alpha"))
    weeks = page1.context["weeks"]
    shown = [d.date for week in weeks for d in week["days"]]
    assert shown == sorted(dates, reverse=True)[:20]
    for week in weeks:
        assert len({d.date.isocalendar()[:2] for d in week["days"]}) == 1
        # Labelled by the Monday that starts it, even when Monday is not a session day.
        assert week["start"].weekday() == 0
        assert all(0 <= (d.date - week["start"]).days < 7 for d in week["days"])
    assert [w["start"] for w in weeks] == sorted((w["start"] for w in weeks), reverse=True)
    assert len(weeks) == 5  # the latest 3, three full weeks, the last 2 of the week before
    content = page1.content.decode()
    assert content.count('class="week"') == 5
    assert '?page=2"' in content

    page2 = as_member.get(url("archive", team="alpha"), {"page": "2"})
    rest = [d.date for week in page2.context["weeks"] for d in week["days"]]
    assert rest == sorted(dates, reverse=True)[20:]
    assert url("day", team="alpha", date=dates[0]) in page2.content.decode()


# --- invitations and members -----------------------------------------------------------


def test_an_invitation_binds_a_name_only_member_to_the_user_who_accepts(team, as_admin, team_admin):
    named = MembershipFactory(team=team, user=None, display_name="정이름")
    response = as_admin.post(
        url("invitation_create", team="alpha"), {"role": "member", "member": str(named.pk)}
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get(team=team)
    assert (invitation.member, invitation.created_by) == (named, team_admin)

    newcomer = UserFactory()
    client = login_as(Client(), newcomer)
    link = url("invitation_accept", token=invitation.token)
    assert "정이름" in client.get(link).content.decode()
    accepted = client.post(link)
    assert accepted.status_code == 302
    assert accepted["Location"] == url("team", team="alpha")
    named.refresh_from_db()
    assert named.user == newcomer
    invitation.refresh_from_db()
    assert invitation.accepted_by == newcomer
    assert client.get(url("team", team="alpha")).status_code == 200


def test_a_used_invitation_cannot_be_used_again(team, team_admin):
    named = MembershipFactory(team=team, user=None, display_name="정이름")
    invitation = Invitation.objects.create(team=team, member=named, created_by=team_admin)
    link = url("invitation_accept", token=invitation.token)
    first, second = UserFactory(), UserFactory()
    assert login_as(Client(), first).post(link).status_code == 302

    late = login_as(Client(), second)
    page = late.get(link)
    assert page.context["used"] is True
    late.post(link)
    named.refresh_from_db()
    assert named.user == first
    assert not Membership.objects.filter(user=second).exists()
    assert late.get(url("team", team="alpha")).status_code == 404


def test_an_invitation_expires_after_two_weeks(team, team_admin):
    invitation = Invitation.objects.create(team=team, role="member", created_by=team_admin)
    old = timezone.now() - datetime.timedelta(days=14, minutes=1)
    Invitation.objects.filter(pk=invitation.pk).update(created_at=old)
    link = url("invitation_accept", token=invitation.token)
    late = login_as(Client(), UserFactory())
    page = late.get(link)
    assert "만료" in page.content.decode()
    late.post(link, {"display_name": "늦은사람"})
    assert not team.memberships.filter(display_name="늦은사람").exists()
    assert not Invitation.objects.open().filter(pk=invitation.pk).exists()


def test_the_last_admin_cannot_be_demoted(team, as_admin, team_admin):
    me = membership_of(team_admin)
    response = as_admin.post(
        url("member_edit", team="alpha", member=me.pk),
        {"display_name": me.display_name, "role": "member", "is_active": "on", "rotation_order": 0},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["role"]
    me.refresh_from_db()
    assert me.role == Membership.Role.ADMIN


def test_an_admin_may_step_down_when_another_admin_remains(team, as_admin, team_admin):
    MembershipFactory(team=team, role=Membership.Role.ADMIN, display_name="부관리")
    me = membership_of(team_admin)
    response = as_admin.post(
        url("member_edit", team="alpha", member=me.pk),
        {"display_name": me.display_name, "role": "member", "is_active": "on", "rotation_order": 0},
    )
    assert response.status_code == 302
    me.refresh_from_db()
    assert me.role == Membership.Role.MEMBER


# --- markdown preview and upload -------------------------------------------------------


def test_preview_renders_sanitized_markdown_for_members(team, as_member):
    response = as_member.post(
        url("markdown_preview", team="alpha"),
        {"content": "**굵게**\n\n<script>alert('x')</script>[링크](javascript:alert(1))"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>굵게</strong>" in html
    assert "<script" not in html and "alert('x')" not in html
    assert "javascript:" not in html


def test_preview_is_404_for_outsiders_and_asks_anonymous_users_to_log_in(team, as_outsider, anon):
    preview = url("markdown_preview", team="alpha")
    assert as_outsider.post(preview, {"content": "hi"}).status_code == 404
    response = anon.post(preview, {"content": "hi"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_uploads_are_refused_for_members(team, as_member):
    response = as_member.post(url("markdown_upload", team="alpha"), {"image": "x"})
    assert response.status_code == 400
    assert "image" in response.json()


def test_study_links_render_only_web_urls(day, as_member, team_member):
    """A link row can only hold http(s) URLs, so badges never carry javascript:."""
    response = as_member.post(
        url("log_edit", day), log_body("회고", links=[("나쁜 링크", "javascript:alert(1)")])
    )
    assert response.status_code == 422
    assert not StudyLink.objects.exists()
    assert not MemberLog.objects.exists()


def test_a_newcomer_who_left_meanwhile_is_passed_over_and_the_other_saved(day, as_member):
    leaving = MembershipFactory(team=day.team, display_name="떠난사람")
    staying = MembershipFactory(team=day.team, display_name="남은사람")
    body = newcomer_row(session_form(day), leaving, status="late")
    body = newcomer_row(body, staying, status="excused")
    Membership.objects.filter(pk=leaving.pk).update(is_active=False)
    assert as_member.post(url("session_edit", day), body).status_code == 200
    assert Attendance.objects.get(day=day, member=staying).status == "excused"
    assert not Attendance.objects.filter(day=day, member=leaving).exists()


def test_a_refused_session_save_keeps_the_newcomers_names(day, as_member):
    newcomer = MembershipFactory(team=day.team, display_name="이름유지")
    body = newcomer_row(session_form(day, number="0"), newcomer, status="late")
    response = as_member.post(url("session_edit", day), body)
    assert response.status_code == 422
    names = re.findall(r'class="att-name">([^<]*)<', response.content.decode())
    assert "이름유지" in names and "" not in names


def test_a_refused_save_shows_no_row_for_a_newcomer_who_left(day, as_member):
    leaving = MembershipFactory(team=day.team, display_name="떠난뒤")
    body = newcomer_row(session_form(day, number="0"), leaving, status="late")
    Membership.objects.filter(pk=leaving.pk).update(is_active=False)
    response = as_member.post(url("session_edit", day), body)
    assert response.status_code == 422
    names = re.findall(r'class="att-name">([^<]*)<', response.content.decode())
    assert "" not in names and "떠난뒤" not in names
    assert len(names) == Attendance.objects.filter(day=day).count()
