"""A day's record renders each item once per version (sessions/fragments.py): an edit
re-renders that item alone, and nothing the record shows goes stale."""

import re

import pytest

from sessions.models import Membership, Team

from .factories import ActionItemFactory, QuestionFactory, ReviewFactory, SuggestionFactory
from .helpers import question_body, url

pytestmark = pytest.mark.django_db

ITEM_TEMPLATES = {
    "peer/items/_question.html",
    "peer/items/_suggestion.html",
    "peer/items/_review.html",
    "peer/items/_action.html",
    "peer/items/_section.html",
}


def per_request_parts_out(response) -> str:
    """The page without what differs on every response: the CSP nonce and CSRF token."""
    page = re.sub(r'nonce="[^"]*"', "", response.content.decode())
    page = re.sub(r'"X-CSRFToken": "[^"]*"', "", page)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)


def items_rendered(response) -> list[str]:
    return [t.name for t in response.templates if t.name in ITEM_TEMPLATES]


@pytest.fixture
def full_day(day, team):
    asker = Membership.objects.get(team=team, display_name="이멤버")
    questions = [
        QuestionFactory(day=day, question=f"질문 {n}", answer=f"**답변 {n}**", asked_by=asker)
        for n in range(1, 6)
    ]
    SuggestionFactory(day=day, proposal="건의 하나")
    review = ReviewFactory(day=day, assignment="과제 1")
    review.presenters.set([asker])
    ActionItemFactory(day=day, text="할 일")
    return questions


def test_a_second_view_renders_no_item_and_shows_the_same(as_member, day, full_day):
    first = as_member.get(url("day", day))
    assert len(items_rendered(first)) == 8
    again = as_member.get(url("day", day), HTTP_ACCEPT_LANGUAGE="ko")
    # The page itself is rendered again (the test cache is not shared: no page cache),
    # its items come from the fragment cache.
    assert items_rendered(again) == []
    assert per_request_parts_out(again) == per_request_parts_out(first)


def test_an_edit_re_renders_only_the_edited_item(as_member, day, full_day):
    as_member.get(url("day", day))
    question = full_day[2]
    saved = as_member.post(
        url("item_edit", day, kind="question", pk=question.pk),
        question_body(question="고친 질문", answer="새 *답변*", version=str(question.version)),
    )
    assert saved.status_code == 200
    after = as_member.get(url("day", day))
    assert items_rendered(after) == ["peer/items/_question.html"]
    page = after.content.decode()
    assert "고친 질문" in page and "새 <em>답변</em>" in page
    assert "질문 3" not in page
    assert "<strong>답변 1</strong>" in page  # the others, from the cache


def test_a_renamed_member_is_renamed_in_every_item(as_member, day, full_day):
    as_member.get(url("day", day))
    Membership.objects.filter(display_name="이멤버").update(display_name="이새이름")
    page = as_member.get(url("day", day)).content.decode()
    assert "이멤버" not in page
    assert page.count("이새이름") >= 6  # five askers and the presenter


def test_items_follow_the_team_record_language(as_member, day, team, full_day):
    korean = as_member.get(url("day", day)).content.decode()
    assert "질문 :" in korean
    Team.objects.filter(pk=team.pk).update(language=Team.Language.ENGLISH)
    english = as_member.get(url("day", day)).content.decode()
    assert "Question :" in english and "질문 :" not in english


def test_the_member_record_shares_the_fragments(as_member, day, team, full_day):
    as_member.get(url("day", day))
    member = Membership.objects.get(team=team, display_name="이멤버")
    response = as_member.get(url("member_day", day, member=member.pk))
    assert response.status_code == 200
    assert items_rendered(response) == []
    assert "<strong>답변 4</strong>" in response.content.decode()
