"""The presenter's view: a day's agenda in the session's order, each part with its
template's minutes, read-only; the moderator moves everyone's screens."""

import json

import pytest
from django.urls import reverse

from sessions import presenter
from sessions.models import Day, Membership, TemplateVersion

from .factories import (
    ActionItemFactory,
    QuestionFactory,
    ReviewFactory,
    SectionFactory,
    SuggestionFactory,
)
from .helpers import url

pytestmark = pytest.mark.django_db


@pytest.fixture
def planned_day(day, team):
    """The day made from a template of its own minutes, one item of every kind."""
    template = team.day_templates.get()
    version = TemplateVersion.objects.create(
        template=template,
        number=2,
        review_outline="### 배경 & 흐름\n\n### Loss Function",
        minutes_suggestions=4,
        minutes_review=9,
        minutes_questions=14,
        minutes_actions=2,
        minutes_section=6,
    )
    Day.objects.filter(pk=day.pk).update(template_version=version)
    member = Membership.objects.get(team=team, display_name="이멤버")
    SuggestionFactory(day=day, proposal="발표 순서를 바꿔요")
    first = ReviewFactory(day=day, assignment="필수과제 1", topic="ResNet", notes="")
    first.presenters.set([member])
    ReviewFactory(day=day, assignment="필수과제 2", notes="### 직접 쓴 개요")
    QuestionFactory(day=day, question="BatchNorm은 왜 쓰나요?", asked_by=member)
    ActionItemFactory(day=day, text="슬라이드 공유")
    SectionFactory(day=day, heading="다음 주 계획", body="- 대회 준비")
    day.refresh_from_db()
    return day


def test_the_agenda_follows_the_session_with_the_templates_minutes(planned_day):
    day = Day.objects.for_record().select_related("template_version").get(pk=planned_day.pk)
    slides = presenter.agenda(day)
    assert [(s.kind, s.minutes) for s in slides] == [
        ("opening", 0),
        ("suggestions", 4),
        ("review", 9),
        ("review", 9),
        ("questions", 14),
        ("actions", 2),
        ("section", 6),
    ]
    assert [s.item.assignment for s in slides if s.kind == "review"] == ["필수과제 1", "필수과제 2"]
    assert slides[-1].title == "다음 주 계획"


def test_a_review_shows_its_own_notes_else_the_templates_outline(planned_day, as_member):
    html = as_member.get(url("present", planned_day)).content.decode()
    first, second = html.split('class="slide slide-review"')[1:3]
    assert "Loss Function" in first and "직접 쓴 개요" not in first
    assert "직접 쓴 개요" in second and "Loss Function" not in second


def test_an_empty_day_is_its_opening_alone(day):
    day = Day.objects.for_record().get(pk=day.pk)
    assert [s.kind for s in presenter.agenda(day)] == ["opening"]


def test_the_page_shows_every_part_read_only(planned_day, as_observer):
    response = as_observer.get(url("present", planned_day))
    html = response.content.decode()
    assert response.status_code == 200
    for text in ["발표 순서를 바꿔요", "ResNet", "이멤버", "Loss Function", "직접 쓴 개요"]:
        assert text in html
    assert "BatchNorm은 왜 쓰나요?" in html and "다음 주 계획" in html
    assert 'data-minutes="9"' in html and 'data-minutes="14"' in html
    assert "<form" not in html and "<textarea" not in html  # nothing to edit here
    assert html.count("data-slide ") == 7
    assert 'data-can-lead="0"' in html  # an observer follows


def test_markdown_on_the_slides_goes_through_the_sanitizer(day, as_member):
    body = '<script>alert(1)</script><img src=x onerror="x()">'
    SectionFactory(day=day, heading="위험", body=body)
    html = as_member.get(url("present", day)).content.decode()
    assert "<script>alert" not in html and "onerror" not in html


def test_the_moderator_moves_everyone(planned_day, as_admin, as_member):
    where = url("present_position", planned_day)
    assert json.loads(as_member.get(where).content)["index"] is None
    moved = as_admin.post(where, {"index": "3"})
    assert moved.status_code == 200
    seen = json.loads(as_member.get(where).content)
    assert seen["index"] == 3 and seen["moved_at"] <= seen["now"]
    assert 'data-can-lead="1"' in as_admin.get(url("present", planned_day)).content.decode()


def test_a_member_who_is_not_the_moderator_cannot_move_everyone(planned_day, as_member):
    where = url("present_position", planned_day)
    assert as_member.post(where, {"index": "2"}).status_code == 403
    assert json.loads(as_member.get(where).content)["index"] is None


@pytest.mark.parametrize("index", ["", "-1", "1.5", "둘", "1000", "9" * 30, "١"])
def test_a_bad_position_is_refused_with_a_reason(index, planned_day, as_admin):
    where = url("present_position", planned_day)
    response = as_admin.post(where, {"index": index})
    assert response.status_code == 400
    assert "0" in json.loads(response.content)["error"]
    assert json.loads(as_admin.get(where).content)["index"] is None


def test_another_teams_day_has_no_presenter_view(day, as_outsider):
    assert as_outsider.get(url("present", day)).status_code == 404
    assert as_outsider.post(url("present_position", day), {"index": "1"}).status_code == 404


def test_the_record_and_the_editor_link_to_it(day, as_member):
    link = reverse("peer:present", args=[day.team.slug, day.date])
    assert link in as_member.get(url("day", day)).content.decode()
    assert link in as_member.get(url("day_edit", day)).content.decode()
