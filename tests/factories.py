"""factory-boy factories for Studylog's models, shared by every test module.

Defaults build the smallest valid row; related rows are created in the same team
(a member's log, an attendance row) so a factory call never mixes teams by accident.
"""

import datetime
import hashlib

import factory
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory, Password

from sessions import search_index
from sessions.models import (
    ActionItem,
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
    TeamImage,
)

PASSWORD = "비밀번호-test-1234"
FIRST_NAMES = ["민준", "서연", "도윤", "하은", "시우", "지유", "예준", "수아"]
LAST_NAMES = ["김", "이", "박", "최", "정", "강", "조", "윤"]


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: FIRST_NAMES[n % len(FIRST_NAMES)])
    last_name = factory.Sequence(lambda n: LAST_NAMES[n % len(LAST_NAMES)])
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = Password(PASSWORD)


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"스터디{n}조")
    slug = factory.Sequence(lambda n: f"team-{n}")
    course = "boostcourse"
    mentor = "홍길동 멘토"


class MembershipFactory(DjangoModelFactory):
    """A member with an account; pass `user=None` for a name-only member."""

    class Meta:
        model = Membership

    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory(UserFactory)
    display_name = factory.Sequence(lambda n: f"{LAST_NAMES[n % 8]}{FIRST_NAMES[n % 8]}{n}")
    role = Membership.Role.MEMBER
    is_active = True
    rotation_order = factory.Sequence(lambda n: n)


class _DayContentFactory(DjangoModelFactory):
    """A row of a day's content: the day's search documents are rebuilt once per
    factory call, after the row and whatever it made on the way (its day, say)."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        with search_index.deferred():
            return super()._create(model_class, *args, **kwargs)


class DayFactory(_DayContentFactory):
    """A day without attendance rows (services.create_day adds those)."""

    class Meta:
        model = Day

    team = factory.SubFactory(TeamFactory)
    date = factory.Sequence(lambda n: datetime.date(2024, 3, 4) + datetime.timedelta(days=n))
    number = factory.Sequence(lambda n: n + 1)
    tags = "파이썬,자료구조"


class AttendanceFactory(DjangoModelFactory):
    class Meta:
        model = Attendance

    day = factory.SubFactory(DayFactory)
    member = factory.SubFactory(MembershipFactory, team=factory.SelfAttribute("..day.team"))
    status = Attendance.Status.PRESENT


class _DayItemFactory(_DayContentFactory):
    day = factory.SubFactory(DayFactory)
    position = factory.Sequence(lambda n: n + 1)


class SuggestionFactory(_DayItemFactory):
    class Meta:
        model = Suggestion

    proposal = "모각코 시간을 30분 늘리면 좋겠습니다."
    discussion = "시작 시간 조정\n주말 진행 여부"
    outcome = "다음 주부터 **한 시간** 일찍 시작합니다."


class ReviewFactory(_DayItemFactory):
    """An AssignmentReview; `presenters=[membership, …]` sets who presents."""

    class Meta:
        model = AssignmentReview
        skip_postgeneration_save = True

    assignment = factory.Sequence(lambda n: f"과제 {n + 1}")
    topic = "정렬 알고리즘"
    notes = "퀵 정렬의 *피벗* 선택에 대해 이야기했습니다."

    @factory.post_generation
    def presenters(self, create, extracted, **kwargs):
        if create and extracted:
            self.presenters.set(extracted)


class QuestionFactory(_DayItemFactory):
    """A question; asked_by/answered_by are empty unless passed (members of day.team)."""

    class Meta:
        model = Question

    question = "리스트 컴프리헨션과 map 중 무엇이 더 빠른가요?"
    answer = "대부분 **리스트 컴프리헨션**이 조금 더 빠릅니다."
    links = "파이썬 문서 https://docs.python.org/ko/3/"
    needs_follow_up = False


class SectionFactory(_DayItemFactory):
    """A FreeSection."""

    class Meta:
        model = FreeSection

    heading = "토의 내용"
    body = "- 다음 대회 준비\n- 멘토링 일정 공유"


class ActionItemFactory(_DayItemFactory):
    """An open ActionItem; owner is empty unless passed (a member of day.team)."""

    class Meta:
        model = ActionItem

    text = factory.Sequence(lambda n: f"발표 자료 {n + 1} 공유하기")


class MemberLogFactory(_DayContentFactory):
    class Meta:
        model = MemberLog

    day = factory.SubFactory(DayFactory)
    member = factory.SubFactory(MembershipFactory, team=factory.SelfAttribute("..day.team"))
    retrospective = "오늘은 해시 테이블을 복습했다.\n내일은 그래프를 공부할 예정."
    visibility = MemberLog.Visibility.TEAM


class StudyLinkFactory(DjangoModelFactory):
    class Meta:
        model = StudyLink

    log = factory.SubFactory(MemberLogFactory)
    position = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"강의 {n + 1}강")
    url = factory.Sequence(lambda n: f"https://www.boostcourse.org/lecture/{n + 1}")
    color = StudyLink.Color.BLUE


class TeamImageFactory(DjangoModelFactory):
    """An image as the upload stores it; its bytes stand in for pixels (nothing here
    decodes them), with the size and digest worked out from them."""

    class Meta:
        model = TeamImage

    team = factory.SubFactory(TeamFactory)
    ext = "png"
    content_type = factory.LazyAttribute(lambda image: f"image/{image.ext}")
    data = b"\x89PNG pixels"
    width = 1
    height = 1
    size = factory.LazyAttribute(lambda image: len(image.data))
    sha256 = factory.LazyAttribute(lambda image: hashlib.sha256(image.data).hexdigest())


def session_form(day, *, absent=(), **fields) -> dict:
    """The session form of `day` as the editor posts it: its fields and every attendance
    row as they are, except the members in `absent`, marked absent; `fields` override."""
    rows = list(Attendance.objects.filter(day=day).order_by("pk"))
    data = {
        "number": str(day.number),
        "moderator": str(day.moderator_id or ""),
        "title": day.title,
        "tags": day.tags,
        "version": str(day.version),
        "attendance-TOTAL_FORMS": str(len(rows)),
        "attendance-INITIAL_FORMS": str(len(rows)),
        "attendance-MIN_NUM_FORMS": "0",
        "attendance-MAX_NUM_FORMS": "200",
    }
    absent_ids = {member.pk for member in absent}
    for i, row in enumerate(rows):
        data |= {
            f"attendance-{i}-id": str(row.pk),
            f"attendance-{i}-status": "absent" if row.member_id in absent_ids else row.status,
            f"attendance-{i}-note": row.note,
        }
    return data | fields


def cast(team, rows) -> list:
    """Members of `team`, each with an account: rows of (username, display name, role),
    in that order; the accounts carry no name of their own."""
    return [
        MembershipFactory(
            team=team,
            user=UserFactory(username=username, first_name="", last_name=""),
            role=role,
            display_name=name,
        )
        for username, name, role in rows
    ]
