"""Korean search as people type (issue 16): a word with its particle or ending finds what
the word finds, `#tag` finds the tag, a filter alone lists its days, and snippets show
text rather than markdown."""

import importlib
import threading

import pytest
from django.apps import apps
from django.db import connection

from sessions import korean
from sessions import search as search_module
from sessions.models import SearchDoc
from sessions.search import Filters, search
from sessions.search.plain import plain

from .factories import (
    ActionItemFactory,
    MemberLogFactory,
    QuestionFactory,
    ReviewFactory,
    SectionFactory,
    SuggestionFactory,
)
from .search_helpers import dates, doc, me_fixture, on, url  # noqa: F401 (fixture `me`)
from .test_search import SEARCH_BOUND

pytestmark = pytest.mark.django_db


# --- particles and endings -------------------------------------------------------------


def test_a_noun_with_any_particle_finds_the_same_days(team, me):
    days = [on(team, 0), on(team, 1), on(team, 2), on(team, 3)]
    QuestionFactory(day=days[0], question="손실 함수의 기울기를 어떻게 구하나요?", answer="")
    QuestionFactory(day=days[1], question="q", answer="기울기가 0이 되면 학습이 멈춥니다.")
    SectionFactory(day=days[2], heading="정리", body="기울기 소실 문제")
    SuggestionFactory(day=days[3], proposal="기울기값을 출력해 보자", discussion="", outcome="")
    on(team, 4)  # a day without the word
    SectionFactory(day=on(team, 5), heading="기울", body="기울어진 그래프")
    expected = sorted((d.date for d in days), reverse=True)
    for word in ("기울기", "기울기가", "기울기를", "기울기는", "기울기의"):
        assert dates(search(team, me, word)) == expected, word


def test_channel_with_its_object_particle(team, me):
    found = [on(team, 0), on(team, 1)]
    QuestionFactory(day=found[0], question="채널 수를 늘리면?", answer="")
    MemberLogFactory(day=found[1], member=me, retrospective="입력 채널이 3개인 이유를 알았다")
    SectionFactory(day=on(team, 2), heading="채팅", body="슬랙 공지")
    assert dates(search(team, me, "채널을")) == dates(search(team, me, "채널"))
    assert len(search(team, me, "채널을").days) == 2


def test_a_verb_finds_its_other_endings(team, me):
    seen = on(team, 0)
    QuestionFactory(day=seen, question="q", answer="그래프에서 과적합이 보이는 구간")
    heard = on(team, 1)
    SectionFactory(day=heard, heading="멘토링", body="멘토님 설명을 듣고 정리했다")
    on(team, 2)
    assert dates(search(team, me, "보였다")) == [seen.date]
    assert dates(search(team, me, "들었다")) == [heard.date]
    assert " 보이 " in doc(seen).stems and " 듣 " in doc(heard).stems


def test_a_substring_of_a_word_still_finds_it(team, me):
    day = on(team, 0)
    QuestionFactory(day=day, question="경사하강법으로 학습률을 조정했는데", answer="")
    on(team, 1)
    for word in ("하강법", "경사하강", "학습률", "조정했", "경사하강법으로"):
        assert dates(search(team, me, word)) == [day.date], word


def test_every_word_of_a_query_with_particles_must_be_in_the_day(team, me):
    both = on(team, 0)
    QuestionFactory(day=both, question="배치 정규화를 쓰면 기울기가 안정된다", answer="")
    only_one = on(team, 1)
    QuestionFactory(day=only_one, question="배치 정규화 위치", answer="")
    assert dates(search(team, me, "정규화가 기울기를")) == [both.date]


def test_the_noun_is_marked_in_the_snippet(team, me, as_member):
    QuestionFactory(day=on(team, 0), question="기울기를 구하는 방법", answer="")
    html = as_member.get(url(team, q="기울기가")).content.decode()
    assert "<mark>기울기</mark>를" in html


def test_english_and_code_words_are_not_analyzed(team, me):
    day = on(team, 0)
    QuestionFactory(day=day, question="nn.Module을 상속한 Xavier 초기화", answer="")
    assert dates(search(team, me, "XAVIER")) == [day.date]
    assert dates(search(team, me, "nn.module을")) == [day.date]
    assert korean.parts("xavier") == korean.Word("xavier", ("xavier",))


def test_a_word_is_analyzed_into_needles_and_stems():
    assert korean.parts("기울기가").needles == ("기울기",)
    assert korean.parts("(기울기)를").needles == ("기울기",)
    assert korean.parts("요한님이").needles == ("요한님",)
    assert korean.parts("들었다").stems == ("듣",) and korean.parts("들었다").needles == ()
    assert {"보이", "듣"} <= set(korean.stems("**보였다**. 그리고 `듣고`"))


def test_the_analyzer_loads_once_and_answers_from_several_threads():
    first = korean._analyzer()
    korean.parts.cache_clear()
    results, errors = [], []

    def analyze():
        try:
            results.append([korean.parts(w) for w in ("기울기가", "보였다", "채널을", "먹었다")])
        except Exception as error:  # noqa: BLE001 - the test reports it
            errors.append(error)

    threads = [threading.Thread(target=analyze) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert all(r == results[0] for r in results)
    assert korean._analyzer() is first


# --- tags ----------------------------------------------------------------------------


def test_a_tag_is_found_with_or_without_its_hash(team, me):
    tagged = on(team, 0, tags="TTA, 딥러닝")
    on(team, 1, tags="딥러닝")
    for query in ("#TTA", "#tta", "TTA", "tta"):
        assert dates(search(team, me, query)) == [tagged.date], query
    assert dates(search(team, me, "", filters=Filters(tag="#TTA"))) == [tagged.date]


def test_the_tag_filter_on_the_page_takes_a_hash(team, as_member):
    tagged = on(team, 0, tags="TTA")
    response = as_member.get(url(team, q="", tag="#TTA"))
    assert [found.day for found in response.context["result"].days] == [tagged]


def test_a_lone_hash_is_no_word(team, me):
    on(team, 0, tags="TTA")
    assert search(team, me, "#").days == []


# --- a filter without words ------------------------------------------------------------


@pytest.fixture
def week(team, me, team_admin):
    """Five days, each selected by one filter; the newest day is selected by none."""
    admin = team_admin.memberships.get()
    days = {
        "tag": on(team, 0, tags="TTA", moderator=admin),
        "asked": on(team, 1, moderator=admin),
        "presented": on(team, 2, moderator=admin),
        "section": on(team, 3, moderator=admin),
        "follow_up": on(team, 4, moderator=admin),
        "none": on(team, 5, moderator=admin),
    }
    QuestionFactory(day=days["asked"], question="질문", answer="", asked_by=me)
    ReviewFactory(day=days["presented"], assignment="과제", presenters=[me])
    SectionFactory(day=days["section"], heading="토의", body="")
    ActionItemFactory(day=days["follow_up"])
    return days


def test_an_empty_query_with_a_filter_lists_its_days_newest_first(team, me, week):
    def found(**filters):
        return dates(search(team, me, "", filters=Filters(**filters)))

    assert found(tag="TTA") == [week["tag"].date]
    assert found(member=me) == [week["presented"].date, week["asked"].date]
    assert found(kind="section") == [week["section"].date]
    assert found(follow_up=True) == [week["follow_up"].date]
    everything = sorted((d.date for d in week.values()), reverse=True)
    assert found(date_from=week["section"].date) == everything[:3]
    assert found(date_to=week["asked"].date) == everything[-2:]


def test_an_empty_query_without_a_filter_is_the_empty_page(team, me, week, as_member):
    assert search(team, me, "").days == []
    response = as_member.get(url(team, q=""))
    assert response.status_code == 200
    assert response.context["result"].days == []


def test_a_filter_alone_pages_through_its_days(team, me, monkeypatch):
    monkeypatch.setattr(search_module, "DAYS_PER_PAGE", 2)
    days = [on(team, i, tags="TTA") for i in range(5)]
    newest = sorted((d.date for d in days), reverse=True)
    first = search(team, me, "", filters=Filters(tag="TTA"))
    assert first.count == 5 and dates(first) == newest[:2] and first.page.has_next
    assert dates(search(team, me, "", filters=Filters(tag="TTA"), page=3)) == newest[4:]


def test_a_filter_alone_shows_a_sample_of_each_day(team, me, as_member):
    day = on(team, 0, tags="TTA")
    for n in range(3):
        QuestionFactory(day=day, question=f"**질문 {n}**", answer="")
    response = as_member.get(url(team, q="", tag="TTA"))
    (found,) = response.context["result"].days
    assert [hit.kind for hit in found.hits] == ["question"]
    assert str(found.hits[0].snippet) == "질문 0"


def test_the_empty_query_page_keeps_query_count_bounded(
    team, me, as_member, django_assert_max_num_queries
):
    for i in range(12):
        day = on(team, -i, moderator=me, tags="TTA")
        QuestionFactory(day=day, question="알파를 물었다", answer="", asked_by=me)
    with django_assert_max_num_queries(SEARCH_BOUND):
        response = as_member.get(url(team, q="", member=me.pk))
    assert len(response.context["result"].days) == 10
    with django_assert_max_num_queries(SEARCH_BOUND):
        response = as_member.get(url(team, q="알파가 #TTA"))
    assert len(response.context["result"].days) == 10


# --- snippets ----------------------------------------------------------------------------

NOTE = """## 오늘 배운 것

- **기울기**를 [블로그](https://example.com/post_(1)) 에 정리했다
- `torch.autograd` 로 *직접* 확인
> 1. 인용된 목록
"""


def test_snippets_show_text_not_markdown(team, me):
    QuestionFactory(day=on(team, 0), question="q", answer=NOTE)
    snippet = str(search(team, me, "기울기가").days[0].hits[0].snippet)
    assert "<mark>기울기</mark>를 블로그 에 정리했다" in snippet
    for mark in ("**", "](", "`", "## ", "- ", "> ", "1. "):
        assert mark not in snippet, mark


def test_snippets_stay_escaped(team, me):
    QuestionFactory(day=on(team, 0), question="**굵게** <img src=x onerror=alert(1)>")
    snippet = str(search(team, me, "굵게").days[0].hits[0].snippet)
    assert snippet == "<mark>굵게</mark> &lt;img src=x onerror=alert(1)&gt;"


@pytest.mark.parametrize(
    ("markdown", "text"),
    [
        ("# 제목 #", "제목"),
        ("1) 첫째\n2) 둘째", "첫째 둘째"),
        ("- [x] 끝낸 일", "끝낸 일"),
        ("![그림 설명](a.png)", "그림 설명"),
        ("<https://example.com>", "https://example.com"),
        ("snake_case_name 의 *정규화*가", "snake_case_name 의 정규화가"),
        ("2 * 3 * 4", "2 * 3 * 4"),
        ("__굵게__ _기울임_ ~~취소~~", "굵게 기울임 취소"),
        ("| 이름 | 값 |\n|---|---|\n| a | 1 |", "이름 · 값 a · 1"),
        ("```python\nx = 1\n```", "x = 1"),
        ("줄바꿈<br>다음 줄", "줄바꿈 다음 줄"),
        ("\\*별표\\*", "*별표*"),
    ],
)
def test_plain_text_of_markdown(markdown, text):
    assert plain(markdown) == text


# --- existing documents -------------------------------------------------------------------


def test_the_migration_gives_existing_documents_their_stems(team, me):
    day = on(team, 0)
    QuestionFactory(day=day, question="q", answer="과적합이 보이는 구간")
    SearchDoc.objects.update(stems="", grams="")  # as documents were before 0017
    assert search(team, me, "보였다").days == []
    migration = importlib.import_module("sessions.migrations.0017_korean_search")

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection
    migration.rebuild_documents(apps, editor)
    assert dates(search(team, me, "보였다")) == [day.date]


def test_stems_are_keyed_by_team_and_scope_in_the_full_text_index(team):
    day = on(team, 0)
    QuestionFactory(day=day, question="q", answer="보이는")
    if connection.vendor != "postgresql":
        assert doc(day).grams == ""
        return
    key = f"{team.pk}a."
    assert f"'{key} 보이'" in doc(day).grams


def test_a_long_day_is_indexed(team, me):
    """A day of several KB per member, as real posts are, indexes and is found."""
    day = on(team, 0)
    body = "\n".join(f"- {i}번째 항목: 채널을 늘려 보였다 `x{i}`" for i in range(200))
    MemberLogFactory(day=day, member=me, retrospective=body)
    assert len(body) > 5000
    assert dates(search(team, me, "채널이 보였다")) == [day.date]


def test_the_reindex_command_repairs_documents(team, me, other_team):
    from io import StringIO

    from django.core.management import CommandError, call_command

    day = on(team, 0)
    QuestionFactory(day=day, question="q", answer="과적합이 보이는 구간")
    SearchDoc.objects.update(stems="", grams="")
    out = StringIO()
    call_command("reindex_search", team.slug, stdout=out)
    assert f"{team.slug}: 1 days" in out.getvalue()
    assert dates(search(team, me, "보였다")) == [day.date]
    with pytest.raises(CommandError):
        call_command("reindex_search", "no-such-team")
