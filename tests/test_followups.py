"""Follow-ups: carried over on later days until resolved, resolving and reopening, action
items, each member's open items on the home page, and the mentoring queue.

An open follow-up is a question marked 추가 확인 필요 (needs_follow_up) or an action item,
not yet resolved. Who may open the pages is checked here too (anonymous, outsider,
observer, member), since the mentoring queue lets observers write.
"""

import datetime
import re
import zoneinfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sessions import followups
from sessions.models import ActionItem, Day, Membership, Question
from sessions.schedule import local_today

from .factories import (
    ActionItemFactory,
    DayFactory,
    MembershipFactory,
    QuestionFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def membership_of(user) -> Membership:
    return user.memberships.get()


def team_url(name: str, team, **kwargs) -> str:
    return reverse(f"peer:{name}", kwargs={"team": team.slug, **kwargs})


def day_url(day) -> str:
    return reverse("peer:day", kwargs={"team": day.team.slug, "date": day.date})


def resolve_url(item) -> str:
    return team_url("follow_up_resolve", item.day.team, kind=item.kind, pk=item.pk)


def reopen_url(item) -> str:
    return team_url("follow_up_reopen", item.day.team, kind=item.kind, pk=item.pk)


def answer_url(question) -> str:
    return team_url("mentor_answer", question.day.team, pk=question.pk)


def carried_over_section(content: str) -> str:
    """The record's carried-over section ('' when the page has none)."""
    match = re.search(r'<section[^>]*id="carried-over".*?</section>', content, re.S)
    return match.group(0) if match else ""


def open_follow_up(day, text="Xavier 초기화를 쓰는 이유?", **fields) -> Question:
    return QuestionFactory(day=day, question=text, needs_follow_up=True, **fields)


@pytest.fixture
def day2(day):
    return DayFactory(team=day.team, date=datetime.date(2024, 3, 5), number=2)


@pytest.fixture
def day3(day):
    return DayFactory(team=day.team, date=datetime.date(2024, 3, 6), number=3)


# --- carried over on later days ---------------------------------------------------------


def test_a_follow_up_is_carried_over_on_later_days_until_resolved(
    day, day2, day3, as_member, team_member
):
    question = open_follow_up(day, "Xavier 초기화를 쓰는 이유?")
    action = ActionItemFactory(day=day, text="배치 정규화 논문 정리하기")

    for later in (day2, day3):
        section = carried_over_section(as_member.get(day_url(later)).content.decode())
        assert "Xavier 초기화를 쓰는 이유?" in section
        assert "배치 정규화 논문 정리하기" in section
        assert day_url(day) in section  # the day it came from

    followups.resolve(question, membership_of(team_member), "분산을 유지하려고 씁니다.")
    followups.resolve(action, membership_of(team_member), "")

    section = carried_over_section(as_member.get(day_url(day3)).content.decode())
    assert section == ""


def test_a_follow_up_is_not_carried_over_onto_its_own_or_earlier_days(day, day2, as_member):
    open_follow_up(day2, "2일차에 나온 질문")
    ActionItemFactory(day=day2, text="2일차 액션")

    assert carried_over_section(as_member.get(day_url(day)).content.decode()) == ""
    own = as_member.get(day_url(day2)).content.decode()
    assert carried_over_section(own) == ""
    assert "2일차에 나온 질문" in own  # in the day's own Q&A
    assert "2일차 액션" in own  # and its own action items


def test_a_question_without_the_follow_up_mark_is_not_carried_over(day, day2, as_member):
    QuestionFactory(day=day, question="이미 답한 질문", needs_follow_up=False)
    assert carried_over_section(as_member.get(day_url(day2)).content.decode()) == ""


def test_a_follow_up_resolved_on_a_later_days_date_shows_there_as_resolved(
    day, day2, day3, as_member, team_admin
):
    question = open_follow_up(day, "3일차에 해결된 질문")
    resolved_at = datetime.datetime(2024, 3, 6, 17, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Seoul"))
    Question.objects.filter(pk=question.pk).update(
        resolved_at=resolved_at, resolved_by=membership_of(team_admin), resolution="해결!"
    )

    on_that_day = carried_over_section(as_member.get(day_url(day3)).content.decode())
    assert "3일차에 해결된 질문" in on_that_day
    assert "is-resolved" in on_that_day
    assert "김관리" in on_that_day
    # Day 2 is after the question's day but before it was resolved: it is not open now.
    assert carried_over_section(as_member.get(day_url(day2)).content.decode()) == ""


def test_writers_get_a_resolve_form_on_the_record_and_observers_do_not(
    day, day2, as_member, as_observer
):
    question = open_follow_up(day)
    member_page = carried_over_section(as_member.get(day_url(day2)).content.decode())
    observer_page = carried_over_section(as_observer.get(day_url(day2)).content.decode())
    assert resolve_url(question) in member_page
    assert "Xavier" in observer_page
    assert resolve_url(question) not in observer_page


# --- the open list ----------------------------------------------------------------------


def test_resolved_follow_ups_leave_the_open_list_for_the_resolved_one(day, as_member, team_member):
    question = open_follow_up(day, "아직 열린 질문")
    done = open_follow_up(day, "해결된 질문")
    followups.resolve(done, membership_of(team_member), "찾아봤습니다")

    open_page = as_member.get(team_url("follow_ups", day.team)).content.decode()
    assert "아직 열린 질문" in open_page
    assert "해결된 질문" not in open_page
    resolved_page = as_member.get(team_url("follow_ups", day.team), {"state": "resolved"})
    content = resolved_page.content.decode()
    assert "해결된 질문" in content
    assert "아직 열린 질문" not in content
    assert resolve_url(question) not in content
    assert reopen_url(done) in content


def test_the_list_filters_by_owner_and_kind(day, as_member, team_member, team_admin):
    me, admin = membership_of(team_member), membership_of(team_admin)
    open_follow_up(day, "내가 한 질문", asked_by=me)
    open_follow_up(day, "관리자의 질문", asked_by=admin)
    ActionItemFactory(day=day, text="내 액션", owner=me)
    ActionItemFactory(day=day, text="관리자 액션", owner=admin)
    url = team_url("follow_ups", day.team)

    mine = as_member.get(url, {"owner": me.pk}).content.decode()
    assert "내가 한 질문" in mine and "내 액션" in mine
    assert "관리자의 질문" not in mine and "관리자 액션" not in mine

    actions = as_member.get(url, {"kind": "action"}).content.decode()
    assert "내 액션" in actions and "관리자 액션" in actions
    assert "내가 한 질문" not in actions

    # A member of another team is not a valid filter: the list shows everyone's.
    stranger = MembershipFactory(team=TeamFactory())
    everyone = as_member.get(url, {"owner": stranger.pk}).content.decode()
    assert "내가 한 질문" in everyone and "관리자 액션" in everyone


def test_the_resolved_list_is_paginated_newest_first(day, as_member, team_member, monkeypatch):
    from sessions.views import followups as views

    monkeypatch.setattr(views, "RESOLVED_PER_PAGE", 2)
    me = membership_of(team_member)
    start = timezone.now() - datetime.timedelta(days=10)
    for i, text in enumerate(["첫째", "둘째", "셋째"]):
        item = ActionItemFactory(day=day, text=f"{text} 액션")
        followups.resolve(item, me, "")
        ActionItem.objects.filter(pk=item.pk).update(resolved_at=start + datetime.timedelta(i))
    url = team_url("follow_ups", day.team)
    first = as_member.get(url, {"state": "resolved"}).content.decode()
    assert first.index("셋째 액션") < first.index("둘째 액션")
    assert "첫째 액션" not in first
    second = as_member.get(url, {"state": "resolved", "page": 2}).content.decode()
    assert "첫째 액션" in second and "셋째 액션" not in second


# --- overdue, by the team's today -------------------------------------------------------


def test_overdue_action_items_are_highlighted_and_listed_first(day, as_member):
    today = local_today(day.team)
    later = ActionItemFactory(
        day=day, text="다음 주까지 할 일", due_date=today + datetime.timedelta(7)
    )
    late = ActionItemFactory(
        day=day, text="어제까지였던 일", due_date=today - datetime.timedelta(1)
    )
    open_follow_up(day, "기한 없는 질문")

    content = as_member.get(team_url("follow_ups", day.team)).content.decode()
    assert content.index("어제까지였던 일") < content.index("다음 주까지 할 일")
    assert content.index("다음 주까지 할 일") < content.index("기한 없는 질문")
    late_item = re.search(rf'<li class="followup ([^"]*)" id="followup-action-{late.pk}"', content)
    later_item = re.search(
        rf'<li class="followup ?([^"]*)" id="followup-action-{later.pk}"', content
    )
    assert "is-overdue" in late_item.group(1)
    assert "is-overdue" not in later_item.group(1)


def test_overdue_is_decided_by_the_teams_today(day, day2, as_member, team):
    # Kiritimati (UTC+14) is always at least a day ahead of Pago Pago (UTC-11): an item
    # due on Pago Pago's today is overdue for a team in Kiritimati, and not for one there.
    pago_today = timezone.localdate(timezone=zoneinfo.ZoneInfo("Pacific/Pago_Pago"))
    item = ActionItemFactory(day=day, text="시간대 확인", due_date=pago_today)
    url = team_url("follow_ups", team)
    marker = f'class="followup is-overdue" id="followup-action-{item.pk}"'

    team.timezone = "Pacific/Kiritimati"
    team.save()
    assert marker in as_member.get(url).content.decode()
    assert "is-overdue" in carried_over_section(as_member.get(day_url(day2)).content.decode())

    team.timezone = "Pacific/Pago_Pago"
    team.save()
    assert marker not in as_member.get(url).content.decode()
    assert "is-overdue" not in carried_over_section(as_member.get(day_url(day2)).content.decode())


def test_questions_show_how_long_they_have_been_open(day, as_member, english):
    open_follow_up(day)
    days = (local_today(day.team) - day.date).days
    content = as_member.get(team_url("follow_ups", day.team)).content.decode()
    assert f"open for {days} days" in content


# --- resolving and reopening ------------------------------------------------------------


def test_resolving_records_the_answer_who_and_when_and_keeps_the_days_answer(
    day, as_member, team_member
):
    question = open_follow_up(day, answer="그날의 답변")
    before = timezone.now()
    response = as_member.post(
        resolve_url(question), {"resolution": "논문 3절에 **근거**가 있습니다."}, **HTMX
    )
    assert response.status_code == 200
    question.refresh_from_db()
    assert question.resolution == "논문 3절에 **근거**가 있습니다."
    assert question.resolved_by == membership_of(team_member)
    assert before <= question.resolved_at <= timezone.now()
    assert question.answer == "그날의 답변"
    assert question.version == 2  # the day editor sees the change
    assert question.updated_by == team_member
    content = response.content.decode()
    assert f'id="followup-question-{question.pk}"' in content  # the fragment htmx swaps in
    assert "<strong>근거</strong>" in content
    assert reopen_url(question) in content


def test_resolving_without_javascript_redirects_back_to_the_page_it_came_from(day, day2, as_member):
    question = open_follow_up(day)
    response = as_member.post(
        resolve_url(question), {"resolution": "확인했습니다", "next": day_url(day2)}
    )
    assert response.status_code == 302
    assert response["Location"] == day_url(day2)
    assert Question.objects.get(pk=question.pk).is_resolved


def test_resolving_ignores_a_next_address_on_another_site(day, as_member):
    item = ActionItemFactory(day=day)
    response = as_member.post(resolve_url(item), {"next": "https://evil.example/"})
    assert response["Location"] == team_url("follow_ups", day.team)


@pytest.mark.parametrize("htmx", [True, False])
def test_a_question_needs_a_resolution_text_and_nothing_is_saved_without_one(
    day, as_member, htmx, english
):
    question = open_follow_up(day)
    extra = HTMX if htmx else {}
    response = as_member.post(resolve_url(question), {"resolution": "   "}, **extra)
    assert response.status_code == 422
    content = response.content.decode()
    error = re.search(r'<div class="field has-error">.*?</div>\s*</div>', content, re.S)
    assert error and "Write the answer that resolves this question." in error.group(0)
    assert 'name="resolution"' in error.group(0)  # the error sits beside the field
    question.refresh_from_db()
    assert not question.is_resolved and question.version == 1


def test_a_too_long_resolution_keeps_what_was_typed(day, as_member):
    question = open_follow_up(day)
    typed = "가" * 10001
    response = as_member.post(resolve_url(question), {"resolution": typed}, **HTMX)
    assert response.status_code == 422
    assert typed in response.content.decode()
    assert not Question.objects.get(pk=question.pk).is_resolved


def test_an_action_item_can_be_resolved_without_a_text(day, as_member, team_member):
    item = ActionItemFactory(day=day, owner=membership_of(team_member))
    response = as_member.post(resolve_url(item), {"resolution": ""}, **HTMX)
    assert response.status_code == 200
    item.refresh_from_db()
    assert item.is_resolved and item.resolution == ""
    assert item.resolved_by == membership_of(team_member)


def test_the_second_of_two_people_resolving_is_told_who_was_first(
    day, as_member, as_admin, team_admin, english
):
    question = open_follow_up(day)
    first = as_admin.post(resolve_url(question), {"resolution": "관리자의 답"}, **HTMX)
    assert first.status_code == 200

    second = as_member.post(resolve_url(question), {"resolution": "멤버의 답"}, **HTMX)
    assert second.status_code == 409
    assert "Already resolved by 김관리." in second.content.decode()
    question.refresh_from_db()
    assert question.resolution == "관리자의 답"
    assert question.resolved_by == membership_of(team_admin)
    assert question.version == 2

    plain = as_member.post(resolve_url(question), {"resolution": "또 다른 답"}, follow=True)
    assert "Already resolved by 김관리." in plain.content.decode()
    assert Question.objects.get(pk=question.pk).resolution == "관리자의 답"


def test_resolving_from_a_stale_copy_loses_to_whoever_resolved_it(day, team_member, team_admin):
    # Both loaded the open item; each resolves from their own copy, as two requests
    # racing would: the conditional update lets exactly one of them win.
    item = ActionItemFactory(day=day)
    admins_copy = ActionItem.objects.get(pk=item.pk)
    members_copy = ActionItem.objects.get(pk=item.pk)
    followups.resolve(admins_copy, membership_of(team_admin), "관리자가 처리")
    with pytest.raises(followups.AlreadyResolved) as refused:
        followups.resolve(members_copy, membership_of(team_member), "멤버가 처리")
    assert refused.value.item.resolved_by == membership_of(team_admin)
    item.refresh_from_db()
    assert item.resolution == "관리자가 처리"


def test_a_follow_up_from_a_closed_day_can_still_be_resolved(day, as_member):
    day.closed_at = timezone.now()
    day.save()
    question = open_follow_up(day)
    response = as_member.post(resolve_url(question), {"resolution": "닫힌 날 이후 확인"}, **HTMX)
    assert response.status_code == 200
    assert Question.objects.get(pk=question.pk).resolution == "닫힌 날 이후 확인"


def test_reopening_puts_it_back_on_the_open_list(day, as_member, team_member, english):
    question = open_follow_up(day, "다시 열 질문")
    followups.resolve(question, membership_of(team_member), "처음 답")

    response = as_member.post(reopen_url(question), **HTMX)
    assert response.status_code == 200
    question.refresh_from_db()
    assert question.resolved_at is None and question.resolved_by is None
    assert question.resolution == "처음 답"  # the resolve form starts from it
    assert question.version == 3
    assert resolve_url(question) in response.content.decode()
    assert "다시 열 질문" in as_member.get(team_url("follow_ups", day.team)).content.decode()

    again = as_member.post(reopen_url(question), **HTMX)
    assert again.status_code == 409
    assert "Someone reopened this already." in again.content.decode()


def test_resolve_and_reopen_refuse_other_kinds_teams_and_non_follow_ups(day, as_member, outsider):
    ordinary = QuestionFactory(day=day, needs_follow_up=False)
    assert as_member.post(resolve_url(ordinary), {"resolution": "x"}).status_code == 404
    item = ActionItemFactory(day=day)
    bad_kind = team_url("follow_up_resolve", day.team, kind="suggestion", pk=item.pk)
    assert as_member.post(bad_kind, {"resolution": "x"}).status_code == 404
    elsewhere = ActionItemFactory(day=DayFactory(team=membership_of(outsider).team))
    assert (
        as_member.post(
            resolve_url(elsewhere).replace(elsewhere.day.team.slug, day.team.slug), {}
        ).status_code
        == 404
    )
    assert not ActionItem.objects.filter(resolved_at__isnull=False).exists()
    assert not Question.objects.filter(resolved_at__isnull=False).exists()


def test_resolve_reopen_and_answer_only_accept_post(day, as_member):
    question = open_follow_up(day, for_mentor=True)
    for target in (resolve_url(question), reopen_url(question), answer_url(question)):
        assert as_member.get(target).status_code == 405


# --- action items on the day editor -----------------------------------------------------


def test_action_items_are_added_through_the_item_endpoints(day, as_member, team_member):
    me = membership_of(team_member)
    url = reverse("peer:item_create", kwargs={"team": "alpha", "date": day.date, "kind": "action"})
    response = as_member.post(
        url, {"text": "다음 시간까지 과제 2 리뷰", "owner": me.pk, "due_date": "2024-03-08"}, **HTMX
    )
    assert response.status_code == 200
    item = ActionItem.objects.get(day=day)
    assert (item.text, item.owner, item.due_date) == (
        "다음 시간까지 과제 2 리뷰",
        me,
        datetime.date(2024, 3, 8),
    )
    assert item.version == 1 and item.updated_by == team_member

    record = as_member.get(day_url(day)).content.decode()
    section = re.search(r'<section id="action-items">.*?</section>', record, re.S).group(0)
    assert "다음 시간까지 과제 2 리뷰" in section and "이멤버" in section


def test_an_action_items_owner_must_be_in_the_team(day, as_member, outsider):
    url = reverse("peer:item_create", kwargs={"team": "alpha", "date": day.date, "kind": "action"})
    response = as_member.post(
        url, {"text": "남의 팀 사람", "owner": membership_of(outsider).pk, "due_date": ""}, **HTMX
    )
    assert response.status_code == 422
    assert "남의 팀 사람" in response.content.decode()
    assert not ActionItem.objects.exists()


def test_the_edit_page_lists_action_items_with_their_form(day, as_member):
    ActionItemFactory(day=day, text="편집 페이지의 액션")
    url = reverse("peer:day_edit", kwargs={"team": "alpha", "date": day.date})
    content = as_member.get(url).content.decode()
    assert 'id="panel-action"' in content
    assert "편집 페이지의 액션" in content
    form = as_member.get(
        reverse("peer:item_create", kwargs={"team": "alpha", "date": day.date, "kind": "action"})
    ).content.decode()
    assert 'type="date"' in form and 'name="owner"' in form


def test_a_question_can_be_flagged_for_the_mentor_from_its_form(day, as_member):
    url = reverse(
        "peer:item_create", kwargs={"team": "alpha", "date": day.date, "kind": "question"}
    )
    body = {"question": "멘토님께 여쭤볼 질문", "asked_by": "", "answer": "", "answered_by": ""}
    as_member.post(url, {**body, "links": "", "for_mentor": "on"}, **HTMX)
    assert Question.objects.get(day=day).for_mentor


# --- each member's open items on the home page ------------------------------------------


def test_home_lists_only_my_open_items(day, as_member, team_member, team_admin):
    me, admin = membership_of(team_member), membership_of(team_admin)
    open_follow_up(day, "내가 물어본 열린 질문", asked_by=me)
    ActionItemFactory(day=day, text="내가 맡은 액션", owner=me)
    done = ActionItemFactory(day=day, text="내가 끝낸 액션", owner=me)
    followups.resolve(done, me, "")
    QuestionFactory(day=day, question="추가 확인 없는 내 질문", asked_by=me)
    open_follow_up(day, "관리자의 열린 질문", asked_by=admin)
    ActionItemFactory(day=day, text="관리자의 액션", owner=admin)

    content = as_member.get(reverse("peer:home")).content.decode()
    assert "내가 물어본 열린 질문" in content
    assert "내가 맡은 액션" in content
    for other in (
        "내가 끝낸 액션",
        "추가 확인 없는 내 질문",
        "관리자의 열린 질문",
        "관리자의 액션",
    ):
        assert other not in content
    assert f"{team_url('follow_ups', day.team)}?owner={me.pk}" in content


def test_home_marks_my_overdue_items(day, as_member, team_member):
    me = membership_of(team_member)
    yesterday = local_today(day.team) - datetime.timedelta(days=1)
    ActionItemFactory(day=day, text="지난 기한", owner=me, due_date=yesterday)
    content = as_member.get(reverse("peer:home")).content.decode()
    assert re.search(r'<li class="day-row is-overdue">\s*<a[^>]*>.*?지난 기한', content, re.S)


# --- the mentoring queue ----------------------------------------------------------------


def test_the_queue_lists_waiting_questions_oldest_first_then_answered(
    day, day2, as_observer, team_admin
):
    newer = QuestionFactory(day=day2, question="나중 질문", for_mentor=True)
    older = QuestionFactory(day=day, question="먼저 질문", for_mentor=True)
    answered = QuestionFactory(day=day, question="답이 달린 질문", for_mentor=True)
    followups.answer_for_mentor(answered, membership_of(team_admin), "멘토 답변")
    QuestionFactory(day=day, question="멘토 질문 아님", for_mentor=False)

    content = as_observer.get(team_url("mentor_queue", day.team)).content.decode()
    assert content.index("먼저 질문") < content.index("나중 질문") < content.index("답이 달린 질문")
    assert "멘토 질문 아님" not in content
    assert answer_url(older) in content and answer_url(newer) in content
    assert answer_url(answered) not in content
    assert re.search(r"<details[^>]*answered[^>]*>.*답이 달린 질문", content, re.S)


def test_an_observer_answers_a_question_for_the_mentor(day, as_observer, team_observer):
    question = QuestionFactory(day=day, for_mentor=True, answer="그날의 답")
    response = as_observer.post(answer_url(question), {"answer": "멘토의 **답변**"}, **HTMX)
    assert response.status_code == 200
    question.refresh_from_db()
    assert question.resolution == "멘토의 **답변**"
    assert question.resolved_by == membership_of(team_observer)
    assert question.answer == "그날의 답"
    assert "<strong>답변</strong>" in response.content.decode()

    plain = Client()
    plain.force_login(team_observer)
    later = QuestionFactory(day=day, for_mentor=True)
    redirect = plain.post(answer_url(later), {"answer": "두 번째 답"})
    assert redirect.status_code == 302
    assert redirect["Location"] == team_url("mentor_queue", day.team)


def test_members_and_admins_may_answer_for_the_mentor_too(day, as_member, as_admin):
    for client in (as_member, as_admin):
        question = QuestionFactory(day=day, for_mentor=True)
        assert client.post(answer_url(question), {"answer": "답"}, **HTMX).status_code == 200


def test_an_observer_cannot_resolve_or_reopen_an_ordinary_follow_up(day, as_observer, team_member):
    question = open_follow_up(day)
    item = ActionItemFactory(day=day)
    assert as_observer.post(resolve_url(question), {"resolution": "x"}).status_code == 403
    assert as_observer.post(resolve_url(item), {"resolution": "x"}).status_code == 403
    assert not Question.objects.get(pk=question.pk).is_resolved
    assert not ActionItem.objects.get(pk=item.pk).is_resolved
    followups.resolve(item, membership_of(team_member), "")
    assert as_observer.post(reopen_url(item)).status_code == 403
    assert ActionItem.objects.get(pk=item.pk).is_resolved


def test_an_answer_for_the_mentor_needs_text_and_a_question_flagged_for_the_mentor(
    day, as_observer, english
):
    question = QuestionFactory(day=day, for_mentor=True)
    empty = as_observer.post(answer_url(question), {"answer": ""}, **HTMX)
    assert empty.status_code == 422
    assert "Write an answer first." in empty.content.decode()
    plain = as_observer.post(answer_url(question), {"answer": ""})
    assert plain.status_code == 422
    assert not Question.objects.get(pk=question.pk).is_resolved

    ordinary = open_follow_up(day, for_mentor=False)
    assert as_observer.post(answer_url(ordinary), {"answer": "답"}).status_code == 404
    assert not Question.objects.get(pk=ordinary.pk).is_resolved


def test_a_second_mentor_answer_is_told_who_answered_first(
    day, as_observer, as_member, team_observer, english
):
    question = QuestionFactory(day=day, for_mentor=True)
    as_observer.post(answer_url(question), {"answer": "먼저 쓴 답"}, **HTMX)
    response = as_member.post(answer_url(question), {"answer": "나중 답"}, **HTMX)
    assert response.status_code == 409
    assert "Already answered by 박참관." in response.content.decode()
    assert Question.objects.get(pk=question.pk).resolution == "먼저 쓴 답"


def _all_urls(day, question, item):
    return [
        ("get", team_url("follow_ups", day.team)),
        ("get", team_url("mentor_queue", day.team)),
        ("post", resolve_url(question)),
        ("post", reopen_url(item)),
        ("post", answer_url(question)),
    ]


def test_outsiders_get_404_everywhere_and_change_nothing(day, as_outsider):
    question = open_follow_up(day, for_mentor=True)
    item = ActionItemFactory(day=day)
    followups.resolve(item, day.team.memberships.first(), "")
    for method, target in _all_urls(day, question, item):
        response = getattr(as_outsider, method)(target, {"resolution": "x", "answer": "x"})
        assert response.status_code == 404, target
    assert not Question.objects.get(pk=question.pk).is_resolved
    assert ActionItem.objects.get(pk=item.pk).is_resolved


def test_anonymous_visitors_are_sent_to_log_in(day, anon):
    question = open_follow_up(day, for_mentor=True)
    item = ActionItemFactory(day=day)
    for method, target in _all_urls(day, question, item):
        response = getattr(anon, method)(target, {"resolution": "x", "answer": "x"})
        assert response.status_code == 302, target
        assert response["Location"].startswith(reverse("login"))
    assert not Question.objects.get(pk=question.pk).is_resolved


def test_everyone_in_the_team_reads_both_lists(day, as_admin, as_member, as_observer):
    open_follow_up(day, "모두가 보는 질문", for_mentor=True)
    for client in (as_admin, as_member, as_observer):
        for name in ("follow_ups", "mentor_queue"):
            response = client.get(team_url(name, day.team))
            assert response.status_code == 200
            assert "모두가 보는 질문" in response.content.decode()


# --- user text is escaped, markdown sanitized -------------------------------------------


def test_resolution_markdown_is_sanitized_and_text_is_escaped_everywhere(
    day, day2, as_member, team_member
):
    me = membership_of(team_member)
    evil = "<script>alert('x')</script> **굵게** <img src=x onerror=alert(1)>"
    question = open_follow_up(day, "<script>alert('q')</script> 질문", for_mentor=True)
    followups.resolve(question, me, evil)
    action = ActionItemFactory(day=day, text="<b>액션</b><script>alert(2)</script>")
    carried = open_follow_up(day, "<script>alert('c')</script> 이월")

    pages = [
        as_member.get(team_url("follow_ups", day.team), {"state": "resolved"}),
        as_member.get(team_url("follow_ups", day.team)),
        as_member.get(team_url("mentor_queue", day.team)),
        as_member.get(day_url(day)),
        as_member.get(day_url(day2)),
        as_member.get(reverse("peer:home")),
    ]
    for response in pages:
        content = response.content.decode()
        assert "<script>alert" not in content
        assert "onerror" not in content
    resolved_list = pages[0].content.decode()
    assert "<strong>굵게</strong>" in resolved_list
    # A question is markdown, through the sanitizer: its script is dropped, its text kept.
    assert "alert(&#x27;q&#x27;)" not in resolved_list and " 질문" in resolved_list
    assert "&lt;b&gt;액션&lt;/b&gt;" in pages[1].content.decode()
    assert "<strong>굵게</strong>" in pages[3].content.decode()  # the question on its day
    carried_html = carried_over_section(pages[4].content.decode())
    assert "이월" in carried_html and "alert(&#x27;c&#x27;)" not in carried_html
    assert action.pk and carried.pk


# --- query counts -----------------------------------------------------------------------


def _open_items(day, members, count: int, start: int = 0):
    """`count` open follow-ups (half questions, half action items with due dates) spread
    over earlier days, each asked by or owned by a member."""
    today = local_today(day.team)
    for i in range(start, start + count):
        origin = DayFactory(
            team=day.team, date=day.date - datetime.timedelta(days=i + 1), number=500 + i
        )
        who = members[i % len(members)]
        if i % 2:
            ActionItemFactory(
                day=origin, owner=who, due_date=today + datetime.timedelta(days=i - 25)
            )
        else:
            open_follow_up(origin, f"질문 {i}", asked_by=who, answered_by=who, for_mentor=True)


def _resolve_some(team, member, count: int):
    for item in list(ActionItem.objects.filter(day__team=team, resolved_at=None)[:count]):
        followups.resolve(item, member, "완료 **메모**")
    for question in list(Question.objects.filter(day__team=team, resolved_at=None)[:count]):
        followups.resolve(question, member, "답변")


def _queries(client, url, data=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, data)
    assert response.status_code == 200
    return len(queries)


# Logged-in pages start with 4 queries (session, user, team, membership); each bound
# below is what the page measured with 3 items plus a little headroom, and it must be the
# same count with 50: a query per item would show up as a difference.
QUERY_PAGES = {
    # 4 + open questions + open action items + the owner filter's members = 7.
    "open list": (lambda day: team_url("follow_ups", day.team), None, 9),
    # 4 + the resolved count + one page of rows + one query per kind + members = 9.
    "resolved list": (lambda day: team_url("follow_ups", day.team), {"state": "resolved"}, 11),
    # 4 + waiting + answered = 6.
    "mentor queue": (lambda day: team_url("mentor_queue", day.team), None, 8),
}


@pytest.mark.parametrize("page", list(QUERY_PAGES))
def test_list_pages_run_the_same_queries_with_3_or_50_items(
    page, day, as_member, team_member, django_assert_max_num_queries
):
    url_of, data, bound = QUERY_PAGES[page]
    members = list(day.team.memberships.all())
    _open_items(day, members, 3)
    _resolve_some(day.team, membership_of(team_member), 1)
    small = _queries(as_member, url_of(day), data)
    _open_items(day, members, 47, start=3)
    _resolve_some(day.team, membership_of(team_member), 10)
    with django_assert_max_num_queries(bound):
        large = _queries(as_member, url_of(day), data)
    assert large == small


def test_the_records_carry_over_runs_the_same_queries_with_3_or_50_items(
    day, as_member, team_member
):
    later = DayFactory(team=day.team, date=day.date + datetime.timedelta(days=1), number=2)
    members = list(day.team.memberships.all())
    _open_items(day, members, 3)
    small = _queries(as_member, day_url(later))
    _open_items(day, members, 47, start=3)
    content = as_member.get(day_url(later)).content.decode()
    assert content.count('class="followup') >= 50
    assert _queries(as_member, day_url(later)) == small


def test_home_runs_the_same_queries_with_3_or_50_of_my_items(day, as_member, team_member):
    me = membership_of(team_member)
    _open_items(day, [me], 3)
    small = _queries(as_member, reverse("peer:home"))
    _open_items(day, [me], 47, start=3)
    assert _queries(as_member, reverse("peer:home")) == small
    assert len(followups.open_for_member(me)) == 50


def test_a_resolved_follow_up_leaves_the_days_open_count(day, team_member):
    """Lists (archive, team home) count a day's follow-ups that are still open."""
    question = QuestionFactory(day=day, question="아직 모름", needs_follow_up=True)
    assert Day.objects.with_counts().get(pk=day.pk).n_open_questions == 1
    followups.resolve(question, membership_of(team_member), "찾았다")
    assert Day.objects.with_counts().get(pk=day.pk).n_open_questions == 0


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks: SQLite takes no FOR UPDATE; run with DATABASE_URL=postgres://…",
)
def test_resolving_and_reopening_lock_the_day_before_the_item(team, team_admin):
    """Every write to a day's rows takes the day's lock first (closing.lock_day), so a
    resolve and an edit of the same item never wait on each other's rows crosswise."""
    me = membership_of(team_admin)
    question = QuestionFactory(day=DayFactory(team=team), needs_follow_up=True)
    for act in (
        lambda: followups.resolve(question, me, "찾았다"),
        lambda: followups.reopen(question, me),
    ):
        with CaptureQueriesContext(connection) as queries:
            act()
        sql = [q["sql"] for q in queries.captured_queries]
        day_lock = next(
            i for i, s in enumerate(sql) if 'FROM "peer_day"' in s and "FOR NO KEY" in s
        )
        item_write = next(i for i, s in enumerate(sql) if s.startswith('UPDATE "peer_question"'))
        assert day_lock < item_write
