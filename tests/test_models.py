"""Models: database constraints, small properties, __str__ and Day's querysets."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from sessions.models import (
    Attendance,
    Day,
    Invitation,
    MemberLog,
    Membership,
)

from .factories import (
    AttendanceFactory,
    DayFactory,
    MemberLogFactory,
    MembershipFactory,
    QuestionFactory,
    ReviewFactory,
    SectionFactory,
    StudyLinkFactory,
    SuggestionFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

MARCH_4 = datetime.date(2024, 3, 4)


# Constraints


def test_day_date_is_unique_per_team():
    team = TeamFactory()
    DayFactory(team=team, date=MARCH_4, number=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        DayFactory(team=team, date=MARCH_4, number=2)
    assert Day.objects.filter(team=team).count() == 1


def test_two_teams_may_meet_on_the_same_date():
    DayFactory(team=TeamFactory(), date=MARCH_4)
    DayFactory(team=TeamFactory(), date=MARCH_4)
    assert Day.objects.filter(date=MARCH_4).count() == 2


def test_day_number_must_be_at_least_one():
    team = TeamFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        DayFactory(team=team, number=0)
    assert not Day.objects.filter(team=team).exists()
    assert DayFactory(team=team, number=1).number == 1


def test_a_user_is_a_member_of_a_team_once():
    team, user = TeamFactory(), UserFactory()
    MembershipFactory(team=team, user=user)
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(team=team, user=user)
    assert Membership.objects.filter(team=team, user=user).count() == 1


def test_a_user_may_join_several_teams():
    user = UserFactory()
    MembershipFactory(team=TeamFactory(), user=user)
    MembershipFactory(team=TeamFactory(), user=user)
    assert user.memberships.count() == 2


def test_several_name_only_members_are_allowed():
    team = TeamFactory()
    MembershipFactory(team=team, user=None, display_name="정하나")
    MembershipFactory(team=team, user=None, display_name="정두리")
    assert Membership.objects.filter(team=team, user__isnull=True).count() == 2


def test_display_name_is_unique_per_team():
    team = TeamFactory()
    MembershipFactory(team=team, display_name="김민준")
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(team=team, user=None, display_name="김민준")
    # Another team may have its own 김민준.
    MembershipFactory(team=TeamFactory(), display_name="김민준")
    assert Membership.objects.filter(display_name="김민준").count() == 2


def test_blank_display_name_is_refused_by_the_database():
    team = TeamFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(team=team, display_name="")
    assert not team.memberships.exists()


def test_attendance_once_per_day_and_member():
    attendance = AttendanceFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Attendance.objects.create(
            day=attendance.day, member=attendance.member, status=Attendance.Status.LATE
        )
    assert Attendance.objects.get().status == Attendance.Status.PRESENT


def test_member_log_once_per_day_and_member():
    log = MemberLogFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        MemberLog.objects.create(day=log.day, member=log.member, retrospective="두 번째")
    assert MemberLog.objects.get().pk == log.pk


# Properties


def test_default_display_title():
    team = TeamFactory(name="알파팀", slug="alpha", course="boostcourse")
    day = DayFactory(team=team, number=3, title="")
    assert day.display_title == "[boostcourse] Day3 학습기록_알파팀"


def test_default_display_title_falls_back_to_slug_without_course():
    team = TeamFactory(name="알파팀", slug="alpha", course="")
    assert DayFactory(team=team, number=12).display_title == "[alpha] Day12 학습기록_알파팀"


def test_own_title_wins_over_default():
    day = DayFactory(title="특강: 그래프 탐색")
    assert day.display_title == "특강: 그래프 탐색"


def test_tag_list_strips_and_skips_empties():
    assert DayFactory(tags=" 파이썬, ,자료구조 ,").tag_list == ["파이썬", "자료구조"]


def test_suggestion_discussion_items_one_per_non_blank_line():
    suggestion = SuggestionFactory(discussion="  시작 시간 조정 \n\n주말 진행 여부\r\n   \n회비")
    assert suggestion.discussion_items == ["시작 시간 조정", "주말 진행 여부", "회비"]
    assert SuggestionFactory(discussion="").discussion_items == []


def test_question_link_list_keeps_only_web_links():
    question = QuestionFactory(
        links="\n".join(
            [
                "파이썬 공식 문서 https://docs.python.org/ko/3/",
                "https://example.com/a",
                "javascript:alert(1)",
                "나쁜 링크 javascript:alert(1)",
                "FTP ftp://example.com/file",
                "",
                "그냥 텍스트",
            ]
        )
    )
    assert question.link_list == [
        ("파이썬 공식 문서", "https://docs.python.org/ko/3/"),
        ("https://example.com/a", "https://example.com/a"),
    ]


@pytest.mark.parametrize(
    ("role", "is_active", "can_write"),
    [
        (Membership.Role.ADMIN, True, True),
        (Membership.Role.MEMBER, True, True),
        (Membership.Role.OBSERVER, True, False),
        (Membership.Role.ADMIN, False, False),
        (Membership.Role.MEMBER, False, False),
    ],
)
def test_membership_can_write(role, is_active, can_write):
    assert Membership(role=role, is_active=is_active).can_write is can_write


def test_membership_is_admin():
    assert Membership(role=Membership.Role.ADMIN).is_admin
    assert not Membership(role=Membership.Role.MEMBER).is_admin


def test_team_log_is_visible_to_everyone():
    log = MemberLogFactory(visibility=MemberLog.Visibility.TEAM)
    other = MembershipFactory(team=log.day.team)
    assert log.visible_to(log.member)
    assert log.visible_to(other)
    assert log.visible_to(None)


def test_private_log_is_visible_only_to_its_author():
    log = MemberLogFactory(visibility=MemberLog.Visibility.PRIVATE)
    other = MembershipFactory(team=log.day.team)
    assert log.visible_to(log.member)
    assert not log.visible_to(other)
    assert not log.visible_to(None)


def test_attendance_took_part():
    assert Attendance(status=Attendance.Status.PRESENT).took_part
    assert Attendance(status=Attendance.Status.LATE).took_part
    assert not Attendance(status=Attendance.Status.ABSENT).took_part
    assert not Attendance(status=Attendance.Status.EXCUSED).took_part


# __str__


def test_str_of_team_member_and_day():
    team = TeamFactory(name="알파팀", slug="alpha")
    member = MembershipFactory(team=team, display_name="김민준")
    day = DayFactory(team=team, number=2)
    assert str(team) == "알파팀"
    assert str(member) == "김민준"
    assert str(day) == "[boostcourse] Day2 학습기록_알파팀"


def test_str_of_attendance():
    attendance = AttendanceFactory(member__display_name="김민준", status=Attendance.Status.LATE)
    with translation.override("en"):
        assert str(attendance) == "김민준 · Late"


def test_str_of_invitation():
    team = TeamFactory(name="알파팀")
    member = MembershipFactory(team=team, user=None, display_name="정하나")
    assert str(Invitation(team=team, member=member)) == "알파팀 → 정하나"
    with translation.override("en"):
        assert str(Invitation(team=team, role=Membership.Role.OBSERVER)) == "알파팀 → Observer"


def test_str_of_day_items():
    long_text = "가" * 100
    assert str(SuggestionFactory(proposal=long_text)) == "가" * 60
    assert str(QuestionFactory(question=long_text)) == "가" * 60
    assert str(ReviewFactory(assignment="과제 3", topic="정렬")) == "과제 3 정렬"
    assert str(ReviewFactory(assignment="과제 4", topic="")) == "과제 4"
    assert str(SectionFactory(heading="멘토링")) == "멘토링"


def test_str_of_log_and_link():
    day = DayFactory(team=TeamFactory(name="알파팀", slug="alpha"), number=5)
    log = MemberLogFactory(day=day, member__display_name="김민준")
    assert str(log) == "[boostcourse] Day5 학습기록_알파팀 · 김민준"
    assert str(StudyLinkFactory(log=log, title="3강 정리")) == "3강 정리"


# Day querysets


def test_with_counts():
    team = TeamFactory()
    day = DayFactory(team=team)
    statuses = [
        Attendance.Status.PRESENT,
        Attendance.Status.PRESENT,
        Attendance.Status.LATE,
        Attendance.Status.ABSENT,
        Attendance.Status.EXCUSED,
    ]
    for status in statuses:
        AttendanceFactory(day=day, status=status)
    SuggestionFactory.create_batch(2, day=day)
    ReviewFactory(day=day)
    QuestionFactory.create_batch(2, day=day, needs_follow_up=False)
    QuestionFactory(day=day, needs_follow_up=True)
    # Another team's rows on another day must not be counted.
    elsewhere = DayFactory()
    AttendanceFactory(day=elsewhere)
    QuestionFactory(day=elsewhere, needs_follow_up=True)
    SectionFactory(day=elsewhere)

    counted = Day.objects.for_team(team).with_counts().get()

    assert counted.pk == day.pk
    assert counted.n_present == 3  # late counts as present
    assert counted.n_attendance == 5
    assert counted.n_suggestions == 2
    assert counted.n_reviews == 1
    assert counted.n_questions == 3
    assert counted.n_open_questions == 1
    assert counted.n_sections == 0


def test_with_counts_is_zero_for_an_empty_day_and_one_query(django_assert_num_queries):
    team = TeamFactory()
    DayFactory.create_batch(3, team=team)
    for other in DayFactory.create_batch(2):
        QuestionFactory(day=other)
    with django_assert_num_queries(1):
        days = list(Day.objects.for_team(team).with_counts())
        moderators = [d.moderator for d in days]  # select_related: no extra query
    assert len(days) == 3 and moderators == [None] * 3
    for counted in days:
        assert (counted.n_present, counted.n_attendance, counted.n_questions) == (0, 0, 0)
        assert (counted.n_suggestions, counted.n_reviews, counted.n_sections) == (0, 0, 0)
        assert counted.n_open_questions == 0


def _fill_day(day, n):
    """`n` rows of every kind on `day`, with members set wherever a record shows one."""
    members = MembershipFactory.create_batch(n, team=day.team)
    for member in members:
        AttendanceFactory(day=day, member=member)
        SuggestionFactory(day=day)
        ReviewFactory(day=day, presenters=members)
        QuestionFactory(day=day, asked_by=member, answered_by=members[0])
        SectionFactory(day=day)
        log = MemberLogFactory(day=day, member=member)
        StudyLinkFactory.create_batch(2, log=log)
    day.moderator = members[0]
    day.save()


def _render_record(day):
    """Touch everything the day's record page shows."""
    seen = [day.team.name, str(day.moderator)]
    seen += [str(a.member) for a in day.attendances.all()]
    seen += [s.proposal for s in day.suggestions.all()]
    seen += [str(p) for r in day.assignmentreviews.all() for p in r.presenters.all()]
    for q in day.questions.all():
        seen += [str(q.asked_by), str(q.answered_by)]
    seen += [s.heading for s in day.freesections.all()]
    for log in day.logs.all():
        seen.append(str(log.member))
        seen += [link.url for link in log.links.all()]
    return seen


def _queries_for_record(day):
    with CaptureQueriesContext(connection) as ctx:
        loaded = Day.objects.for_record().get(pk=day.pk)
        seen = _render_record(loaded)
    return len(ctx.captured_queries), seen


def test_for_record_uses_a_fixed_number_of_queries():
    small, large = DayFactory(), DayFactory()
    _fill_day(small, 1)
    _fill_day(large, 4)

    n_small, seen_small = _queries_for_record(small)
    n_large, seen_large = _queries_for_record(large)

    assert len(seen_large) > len(seen_small)  # the large day really shows more
    assert n_small == n_large
    # One for the day (with team and moderator), one per prefetched relation: attendance,
    # suggestions, reviews and presenters, questions and their asker, answerer and
    # resolver, sections, action items and their owner and resolver, logs and links.
    assert n_large <= 15


def test_for_record_prefetches_attendance_members():
    day = DayFactory()
    AttendanceFactory(day=day, member__display_name="김민준")
    loaded = Day.objects.for_record().get(pk=day.pk)
    # The prefetch selects each row's member: reading it costs nothing more.
    with CaptureQueriesContext(connection) as ctx:
        names = [str(a.member) for a in loaded.attendances.all()]
    assert names == ["김민준"]
    assert len(ctx.captured_queries) == 0
