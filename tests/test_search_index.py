"""The search documents (sessions/search_index.py) follow every edit, and search's two
ways through them (few matches: counted exactly; many: newest first, count capped) give
the same days."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sessions import search as search_module
from sessions import search_index
from sessions.models import Day, MemberLog, Membership, Question, SearchDoc
from sessions.search import RELEVANCE, Filters, search

from .factories import (
    ActionItemFactory,
    MemberLogFactory,
    QuestionFactory,
    SectionFactory,
)
from .search_helpers import MONDAY, dates, doc, me_fixture, on  # noqa: F401 (fixture `me`)

pytestmark = pytest.mark.django_db


def test_a_saved_item_is_in_its_days_document_at_once(team):
    day = on(team, 0, title="Day 제목")
    question = QuestionFactory(day=day, question="Xavier 초기화", answer="")
    assert "xavier 초기화" in doc(day).text  # case-folded
    assert "xavier" in doc(day, "question").text
    assert "day 제목" in doc(day, "title").text

    question.question = "He 초기화"
    question.save()
    assert "xavier" not in doc(day).text and "he 초기화" in doc(day).text

    question.delete()
    assert not SearchDoc.objects.filter(day=day, scope="question").exists()
    assert "초기화" not in doc(day).text


def test_deleting_a_day_or_team_takes_its_documents(team, other_team):
    day = on(team, 0)
    QuestionFactory(day=day, question="삭제될 질문")
    other = on(other_team, 0)
    QuestionFactory(day=other, question="남을 질문")
    day.delete()
    assert not SearchDoc.objects.filter(day_id=day.pk).exists()
    other_team.delete()
    assert not SearchDoc.objects.exists()


def test_a_private_retrospective_has_its_own_document_for_its_author(team, me, team_admin):
    admin = team_admin.memberships.get()
    day = on(team, 0)
    QuestionFactory(day=day, question="공개 질문", answer="")
    MemberLogFactory(
        day=day, member=admin, retrospective="혼자 쓴 회고", visibility=MemberLog.Visibility.PRIVATE
    )
    assert "혼자" not in doc(day).text
    assert "혼자" in doc(day, owner=admin).text and "공개 질문" in doc(day, owner=admin).text
    # The author finds words from both in the same day; nobody else finds the private one.
    assert dates(search(team, admin, "혼자 공개")) == [day.date]
    assert dates(search(team, me, "공개")) == [day.date]
    assert search(team, me, "혼자").days == []


def test_open_follow_ups_scope_holds_open_questions_and_action_items(team, me):
    day = on(team, 0)
    QuestionFactory(day=day, question="열린 후속 질문", answer="", needs_follow_up=True)
    QuestionFactory(
        day=day,
        question="닫힌 후속 질문",
        answer="",
        needs_follow_up=True,
        resolved_at=timezone.now(),
    )
    ActionItemFactory(day=day, text="열린 액션 정리")
    ActionItemFactory(day=day, text="끝난 액션", resolved_at=timezone.now())
    text = doc(day, "followup").text
    assert "열린 후속" in text and "열린 액션" in text
    assert "닫힌" not in text and "끝난" not in text

    result = search(team, me, "", filters=Filters(follow_up=True))
    kinds = sorted(hit.kind for hit in result.days[0].hits)
    assert kinds == ["action", "question"]
    assert dates(search(team, me, "끝난", filters=Filters(follow_up=True))) == []
    assert dates(search(team, me, "끝난")) == [day.date]  # still searchable as a day's text


def test_action_items_and_resolutions_are_searched(team, me):
    day = on(team, 0)
    ActionItemFactory(day=day, text="발표 자료 공유")
    QuestionFactory(day=day, question="질문", answer="", resolution="나중에 찾은 해답")
    assert dates(search(team, me, "발표", filters=Filters(kind="action"))) == [day.date]
    assert dates(search(team, me, "해답")) == [day.date]


def test_deferred_rebuilds_each_day_once_at_the_end(team):
    day = on(team, 0)
    with CaptureQueriesContext(connection) as inside:
        with search_index.deferred():
            for i in range(10):
                QuestionFactory(day=day, question=f"질문 {i}")
            assert not SearchDoc.objects.filter(day=day, text__contains="질문 9").exists()
    assert "질문 9" in doc(day).text
    deletes = [q for q in inside.captured_queries if 'DELETE FROM "peer_searchdoc"' in q["sql"]]
    assert len(deletes) == 1


def test_reindex_days_rebuilds_what_bulk_create_skipped(team, me):
    day = on(team, 0)
    SearchDoc.objects.filter(day=day).delete()
    Question.objects.bulk_create([Question(day=day, position=1, question="벌크 질문")])
    assert search(team, me, "벌크").days == []
    search_index.reindex_team(team)
    assert dates(search(team, me, "벌크")) == [day.date]


def test_grams_are_every_two_character_piece_and_each_last_character():
    assert search_index.grams("초기화를 a") == "'a' '기화' '를' '초기' '화를'"
    assert search_index.grams("it's") == "'''s' 'it' 's' 't'''"


@pytest.mark.parametrize("word", ["값", "초기", "Xa", "c+", "'", "\\"])
def test_short_words_find_exactly_their_days(team, me, word):
    """One- and two-character words go through the pieces index on PostgreSQL."""
    hit = on(team, 0)
    QuestionFactory(day=hit, question=f"앞 {word.upper()}뒤 값을 초기화 xavier c++ it's \\ 끝")
    miss = on(team, 1)
    QuestionFactory(day=miss, question="상관없는 말")
    assert dates(search(team, me, word)) == [hit.date]


# --- many matches: the capped way ----------------------------------------------------


@pytest.fixture(params=[200, 1], ids=["newest-documents-answer", "index-answers"])
def small_pages(request, monkeypatch):
    """Small pages and count cap; on PostgreSQL, both ways of finding many matches: the
    newest documents hold enough of them, or (a window of one document) the words'
    index has to be asked."""
    monkeypatch.setattr(search_module, "COUNT_CAP", 3)
    monkeypatch.setattr(search_module, "DAYS_PER_PAGE", 2)
    monkeypatch.setattr(search_module, "PROBE", request.param)


def test_many_matches_are_read_newest_first_with_the_count_capped(team, me, small_pages):
    days = [on(team, i) for i in range(6)]
    for day in days:
        QuestionFactory(day=day, question="그래프 탐색", answer="")
    on(team, 10)  # a newer day without the words
    newest = sorted((d.date for d in days), reverse=True)

    first = search(team, me, "그래프 탐색")
    assert first.count_capped and first.count == 3
    assert dates(first) == newest[:2]
    assert first.page.has_next and first.page.total is None
    assert dates(search(team, me, "그래프 탐색", page=2)) == newest[2:4]
    last = search(team, me, "그래프 탐색", page=3)
    assert dates(last) == newest[4:6] and not last.page.has_next


def test_few_matches_are_counted_exactly(team, me, small_pages):
    for i in range(3):
        QuestionFactory(day=on(team, i), question="해시", answer="")
    result = search(team, me, "해시")
    assert result.count == 3 and not result.count_capped
    assert result.page.total == 2


def test_relevance_with_many_matches_ranks_the_newest_ones(team, me, small_pages):
    days = [on(team, i) for i in range(5)]
    for day in days:
        QuestionFactory(day=day, question="트리", answer="")
    for _ in range(3):
        QuestionFactory(day=days[3], question="트리 트리", answer="")
    result = search(team, me, "트리", sort=RELEVANCE)
    assert result.count_capped
    assert dates(result)[0] == days[3].date


PLANNER = ("enable_seqscan", "enable_indexscan", "enable_bitmapscan", "enable_sort")


def test_a_search_leaves_the_planner_settings_as_they_were(team, me):
    """Search turns some of PostgreSQL's plans off for its own statements only: the test
    runs inside a transaction, as a request or a command may, and everything after the
    search there is planned as before (SET LOCAL alone would last to its end)."""
    if connection.vendor != "postgresql":
        pytest.skip("planner settings are PostgreSQL's")

    def planner() -> tuple:
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(f"current_setting('{s}')" for s in PLANNER))
            return cursor.fetchone()

    for i in range(3):
        QuestionFactory(day=on(team, i), question="그래프 탐색", answer="")
    before = planner()
    # Both statements: the newest documents, then (few matches) the words' index.
    assert len(dates(search(team, me, "그래프 탐색"))) == 3
    assert planner() == before == ("on",) * len(PLANNER)


def test_the_index_and_the_days_agree_after_a_day_moves(team, me):
    day = on(team, 0)
    QuestionFactory(day=day, question="옮겨진 날")
    Day.objects.filter(pk=day.pk).update(date=MONDAY + datetime.timedelta(days=3))
    day.refresh_from_db()
    day.save()  # a save through the ORM (as the session form does) re-dates its documents
    assert doc(day).date == day.date


def test_a_section_and_its_heading_are_searched(team, me):
    day = on(team, 0)
    SectionFactory(day=day, heading="대회 진행상황", body="리더보드 3위")
    assert dates(search(team, me, "리더보드 대회", filters=Filters(kind="section"))) == [day.date]


def test_resolving_a_follow_up_moves_it_out_of_the_open_scope(team, me):
    from sessions import followups

    day = on(team, 0)
    question = QuestionFactory(day=day, question="큐 질문", answer="", needs_follow_up=True)
    assert dates(search(team, me, "큐", filters=Filters(follow_up=True))) == [day.date]
    followups.resolve(question, me, "덱으로 해결")
    assert search(team, me, "큐", filters=Filters(follow_up=True)).days == []
    assert dates(search(team, me, "덱으로")) == [day.date]  # the answer is searchable
    followups.reopen(question, me)
    assert dates(search(team, me, "큐", filters=Filters(follow_up=True))) == [day.date]


def test_pieces_are_keyed_by_team_and_scope():
    key = search_index.piece_key(12, "all")
    assert search_index.grams("값을", key) == "'12a.값을' '12a.을'"


def test_other_teams_and_scopes_share_no_pieces(team, me, other_team):
    """The pieces index is keyed by team and scope: the same word elsewhere is not found."""
    mine = on(team, 0)
    SectionFactory(day=mine, heading="트리", body="")
    QuestionFactory(day=on(other_team, 0), question="트리 순회")
    assert dates(search(team, me, "트리")) == [mine.date]
    assert search(team, me, "트리", filters=Filters(kind="question")).days == []


def test_bulk_deletes_and_a_member_leaving_take_their_text_out(team, me, team_admin):
    admin = team_admin.memberships.get()
    day = on(team, 0)
    QuestionFactory(day=day, question="벌크로 지울 질문")
    MemberLogFactory(day=day, member=admin, retrospective="떠나는 사람의 회고")
    MemberLogFactory(day=day, member=me, retrospective="남는 사람의 회고")
    assert "벌크로" in doc(day).text and "떠나는" in doc(day).text

    Question.objects.filter(day=day).delete()
    assert "벌크로" not in doc(day).text
    assert not SearchDoc.objects.filter(day=day, scope="question").exists()

    admin.delete()  # their logs go with them
    assert "떠나는" not in doc(day).text and "남는" in doc(day, "retrospective").text


def test_a_save_that_changes_no_searched_field_writes_no_document(team):
    day = on(team, 0)
    question = QuestionFactory(day=day, question="그대로인 질문")
    with CaptureQueriesContext(connection) as saving:
        question.for_mentor = True
        question.save(update_fields=["for_mentor"])
        question.question = "그대로인 질문"
        question.save()  # every field written, the text the same
    writes = [q["sql"] for q in saving.captured_queries if "peer_searchdoc" in q["sql"]]
    assert not [sql for sql in writes if sql.startswith(("DELETE", "INSERT"))]
    assert "그대로인" in doc(day, "question").text


def test_an_items_save_rewrites_its_kind_and_the_whole_day_only(team):
    day = on(team, 0, title="제목")
    QuestionFactory(day=day, question="질문 하나")
    SectionFactory(day=day, heading="토의", body="본문")
    ActionItemFactory(day=day, text="할 일")
    untouched = {d.scope: d.pk for d in SearchDoc.objects.filter(day=day)}
    SectionFactory(day=day, heading="둘째 토의", body="새 본문")
    after = {d.scope: d.pk for d in SearchDoc.objects.filter(day=day)}
    rewritten = {scope for scope in after if after[scope] != untouched.get(scope)}
    assert rewritten == {"section", "all"}
    assert "새 본문" in doc(day).text and "질문 하나" in doc(day).text


@pytest.mark.django_db(transaction=True)
def test_a_save_outside_any_transaction_rebuilds_under_the_days_lock(team):
    """In autocommit (a shell, a script), the rebuild opens its own transaction for the
    day's lock."""
    day = on(team, 0)
    question = QuestionFactory(day=day, question="자동 커밋")
    question.question = "자동 커밋 다시"
    question.save()
    assert "자동 커밋 다시" in doc(day, "question").text


def test_a_bulk_delete_of_members_takes_their_retrospectives_out(team, me, team_admin):
    """As the admin's "delete selected" does: a queryset's delete()."""
    admin = team_admin.memberships.get()
    day = on(team, 0)
    QuestionFactory(day=day, question="남는 질문")
    MemberLogFactory(day=day, member=admin, retrospective="관리자의 회고")
    assert "관리자의" in doc(day).text
    Membership.objects.filter(pk=admin.pk).delete()
    assert "관리자의" not in doc(day).text and "남는 질문" in doc(day).text


def test_a_logs_notes_are_in_the_retrospective_part(team, me, team_admin):
    admin = team_admin.memberships.get()
    day = on(team, 0)
    log = MemberLogFactory(day=day, member=me, retrospective="회고", study_notes="공개 Note")
    assert "공개 note" in doc(day, "retrospective").text and "공개 note" in doc(day).text
    MemberLogFactory(
        day=day,
        member=admin,
        retrospective="",
        study_notes="혼자 메모",
        visibility=MemberLog.Visibility.PRIVATE,
    )
    assert "혼자" not in doc(day).text
    assert "혼자 메모" in doc(day, owner=admin).text
    assert "혼자 메모" in doc(day, "retrospective", owner=admin).text
    log.study_notes = "고친 메모"
    log.save()
    assert "공개" not in doc(day).text and "고친 메모" in doc(day).text


def test_a_notes_save_rewrites_the_retrospective_and_whole_day_only(team, me):
    day = on(team, 0, title="제목")
    QuestionFactory(day=day, question="질문 하나")
    log = MemberLogFactory(day=day, member=me, retrospective="회고", study_notes="메모")
    untouched = {d.scope: d.pk for d in SearchDoc.objects.filter(day=day)}
    log.study_notes = "새 메모"
    log.save(update_fields=["study_notes"])
    after = {d.scope: d.pk for d in SearchDoc.objects.filter(day=day)}
    assert {scope for scope in after if after[scope] != untouched.get(scope)} == {
        "retrospective",
        "all",
    }
    # The same notes saved again write no document.
    with CaptureQueriesContext(connection) as saving:
        log.save()
    writes = [q["sql"] for q in saving.captured_queries if "peer_searchdoc" in q["sql"]]
    assert not [sql for sql in writes if sql.startswith(("DELETE", "INSERT"))]
