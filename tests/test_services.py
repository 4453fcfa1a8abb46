"""sessions.services: versioned saves, ordering, days, logs, teams and invitations.

Forms are built and bound the way the views build them: the browser posts back
what the unbound form rendered (including the hidden version), plus the edits.
"""

import datetime

import pytest
from django.forms.formsets import BaseFormSet

from sessions import services
from sessions.forms.day import DayForm, SessionForm, attendance_formset
from sessions.forms.items import QuestionForm, ReviewForm
from sessions.forms.logs import MemberLogForm, StudyLinkFormSet
from sessions.forms.teams import TeamForm
from sessions.models import (
    AssignmentReview,
    Attendance,
    Day,
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
    StudyLinkFactory,
    SuggestionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _fields(form) -> dict:
    """What a browser posts for `form` as rendered: each field's current value."""
    data = {}
    for bound in form:
        value = bound.value()
        if value is None or value is False:
            continue  # empty or an unchecked checkbox: nothing posted
        if value is True:
            value = "on"
        data[bound.html_name] = [str(v) for v in value] if isinstance(value, list) else str(value)
    return data


def post_data(*parts) -> dict:
    data = {}
    for part in parts:
        if isinstance(part, BaseFormSet):
            data.update(_fields(part.management_form))
            for form in part.forms:
                data.update(_fields(form))
        else:
            data.update(_fields(part))
    return data


def row(model_instance) -> dict:
    """The row as stored now, every column."""
    return type(model_instance).objects.filter(pk=model_instance.pk).values().get()


@pytest.fixture
def member(team_member):
    return team_member.memberships.get()


# save_versioned


def question_form(day, *, instance=None, version=None, **changes):
    """A bound QuestionForm: a new question, or an edit of `instance` from `version`."""
    if instance is None:
        instance = Question(day=day)
    else:
        instance = Question.objects.get(pk=instance.pk)  # the view loads it per request
    data = post_data(QuestionForm(team=day.team, instance=instance))
    data.update(changes)
    if version is not None:
        data["version"] = str(version)
    form = QuestionForm(data, team=day.team, instance=instance)
    assert form.is_valid(), form.errors
    return form


def test_save_versioned_creates_at_the_end_with_version_1(day, team_member):
    SuggestionFactory(day=day, position=7)  # another kind: its positions are its own
    QuestionFactory(day=DayFactory(team=day.team), position=9)  # another day
    QuestionFactory(day=day, position=4)

    form = question_form(day, question="정렬은 언제 안정적인가요?")
    saved = services.save_versioned(form, expected_version=None, user=team_member)

    saved = Question.objects.get(pk=saved.pk)
    assert saved.question == "정렬은 언제 안정적인가요?"
    assert saved.position == 5
    assert saved.version == 1
    assert saved.updated_by == team_member


def test_save_versioned_first_item_of_a_day_is_position_1(day, team_member):
    form = question_form(day, question="첫 질문")
    saved = services.save_versioned(form, expected_version=None, user=team_member)
    assert Question.objects.get(pk=saved.pk).position == 1


def test_save_versioned_saves_many_to_many_fields(day, team_member, team_admin):
    presenters = [team_member.memberships.get(), team_admin.memberships.get()]
    data = post_data(ReviewForm(team=day.team, instance=AssignmentReview(day=day)))
    data.update(assignment="과제 2", presenters=[str(m.pk) for m in presenters])
    form = ReviewForm(data, team=day.team, instance=AssignmentReview(day=day))
    assert form.is_valid(), form.errors

    saved = services.save_versioned(form, expected_version=None, user=team_member)

    assert set(AssignmentReview.objects.get(pk=saved.pk).presenters.all()) == set(presenters)


def test_save_versioned_with_the_current_version_bumps_it(day, team_member):
    item = QuestionFactory(day=day, question="원래 질문", version=3, position=2)

    form = question_form(day, instance=item, question="고친 질문")
    assert form.expected_version == 3  # what the edit form rendered
    services.save_versioned(form, expected_version=form.expected_version, user=team_member)

    item.refresh_from_db()
    assert (item.question, item.version, item.position) == ("고친 질문", 4, 2)
    assert item.updated_by == team_member


def test_save_versioned_from_a_stale_version_raises_and_writes_nothing(day, team_member):
    # Someone else saved since this editor loaded version 1.
    item = QuestionFactory(day=day, question="다른 사람이 고친 질문", version=2)
    before = row(item)

    form = question_form(day, instance=item, version=1, question="내가 고친 질문")
    with pytest.raises(services.Conflict) as conflict:
        services.save_versioned(form, expected_version=form.expected_version, user=team_member)

    assert conflict.value.current.pk == item.pk
    assert conflict.value.current.version == 2
    assert row(item) == before


def test_save_versioned_of_a_row_deleted_meanwhile_raises(day, team_member):
    item = QuestionFactory(day=day)
    form = question_form(day, instance=item, question="고친 질문")
    Question.objects.filter(pk=item.pk).delete()

    with pytest.raises(services.Conflict) as conflict:
        services.save_versioned(form, expected_version=form.expected_version, user=team_member)

    assert conflict.value.current is None
    assert not Question.objects.filter(day=day).exists()  # not re-created


def test_save_versioned_of_an_existing_row_without_a_version_raises(day, team_member):
    item = QuestionFactory(day=day, question="원래 질문")
    form = question_form(day, instance=item, question="고친 질문")
    with pytest.raises(services.Conflict):
        services.save_versioned(form, expected_version=None, user=team_member)
    assert Question.objects.get(pk=item.pk).question == "원래 질문"


# delete_item and move_item


def test_delete_item_from_a_stale_version_keeps_the_row(day):
    item = SuggestionFactory(day=day, version=2)
    before = row(item)
    with pytest.raises(services.Conflict):
        services.delete_item(item, expected_version=1, user=None)
    assert row(item) == before


def test_delete_item_with_the_current_version_deletes(day):
    item, other = SuggestionFactory(day=day, version=2), SuggestionFactory(day=day)
    services.delete_item(item, expected_version=2, user=None)
    assert list(Suggestion.objects.filter(day=day)) == [other]


def order(day):
    return list(Suggestion.objects.filter(day=day).values_list("proposal", "position"))


@pytest.fixture
def three(day):
    return [
        SuggestionFactory(day=day, proposal=name, position=position)
        for name, position in [("가", 1), ("나", 2), ("다", 3)]
    ]


def test_move_up_swaps_with_the_item_above(day, three):
    services.move_item(three[1], "up")
    assert order(day) == [("나", 1), ("가", 2), ("다", 3)]


def test_move_down_swaps_with_the_item_below(day, three):
    services.move_item(three[1], "down")
    assert order(day) == [("가", 1), ("다", 2), ("나", 3)]


def test_moving_past_either_end_changes_nothing(day, three):
    before = [row(item) for item in three]
    services.move_item(three[0], "up")
    services.move_item(three[2], "down")
    assert [row(item) for item in three] == before


def test_move_renumbers_gaps_and_leaves_other_days_alone(day):
    other_day_item = SuggestionFactory(day=DayFactory(team=day.team), position=2)
    first = SuggestionFactory(day=day, proposal="가", position=3)
    SuggestionFactory(day=day, proposal="나", position=10)
    services.move_item(first, "down")
    assert order(day) == [("나", 1), ("가", 2)]
    assert row(other_day_item)["position"] == 2


# create_day and save_session


def test_create_day_marks_active_non_observers_present(
    team, team_admin, team_member, team_observer, outsider
):
    name_only = MembershipFactory(team=team, user=None, display_name="정이름")
    MembershipFactory(team=team, display_name="휴면회원", is_active=False)
    data = {"date": "2024-03-11", "number": "2", "title": "", "tags": "그래프"}
    data["date_confirm"] = data["date"]  # far from today's clock: confirmed
    form = DayForm(data, team=team)
    assert form.is_valid(), form.errors

    day = services.create_day(form, team=team, user=team_member)

    day = Day.objects.get(pk=day.pk)
    assert (day.team, day.date, day.number) == (team, datetime.date(2024, 3, 11), 2)
    assert day.updated_by == team_member
    attendance = Attendance.objects.filter(day=day)
    assert {a.member for a in attendance} == {
        team_admin.memberships.get(),
        team_member.memberships.get(),
        name_only,
    }
    assert {a.status for a in attendance} == {Attendance.Status.PRESENT}


def session_forms(day, **changes):
    """SessionForm and attendance formset bound as the session panel posts them."""
    day = Day.objects.get(pk=day.pk)
    data = post_data(SessionForm(instance=day, team=day.team), attendance_formset(day))
    data.update(changes)
    form = SessionForm(data, instance=day, team=day.team)
    formset = attendance_formset(day, data)
    assert form.is_valid(), form.errors
    assert formset.is_valid(), formset.errors
    return form, formset


def test_save_session_saves_fields_and_attendance(day, team_member):
    form, formset = session_forms(
        day, **{"title": "특강", "attendance-0-status": "late", "attendance-0-note": "10분"}
    )
    late_member = formset.forms[0].instance.member

    services.save_session(form, formset, expected_version=form.expected_version, user=team_member)

    day.refresh_from_db()
    assert (day.title, day.version, day.updated_by) == ("특강", 2, team_member)
    late = Attendance.objects.get(day=day, member=late_member)
    assert (late.status, late.note) == (Attendance.Status.LATE, "10분")


def test_save_session_from_a_stale_version_raises_and_writes_nothing(day, team_member):
    Day.objects.filter(pk=day.pk).update(version=2)  # someone saved meanwhile
    form, formset = session_forms(
        day, **{"version": "1", "title": "특강", "attendance-0-status": "absent"}
    )
    before = row(day)
    attendance_before = list(Attendance.objects.filter(day=day).values())

    with pytest.raises(services.Conflict):
        services.save_session(
            form, formset, expected_version=form.expected_version, user=team_member
        )

    assert row(day) == before
    assert list(Attendance.objects.filter(day=day).values()) == attendance_before


# save_log


def log_forms(day, member, *, version=None, new_links=(), **changes):
    """MemberLogForm and StudyLinkFormSet as the log panel posts them, plus typed rows."""
    log = MemberLog.objects.filter(day=day, member=member).first() or MemberLog(
        day=day, member=member
    )
    data = post_data(
        MemberLogForm(instance=log, team=day.team), StudyLinkFormSet(instance=log, prefix="links")
    )
    total = int(data["links-TOTAL_FORMS"])  # the last rendered row is the blank extra one
    for index, (title, url) in enumerate(new_links, start=total):
        data.update(
            {
                f"links-{index}-title": title,
                f"links-{index}-url": url,
                f"links-{index}-color": "blue",
            }
        )
    data["links-TOTAL_FORMS"] = str(total + len(new_links))
    data.update(changes)
    if version is not None:
        data["version"] = str(version)
    form = MemberLogForm(data, instance=log, team=day.team)
    formset = StudyLinkFormSet(data, instance=log, prefix="links")
    assert form.is_valid(), form.errors
    assert formset.is_valid(), formset.errors
    return form, formset


def links_of(log):
    return list(StudyLink.objects.filter(log=log).values_list("position", "title", "url"))


def test_save_log_creates_the_log_and_its_links_in_order(day, member, team_member):
    form, formset = log_forms(
        day,
        member,
        retrospective="오늘은 **힙**을 배웠다.",
        new_links=[("힙 정리", "https://example.com/heap"), ("강의", "http://example.com/2")],
    )

    log = services.save_log(form, formset, expected_version=form.expected_version, user=team_member)

    log = MemberLog.objects.get(pk=log.pk)
    assert (log.day, log.member, log.version) == (day, member, 1)
    assert log.retrospective == "오늘은 **힙**을 배웠다."
    assert log.updated_by == team_member
    # The blank extra row between them is not saved.
    assert links_of(log) == [
        (1, "힙 정리", "https://example.com/heap"),
        (2, "강의", "http://example.com/2"),
    ]


def test_save_log_deletes_marked_links_and_renumbers(day, member, team_member):
    log = MemberLogFactory(day=day, member=member, version=1)
    for position, title in enumerate(["하나", "둘", "셋"], start=1):
        StudyLinkFactory(log=log, position=position, title=title)
    form, formset = log_forms(day, member, **{"links-0-DELETE": "on", "links-2-title": "셋(수정)"})

    services.save_log(form, formset, expected_version=form.expected_version, user=team_member)

    assert [(p, t) for p, t, _url in links_of(log)] == [(1, "둘"), (2, "셋(수정)")]
    assert MemberLog.objects.get(pk=log.pk).version == 2


def test_save_log_keeps_the_order_the_member_arranged(day, member, team_member):
    # The page numbers ORDER by the rows' on-screen order after the member moves them.
    log = MemberLogFactory(day=day, member=member, version=1)
    for position, title in enumerate(["하나", "둘", "셋"], start=1):
        StudyLinkFactory(log=log, position=position, title=title)
    form, formset = log_forms(
        day, member, **{"links-0-ORDER": "3", "links-1-ORDER": "1", "links-2-ORDER": "2"}
    )

    services.save_log(form, formset, expected_version=form.expected_version, user=team_member)

    assert [(p, t) for p, t, _url in links_of(log)] == [(1, "둘"), (2, "셋"), (3, "하나")]


def test_save_log_from_a_stale_version_raises_and_writes_nothing(day, member, team_member):
    log = MemberLogFactory(day=day, member=member, version=3, retrospective="다른 탭에서 저장")
    StudyLinkFactory(log=log, position=1, title="하나")
    form, formset = log_forms(
        day,
        member,
        version=2,
        retrospective="옛 탭에서 저장",
        new_links=[("새 링크", "https://example.com/new")],
        **{"links-0-DELETE": "on"},
    )
    before, links_before = row(log), links_of(log)

    with pytest.raises(services.Conflict):
        services.save_log(form, formset, expected_version=form.expected_version, user=team_member)

    assert row(log) == before
    assert links_of(log) == links_before


# create_team


def team_form(**changes):
    data = {"name": "감마팀", "slug": "gamma", "course": "boostcourse", "language": "ko"}
    form = TeamForm({**data, **changes})
    assert form.is_valid(), form.errors
    return form


def test_create_team_makes_its_creator_admin():
    user = UserFactory(last_name="김", first_name="민준")
    team = services.create_team(team_form(), user=user)

    team = Team.objects.get(pk=team.pk)
    assert (team.name, team.slug) == ("감마팀", "gamma")
    membership = Membership.objects.get(team=team)
    assert (membership.user, membership.role) == (user, Membership.Role.ADMIN)
    assert membership.display_name == "김민준"
    assert membership.can_write


def test_create_team_names_a_user_without_names_by_username():
    user = UserFactory(username="minjun", last_name="", first_name="")
    team = services.create_team(team_form(), user=user)
    assert Membership.objects.get(team=team).display_name == "minjun"


# accept_invitation


def invite(team, **kwargs):
    return Invitation.objects.create(team=team, **kwargs)


def test_invitation_binds_a_name_only_member(team, team_admin):
    name_only = MembershipFactory(team=team, user=None, display_name="정이름", is_active=False)
    invitation = invite(team, member=name_only, role=Membership.Role.MEMBER, created_by=team_admin)
    user = UserFactory()

    membership = services.accept_invitation(invitation, user=user, display_name="무시됨")

    name_only.refresh_from_db()
    assert membership.pk == name_only.pk
    assert (name_only.user, name_only.display_name, name_only.is_active) == (user, "정이름", True)
    invitation.refresh_from_db()
    assert invitation.accepted_by == user
    assert not invitation.is_open
    assert team.memberships.count() == 2  # nobody new


def test_invitation_creates_a_new_member_with_its_role(team, team_admin):
    invitation = invite(team, role=Membership.Role.OBSERVER)
    user = UserFactory()

    membership = services.accept_invitation(invitation, user=user, display_name="  새멤버 ")

    membership = Membership.objects.get(pk=membership.pk)
    assert (membership.team, membership.user) == (team, user)
    assert (membership.display_name, membership.role) == ("새멤버", Membership.Role.OBSERVER)
    assert not Invitation.objects.get(pk=invitation.pk).is_open


def test_used_invitation_is_refused(team, team_admin):
    invitation = invite(team)
    services.accept_invitation(invitation, user=UserFactory(), display_name="첫사람")
    members_before = list(team.memberships.values())

    with pytest.raises(services.InvitationError):
        services.accept_invitation(invitation, user=UserFactory(), display_name="둘째")

    assert list(team.memberships.values()) == members_before


def test_invitation_for_a_member_who_got_an_account_meanwhile_is_refused(team, team_member):
    bound = team_member.memberships.get()
    invitation = invite(team, member=bound)
    with pytest.raises(services.InvitationError):
        services.accept_invitation(invitation, user=UserFactory())
    assert Membership.objects.get(pk=bound.pk).user == team_member
    assert Invitation.objects.get(pk=invitation.pk).is_open


def test_invitation_with_a_taken_name_is_refused_and_stays_open(team, team_member):
    invitation = invite(team)
    with pytest.raises(services.InvitationError):
        services.accept_invitation(invitation, user=UserFactory(), display_name="이멤버")
    assert Invitation.objects.get(pk=invitation.pk).is_open
    assert team.memberships.filter(display_name="이멤버").count() == 1


def test_invitation_for_someone_already_in_the_team_adds_nobody(team, team_member):
    invitation = invite(team)
    membership = services.accept_invitation(invitation, user=team_member, display_name="다른이름")
    assert membership == team_member.memberships.get()
    assert team.memberships.filter(user=team_member).count() == 1


def test_invitation_reactivates_a_former_member(team, team_admin):
    former = MembershipFactory(team=team, display_name="예전회원", is_active=False)
    invitation = invite(team, role=Membership.Role.MEMBER, created_by=team_admin)

    membership = services.accept_invitation(invitation, user=former.user)

    assert membership.pk == former.pk
    assert Membership.objects.get(pk=former.pk).is_active


def test_a_member_opening_someone_elses_invitation_leaves_it_for_them(team, team_admin):
    name_only = MembershipFactory(team=team, user=None, display_name="초대받을사람")
    invitation = invite(team, member=name_only, role=Membership.Role.ADMIN)

    membership = services.accept_invitation(invitation, user=team_admin)

    assert membership == team_admin.memberships.get()
    assert Invitation.objects.get(pk=invitation.pk).is_open
    assert Membership.objects.get(pk=name_only.pk).user is None


def test_a_former_member_cannot_take_another_members_name(team, team_admin):
    former = MembershipFactory(team=team, display_name="예전회원", is_active=False)
    name_only = MembershipFactory(team=team, user=None, display_name="다른사람")
    invitation = invite(team, member=name_only, role=Membership.Role.ADMIN)

    with pytest.raises(services.InvitationError):
        services.accept_invitation(invitation, user=former.user)

    assert not Membership.objects.get(pk=former.pk).is_active
    assert Membership.objects.get(pk=name_only.pk).user is None
    assert Invitation.objects.get(pk=invitation.pk).is_open


def test_two_admins_stepping_down_one_after_the_other_leave_one_admin(team, team_admin):
    """Each admin's form was filled in while the other was still an admin; the second
    save finds itself the last one and is refused, nothing saved."""
    from sessions.forms.teams import MemberForm

    first = team_admin.memberships.get()
    second = MembershipFactory(team=team, role=Membership.Role.ADMIN, display_name="부관리")
    forms = [
        MemberForm(
            {
                "display_name": m.display_name,
                "role": "member",
                "is_active": "on",
                "rotation_order": 0,
            },
            instance=Membership.objects.get(pk=m.pk),
            team=team,
        )
        for m in (first, second)
    ]
    assert all(form.is_valid() for form in forms), [form.errors for form in forms]
    services.update_member(forms[0])
    with pytest.raises(services.LastAdmin):
        services.update_member(forms[1])
    second.refresh_from_db()
    assert second.role == Membership.Role.ADMIN
