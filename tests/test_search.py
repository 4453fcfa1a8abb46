"""Search (sessions/search.py and its page): Korean and English words, filters,
private retrospectives, escaping, who may search, and a fixed number of queries."""

import pytest

from sessions import search_index
from sessions.models import MemberLog
from sessions.search import RELEVANCE, Filters, search

from .factories import (
    MemberLogFactory,
    QuestionFactory,
    ReviewFactory,
    SectionFactory,
    SuggestionFactory,
)
from .search_helpers import MONDAY, dates, me_fixture, on, url  # noqa: F401 (fixture `me`)

pytestmark = pytest.mark.django_db

# --- words -------------------------------------------------------------------------


def test_korean_word_finds_it_with_a_particle(team, me):
    day = on(team, 0)
    QuestionFactory(day=day, question="가중치 초기화를 어떻게 하나요?", answer="")
    on(team, 1)
    result = search(team, me, "초기화")
    assert dates(result) == [day.date]
    assert "<mark>초기화</mark>를" in result.days[0].hits[0].snippet


def test_english_is_case_insensitive(team, me):
    day = on(team, 0)
    SuggestionFactory(day=day, proposal="Xavier 초기화 정리", discussion="", outcome="")
    assert dates(search(team, me, "xavier")) == [day.date]
    assert dates(search(team, me, "XAVIER")) == [day.date]


def test_two_syllable_korean_word(team, me):
    day = on(team, 0)
    SectionFactory(day=day, heading="토의", body="다음 대회 준비")
    other = on(team, 1)
    SectionFactory(day=other, heading="멘토링", body="일정 공유")
    assert dates(search(team, me, "대회")) == [day.date]


def test_every_word_must_be_in_the_day_but_may_be_in_different_items(team, me):
    both = on(team, 0)
    QuestionFactory(day=both, question="배치 정규화란?", answer="")
    ReviewFactory(day=both, assignment="과제 3", topic="드롭아웃", notes="")
    only_one = on(team, 1)
    QuestionFactory(day=only_one, question="배치 정규화 위치", answer="")
    result = search(team, me, "정규화 드롭아웃")
    assert dates(result) == [both.date]
    assert {hit.kind for hit in result.days[0].hits} == {"question", "review"}


def test_every_kind_of_text_is_searched(team, me, team_admin):
    admin = team_admin.memberships.get()
    days = {
        "title": on(team, 0, title="알파 제목"),
        "tag": on(team, 1, tags="알파태그"),
        "answer": on(team, 2),
        "outcome": on(team, 3),
        "notes": on(team, 4),
        "body": on(team, 5),
        "retro": on(team, 6),
    }
    QuestionFactory(day=days["answer"], question="q", answer="알파 답변")
    SuggestionFactory(day=days["outcome"], proposal="p", discussion="", outcome="알파 결정")
    ReviewFactory(day=days["notes"], assignment="a", topic="", notes="알파 메모")
    SectionFactory(day=days["body"], heading="h", body="알파 본문")
    MemberLogFactory(day=days["retro"], member=admin, retrospective="알파 회고")
    assert len(search(team, me, "알파").days) == 7


def test_newest_first_and_relevance(team, me):
    few = on(team, 0)
    QuestionFactory(day=few, question="힙 정렬", answer="")
    many = on(team, -7)
    for _ in range(3):
        QuestionFactory(day=many, question="힙 자료구조", answer="")
    assert dates(search(team, me, "힙")) == [few.date, many.date]
    assert dates(search(team, me, "힙", sort=RELEVANCE)) == [many.date, few.date]


def test_pages_of_ten_days(team, me):
    for i in range(25):
        QuestionFactory(day=on(team, -i), question="그래프 탐색", answer="")
    first = search(team, me, "그래프")
    assert first.count == 25 and len(first.days) == 10
    assert len(search(team, me, "그래프", page=3).days) == 5


def test_other_teams_are_not_searched(team, me, other_team):
    QuestionFactory(day=on(other_team, 0), question="비밀 질문", answer="")
    assert search(team, me, "비밀").days == []


# --- filters -----------------------------------------------------------------------


def test_filter_by_kind(team, me):
    q_day = on(team, 0)
    QuestionFactory(day=q_day, question="트리 순회", answer="")
    s_day = on(team, 1)
    SectionFactory(day=s_day, heading="트리", body="")
    assert dates(search(team, me, "트리", filters=Filters(kind="section"))) == [s_day.date]
    assert dates(search(team, me, "트리", filters=Filters(kind="question"))) == [q_day.date]


def test_filter_by_dates_and_tag(team, me):
    early = on(team, 0, tags="파이썬, 자료구조")
    late = on(team, 10, tags="파이썬3")
    for day in (early, late):
        QuestionFactory(day=day, question="해시 충돌", answer="")
    assert dates(search(team, me, "해시", filters=Filters(date_from=late.date))) == [late.date]
    assert dates(search(team, me, "해시", filters=Filters(date_to=early.date))) == [early.date]
    assert dates(search(team, me, "해시", filters=Filters(tag="파이썬"))) == [early.date]


def test_filter_by_member(team, me, team_admin):
    admin = team_admin.memberships.get()
    asked = on(team, 0)
    QuestionFactory(day=asked, question="스택 질문", answer="", asked_by=me)
    presented = on(team, 1)
    ReviewFactory(day=presented, assignment="스택 과제", presenters=[me])
    moderated = on(team, 2, moderator=me)
    SectionFactory(day=moderated, heading="스택", body="")
    other = on(team, 3, moderator=admin)
    QuestionFactory(day=other, question="스택", answer="", asked_by=admin)
    found = search(team, me, "스택", filters=Filters(member=me))
    assert sorted(dates(found)) == [asked.date, presented.date, moderated.date]


def test_open_follow_ups_only(team, me):
    day = on(team, 0)
    QuestionFactory(day=day, question="큐 구현 A", answer="", needs_follow_up=True)
    QuestionFactory(day=day, question="큐 구현 B", answer="")
    closed = on(team, 1)
    QuestionFactory(day=closed, question="큐 구현 C", answer="")
    result = search(team, me, "큐", filters=Filters(follow_up=True))
    assert dates(result) == [day.date]
    assert len(result.days[0].hits) == 1
    # With no words, the filter alone lists the open questions.
    assert dates(search(team, me, "", filters=Filters(follow_up=True))) == [day.date]


def test_empty_query_finds_nothing(team, me):
    QuestionFactory(day=on(team, 0))
    assert search(team, me, "  ").days == []


# --- retrospectives ----------------------------------------------------------------


def test_private_retrospective_only_for_its_owner(team, me, team_admin):
    admin = team_admin.memberships.get()
    day = on(team, 0)
    MemberLogFactory(
        day=day, member=admin, retrospective="혼자 본 회고", visibility=MemberLog.Visibility.PRIVATE
    )
    assert search(team, me, "혼자").days == []
    assert dates(search(team, admin, "혼자")) == [day.date]


# --- the page ----------------------------------------------------------------------


def test_page_escapes_text_and_marks_the_match(team, as_member, me):
    QuestionFactory(day=on(team, 0), question="<script>alert(1)</script> 폭탄", answer="")
    response = as_member.get(url(team, q="script"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert" not in html
    assert "&lt;<mark>script</mark>&gt;alert(1)&lt;/<mark>script</mark>&gt;" in html


def test_page_lists_days_for_observer(team, as_observer):
    QuestionFactory(day=on(team, 0), question="정렬 질문", answer="")
    response = as_observer.get(url(team, q="정렬", sort="relevance", kind="question"))
    assert response.status_code == 200
    assert "<mark>정렬</mark>" in response.content.decode()


def test_page_rejects_bad_dates_without_searching(team, as_member):
    response = as_member.get(url(team, q="x", **{"from": "2024-03-10", "to": "2024-03-01"}))
    assert response.status_code == 200
    assert response.context["result"] is None


@pytest.mark.parametrize(
    ("client_name", "status"),
    [("anon", 302), ("as_outsider", 404), ("as_observer", 200), ("as_member", 200)],
)
def test_who_may_search(request, team, team_observer, team_member, client_name, status):
    client = request.getfixturevalue(client_name)
    response = client.get(url(team, q="질문"))
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith("/accounts/login/")


# --- queries -----------------------------------------------------------------------

# Every logged-in page: the session, the user, the team with the membership (3). The
# form's member: validated (1) and listed (1). On PostgreSQL, the newest documents'
# matches, and when those are few, the index's: each a SET LOCAL and a SELECT in a
# transaction (4 statements, 8 counted here where the transactions are savepoints);
# the relevance order (1); one page of days (1); one UNION of every kind of item (1).
# 16 on PostgreSQL, the same on a lot more data: nothing runs per day or per item.
# 2 of headroom.
SEARCH_BOUND = 18


def fill(team, days, per_day):
    # One search rebuild per day, at the end, not one per row: the data, not its
    # indexing, is what the test is about.
    with search_index.deferred():
        members = list(team.memberships.all())
        for i in range(days):
            day = on(team, -i, title=f"알파 {i}")
            for j in range(per_day):
                QuestionFactory(day=day, question="알파 질문", answer="", asked_by=members[0])
                SuggestionFactory(day=day, proposal="알파 건의", discussion="", outcome="")
                ReviewFactory(day=day, assignment="알파 과제", presenters=members[:2])
                SectionFactory(day=day, heading="알파", body="")
                MemberLogFactory(day=day, member=members[j % len(members)], retrospective="알파")


@pytest.mark.parametrize("days, per_day", [(2, 1), (25, 3)], ids=["small", "large"])
@pytest.mark.parametrize("sort", ["newest", "relevance"])
def test_query_count_is_bounded(
    team,
    team_member,
    team_admin,
    team_observer,
    as_member,
    me,
    django_assert_max_num_queries,
    days,
    per_day,
    sort,
):
    fill(team, days, per_day)
    with django_assert_max_num_queries(SEARCH_BOUND):
        response = as_member.get(url(team, q="알파 질문", sort=sort, member=me.pk))
    assert response.status_code == 200
    assert len(response.context["result"].days) == min(days, 10)


# --- 학습 내용 notes: searched as retrospectives are ---------------------------------


def test_a_team_visible_note_is_found_by_teammates(team, me, team_admin, as_member):
    admin = team_admin.memberships.get()
    day = on(team, 0)
    MemberLogFactory(day=day, member=admin, retrospective="", study_notes="선택과제 추가 공부")
    assert dates(search(team, me, "선택과제")) == [day.date]
    assert dates(search(team, me, "추가", filters=Filters(kind="retrospective"))) == [day.date]
    # The results list the note itself under its member.
    html = as_member.get(url(team, q="선택과제")).content.decode()
    assert "김관리" in html and "추가 공부" in html


def test_a_private_note_is_found_by_its_owner_only(team, me, team_admin, as_member):
    admin = team_admin.memberships.get()
    day = on(team, 0)
    MemberLogFactory(
        day=day,
        member=admin,
        retrospective="",
        study_notes="비밀스러운 메모",
        visibility=MemberLog.Visibility.PRIVATE,
    )
    assert search(team, me, "비밀스러운").days == []
    assert "비밀스러운 메모" not in as_member.get(url(team, q="비밀스러운")).content.decode()
    assert dates(search(team, admin, "비밀스러운")) == [day.date]


def test_a_note_made_private_leaves_the_teams_search(team, me, team_admin):
    admin = team_admin.memberships.get()
    day = on(team, 0)
    log = MemberLogFactory(day=day, member=admin, retrospective="", study_notes="곧 숨길 메모")
    assert dates(search(team, me, "숨길")) == [day.date]
    log.visibility = MemberLog.Visibility.PRIVATE
    log.save(update_fields=["visibility"])
    assert search(team, me, "숨길").days == []
    assert dates(search(team, admin, "숨길")) == [day.date]
