"""Importing Jekyll posts (sessions/jekyll/parse.py, importer.py, `manage.py import_posts`)."""

import datetime
import io
import zipfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from sessions.jekyll import parse
from sessions.jekyll.importer import FAILED, IMPORTED, UNCHANGED, import_files, import_sources
from sessions.jekyll.parse import PostError, parse_post
from sessions.jekyll.sources import MAX_FILE_BYTES, Source, read_sources
from sessions.models import (
    AssignmentReview,
    Attendance,
    Day,
    FreeSection,
    ImportedPost,
    MemberLog,
    Membership,
    PostSource,
    Question,
    StudyLink,
    Suggestion,
)

from .factories import MembershipFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.usefixtures("english")  # the tests read messages in English


POSTS = Path(__file__).resolve().parent / "fixtures" / "posts"
MODELS = [
    Day,
    Attendance,
    Membership,
    Suggestion,
    AssignmentReview,
    Question,
    FreeSection,
    MemberLog,
    StudyLink,
    ImportedPost,
    PostSource,
]


def fixture(name: str) -> str:
    return (POSTS / name).read_text(encoding="utf-8")


def source(name: str) -> Source:
    return Source(name, (POSTS / name).read_bytes())


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def post(body: str, date: str = "2024-05-02", title: str = "") -> str:
    """A post with minimal front matter around `body`."""
    return f'---\ntitle: "{title}"\ndate: {date}\n---\n{body}'


def by_name(report) -> dict:
    return {result.name: result for result in report.results}


# Parsing: FORMAT.md's layout


def test_canonical_korean_post():
    parsed = parse_post(fixture("2024-03-04-canonical_ko.md"))

    assert parsed.date == datetime.date(2024, 3, 4)
    assert parsed.title == "[boostcourse] Day3 학습기록_정렬연구회"
    assert parsed.tags == ["정렬", "힙"]
    assert parsed.study_links == [
        parse.StudyLink("B-Tree 기초", "https://blog.example.org/algo/b-tree", "green"),
        parse.StudyLink("heap_sort", "https://blog.example.org/algo/heap-sort", "blue"),
    ]
    assert parsed.study_notes == "힙 정렬 과제 전에 **완전 이진 트리**를 다시 봤다."
    assert parsed.moderator == "조하준"
    assert parsed.participants == ["민서연", "조하준", "윤지호", "한유나"]
    assert parsed.suggestions == [
        parse.Suggestion(
            "코드 리뷰를 깃허브 PR로 해보면 어떨까요?",
            ["리뷰어는 모더레이터가 정하기", "머지 전에 두 명 승인받기"],
            "다음 주 월요일부터 PR 리뷰로 진행\n\n리뷰 마감은 전날 밤 10시",
        )
    ]
    assert parsed.reviews == [
        parse.Review(
            "필수과제",
            "3 힙 정렬 구현",
            ["민서연", "윤지호"],
            "heapify를 재귀 대신 반복문으로 바꾼 버전 비교\n\n시간 복잡도는 둘 다 O(n log n)",
        )
    ]
    first, second = parsed.questions
    assert first == parse.Question(
        "힙 정렬이 안정 정렬이 아닌 이유가 뭔가요?",
        "한유나",
        "루트와 마지막 원소를 바꾸면서 같은 값의 순서가 뒤집힐 수 있어요",
        "조하준",
        [
            (
                "정렬 알고리즘 비교표",
                "https://ko.wikipedia.org/wiki/%EC%A0%95%EB%A0%AC_%EC%95%8C%EA%B3%A0%EB%A6%AC%EC%A6%98",
            )
        ],
        needs_follow_up=False,
    )
    assert second.question == "파이썬 heapq는 최대 힙을 지원하나요?"
    assert (second.asked_by, second.answered_by, second.needs_follow_up) == ("", "", True)
    assert parsed.sections == [
        parse.FreeSection("토의 내용", 3, "- 다음 주 스터디 장소: 온라인\n- 발표 순서는 이름순")
    ]
    assert parsed.retrospective == (
        "오늘은 힙을 직접 그려 보면서 이해했다.\n내일은 퀵 정렬의 피벗 선택을 정리할 생각이다."
    )
    assert parsed.footer == "```\n📌 틀린 내용이 있으면 댓글로 알려 주세요!\n```"


def test_canonical_english_post():
    parsed = parse_post(fixture("2024-03-05-canonical_en.md"))

    assert parsed.title == "Week 2, day 4: graphs"
    assert parsed.tags == ["graphs", "BFS"]
    assert parsed.study_links == [
        parse.StudyLink("BFS walkthrough", "https://notes.example.com/graphs/bfs", "orange")
    ]
    assert parsed.study_notes == "Read the chapter on adjacency lists twice."
    assert (parsed.moderator, parsed.participants) == ("Dana", ["Ana", "Ben", "Dana"])
    assert parsed.suggestions == [
        parse.Suggestion(
            "Rotate the note taker every week",
            ["Keep a shared calendar", "Swap when someone is away"],
            "Agreed, starting Monday",
        )
    ]
    assert parsed.reviews == [
        parse.Review(
            "Lab2",
            "shortest paths",
            ["Ana", "Ben"],
            "Compared Dijkstra with a plain BFS on unweighted graphs.",
        )
    ]
    assert parsed.questions == [
        parse.Question(
            "Why does BFS find shortest paths only without weights?",
            "Ben",
            "Every edge costs the same, so the first visit is the cheapest.",
            "Dana",
            [("Visualising BFS", "https://visualgo.net/en/dfsbfs")],
            needs_follow_up=True,
        )
    ]
    assert parsed.sections == [
        parse.FreeSection("Open topics", 3, "Whether to keep meeting on Fridays.")
    ]
    assert parsed.retrospective == "Graphs finally clicked when I drew the queue by hand."
    # Not fenced: the text after the retrospective's final <br> is the footer all the same.
    assert parsed.footer == "Thanks for reading: corrections are welcome in the comments."


# Parsing: the variants FORMAT.md lists


def test_q_and_a_bullets_badges_on_several_lines_and_an_emoji_moderator():
    parsed = parse_post(fixture("2024-03-06-qa_bullets.md"))

    # Badges on three lines, with a note between them: links in order, the note kept.
    assert [link.title for link in parsed.study_links] == ["제너레이터", "이터레이터", "클로저"]
    assert parsed.study_links[2].color == "grey"
    assert parsed.study_notes == "yield from 예제 따라 해 보기"
    # "## 피어세션 👨👨👦👦 👨👨👦" (no joiners), "🤴 모더레이터:윤지호", "참가자:…".
    assert parsed.moderator == "윤지호"
    assert parsed.participants == ["민서연", "조하준", "윤지호", "한유나"]
    # 질문사항: `- Q` with `A` in the same item, then `- Q.` and `- A.` as two bullets.
    assert [(q.question, q.answer) for q in parsed.questions] == [
        (
            "제너레이터를 두 번 순회하면 왜 비어 있나요?",
            "한 번 소비되면 끝나기 때문에 다시 만들어야 함",
        ),
        (
            "functools.lru_cache는 언제 써야 하나요?",
            "같은 인자로 자주 부르는 순수 함수에 쓰면 좋음",
        ),
    ]
    assert parsed.reviews == [parse.Review("선택과제", "1 데코레이터 만들기", ["한유나"])]
    assert parsed.retrospective == "제너레이터는 게으르다는 말이 이제 이해된다."  # "## 회고"
    assert (parsed.sections, parsed.footer) == ([], "")


def test_arrow_answers_top_level_suggestions_and_badges_that_stay_text():
    parsed = parse_post(fixture("2024-03-07-arrow_answers.md"))

    # A badge inside a sentence, and one in a colour Studylog has not: kept as written.
    assert parsed.study_links == []
    assert parsed.study_notes.splitlines() == [
        '- 오늘은 정리 못 함 (<a href="https://blog.example.org/todo">'
        '<img src="https://img.shields.io/badge/-TODO-red"/></a>)',
        '<a href="https://blog.example.org/db/index">'
        '<img src="https://img.shields.io/badge/-인덱스-purple"/></a>',
    ]
    # 질문: `- question (who)` then `→ answer (who)`.
    first, second = parsed.questions
    assert (first.question, first.asked_by) == (
        "B+트리에서 리프 노드끼리 연결하는 이유가 뭘까요?",
        "조하준",
    )
    assert (first.answer, first.answered_by) == (
        "범위 검색할 때 리프만 따라가면 되기 때문",
        "민서연",
    )
    assert (
        second.question
        == "인덱스를 많이 만들면 안 좋은가요?\n\n읽기는 빨라지는데 쓰기는 어떤지 궁금"
    )
    assert second.answer == "쓰기 성능이 떨어진다고 함"
    # "## 건의사항" at the top level; lines under the proposal with no `→` stay with it.
    assert parsed.suggestions == [
        parse.Suggestion(
            "금요일은 과제 대신 논문 한 편 읽기\n\n다들 찬성, 첫 논문은 한유나님이 고르기로"
        )
    ]
    assert parsed.sections == [
        parse.FreeSection("토의 내용", 3, "다음 달 모의 코딩 테스트 일정 잡기")
    ]


def test_q_and_a_heading_answer_label_and_a_mentoring_section():
    parsed = parse_post(fixture("2024-03-08-qna_heading.md"))

    assert [(q.question, q.asked_by, q.answer, q.answered_by) for q in parsed.questions] == [
        (
            "도커 이미지와 컨테이너의 차이는?",
            "",
            "이미지는 틀이고 컨테이너는 실행 중인 인스턴스",
            "",
        ),
        ("볼륨은 왜 따로 만드나요?", "윤지호", "컨테이너를 지워도 데이터를 남기려고", "조하준"),
    ]
    (mentoring,) = parsed.sections
    assert (mentoring.heading, mentoring.level) == ("🎈멘토링 시간🎈(with 서지원 멘토님)", 2)
    assert mentoring.body.endswith("    - 로그부터 남기기\n    - 롤백 방법 정해 두기")
    assert not mentoring.needs_review
    assert parsed.retrospective == "컨테이너를 직접 띄워 보니 개념이 잡혔다."  # "### 회고록"


def test_text_that_fits_no_part_is_kept_for_review():
    parsed = parse_post(fixture("2024-03-11-unplaced.md"))

    assert parsed.moderator == "조하준"
    assert [(s.heading, s.level, s.body, s.needs_review) for s in parsed.sections] == [
        (
            "피어세션",
            3,
            "- 이번 주는 각자 공부한 내용을 공유하기로 함\n\n📣 공지 : 다음 주 화요일은 휴강",
            True,
        ),
        ("과제 리뷰", 3, "네트워크 과제 관련 리뷰", True),
        ("참고 자료", 4, "- RFC 793 요약본 공유", False),
        ("오늘의 알고리즘", 2, "투 포인터로 부분합 문제 풀기", False),
    ]
    assert parsed.reviews == [
        parse.Review("필수과제", "2 소켓 채팅", ["조하준"], "select로 여러 클라이언트 처리")
    ]
    # A "## " line inside a fenced block is code, not a heading.
    assert parsed.retrospective.endswith('```python\n## 주석처럼 보이는 줄\nprint("hello")\n```')
    assert parsed.footer == ""


@pytest.mark.parametrize(
    "heading, part",
    [
        ("## 학습 내용", "study"),
        ("## Study notes", "study"),
        ("## 피어세션", "peer"),
        ("## 피어세션 👨👨👦👦 👨👨👦", "peer"),
        ("### 건의사항", "suggestions"),
        ("## Suggestions", "suggestions"),
        ("### 과제 리뷰", "reviews"),
        ("### 질문내용", "questions"),
        ("### 질문사항", "questions"),
        ("### 질문", "questions"),
        ("### Q&A", "questions"),
        ("### Questions", "questions"),
        ("## 회고록", "retro"),
        ("### 회고", "retro"),
        ("## Retrospective", "retro"),
        ("### 토의 내용", "free"),
        ("## 🎈멘토링 시간🎈(with 김멘토 멘토님)", "free"),
    ],
)
def test_heading_names(heading, part):
    body = {
        "study": '<a href="https://e.org/a"><img src="https://img.shields.io/badge/-A-red"/></a>',
        "peer": "모더레이터 : 가람",
        "suggestions": "- 제안",
        "reviews": "- 과제1 주제",
        "questions": "1. 질문 : 왜요?",
        "retro": "느낀 점",
        "free": "본문",
    }[part]
    parsed = parse_post(post(f"{heading}\n\n{body}\n"))

    found = {
        "study": bool(parsed.study_links),
        "peer": parsed.moderator == "가람",
        "suggestions": bool(parsed.suggestions),
        "reviews": bool(parsed.reviews),
        "questions": bool(parsed.questions),
        "retro": parsed.retrospective == "느낀 점",
        "free": [(s.heading, s.body) for s in parsed.sections] == [(heading.lstrip("# "), "본문")],
    }
    assert [name for name, yes in found.items() if yes] == [part]


@pytest.mark.parametrize(
    "line",
    [
        "모더레이터 : 가람",
        "모더레이터: 가람",
        "모더레이터 :가람",
        "🤴 모더레이터 : 가람",
        "Moderator : 가람",
    ],
)
def test_moderator_lines(line):
    parsed = parse_post(post(f"## 피어세션\n\n{line}\n\n참가자 : 가람, 나래\n"))

    assert (parsed.moderator, parsed.participants, parsed.sections) == (
        "가람",
        ["가람", "나래"],
        [],
    )


def test_a_moderator_line_that_names_no_one_stays_text():
    parsed = parse_post(post("## 피어세션\n\n🤴 모더레이터 : 이름 순서대로 매일 바꿔 가며\n"))

    assert parsed.moderator == ""
    assert [(s.body, s.needs_review) for s in parsed.sections] == [
        ("🤴 모더레이터 : 이름 순서대로 매일 바꿔 가며", True)
    ]


def test_names_in_parentheses_are_people_only_when_the_post_lists_them():
    parsed = parse_post(
        post(
            "## 피어세션\n\n참가자 : 가람, 나래\n\n### 질문내용\n\n"
            "1. 질문 : 첫 질문(가람)\n\n    답 : 첫 답(나래님)\n\n"
            "### 과제 리뷰\n\n- 과제1 트리 (가람, 다솜)\n"
        )
    )

    (question,) = parsed.questions
    assert (question.asked_by, question.answer, question.answered_by) == (
        "가람",
        "첫 답(나래님)",
        "",
    )
    assert parsed.reviews == [parse.Review("과제1", "트리 (가람, 다솜)")]


def test_badge_titles_undo_shields_escaping():
    shield = "https://img.shields.io/badge/"
    badges = (
        f'<a href="https://e.org/1"><img src="{shield}-CI%2FCD--pipeline-red"/></a> '
        f'<a href="https://e.org/2"><img src="{shield}-snake__case_names-blue"/></a>'
    )
    parsed = parse_post(post(f"## 학습 내용\n\n{badges}\n"))

    assert [link.title for link in parsed.study_links] == ["CI/CD-pipeline", "snake_case names"]


def test_badge_colours_match_the_study_link_model():
    assert set(parse.BADGE_COLORS) == set(StudyLink.Color.values)


@pytest.mark.parametrize(
    "text, reason",
    [
        ("title: x\ndate: 2024-05-02\n---\nbody\n", "does not start with front matter"),
        ("---\ntitle: x\ndate: 2024-05-02\n\n## 회고록\n", "not closed"),
        ("---\ntitle: x\n---\n## 회고록\n", "no “date:”"),
        ("---\ndate: 2024-02-30\n---\n", "not a date"),
        ("---\ndate: someday\n---\n", "not a date"),
    ],
)
def test_bad_front_matter(text, reason):
    with pytest.raises(PostError) as caught:
        parse_post(text)
    assert reason in str(caught.value.reason)


def test_front_matter_dates_with_a_time():
    assert parse_post("---\ndate: 2024-05-02 21:00:00 +0900\n---\n").date == datetime.date(
        2024, 5, 2
    )


# Lines of every shape the parser looks for, shuffled with random text: whatever the
# mix, a post with good front matter is read without an error.
SHAPES = [
    "## 피어세션", "### 질문내용", "### 건의사항", "### 과제 리뷰", "## 회고록", "## 학습 내용",
    "### 토의 내용", "#### 참고", "<br>", "", "```", "- Q", "  A", "- A. 답", "1. 질문 : 왜(가)",
    "    답 : 그래서(나)", "→ 결정", "    논의 item", "    1. 항목", "모더레이터 : 가",
    "참가자 : 가, 나", "    [링크](https://e.org/x)", "    추가 확인 필요", "- 과제1 주제 (가)",
    '<a href="https://e.org"><img src="https://img.shields.io/badge/-배지-red"/></a>',
    "    들여쓴 줄", "그냥 문장", "* * *",
]  # fmt: skip


@given(st.lists(st.sampled_from(SHAPES) | st.text(max_size=20), max_size=40))
@settings(max_examples=150, deadline=None)
def test_any_mix_of_shapes_parses(lines):
    parsed = parse_post(post("\n".join(lines)))

    assert parsed.date == datetime.date(2024, 5, 2)


# Importing one post


@pytest.fixture
def empty_team(db):
    return TeamFactory(name="정렬연구회", slug="sorting", post_footer="")


def test_import_creates_the_day_with_every_part(empty_team):
    report = import_sources(
        empty_team, [source("2024-03-04-canonical_ko.md")], member_name="한유나"
    )

    (result,) = report.results
    assert (result.status, result.reason) == (IMPORTED, "")
    day = Day.objects.get(team=empty_team)
    assert result.day == day
    assert (day.date, day.number, day.tags) == (datetime.date(2024, 3, 4), 3, "정렬, 힙")
    # The title is the team's default one for day 3: stored empty, so it follows the team.
    assert (day.title, day.display_title) == ("", "[boostcourse] Day3 학습기록_정렬연구회")
    assert day.moderator.display_name == "조하준"
    assert [a.member.display_name for a in day.attendances.all()] == [
        "민서연",
        "조하준",
        "윤지호",
        "한유나",
    ]
    assert {a.status for a in day.attendances.all()} == {Attendance.Status.PRESENT}

    suggestion = day.suggestions.get()
    assert suggestion.discussion_items == [
        "리뷰어는 모더레이터가 정하기",
        "머지 전에 두 명 승인받기",
    ]
    review = day.assignmentreviews.get()
    assert sorted(p.display_name for p in review.presenters.all()) == ["민서연", "윤지호"]
    first, second = day.questions.all()
    assert (first.position, second.position) == (1, 2)
    assert (first.asked_by.display_name, first.answered_by.display_name) == ("한유나", "조하준")
    assert first.link_list == [
        (
            "정렬 알고리즘 비교표",
            "https://ko.wikipedia.org/wiki/%EC%A0%95%EB%A0%AC_%EC%95%8C%EA%B3%A0%EB%A6%AC%EC%A6%98",
        )
    ]
    assert second.needs_follow_up
    section = day.freesections.get()
    assert (section.heading, section.level, section.needs_review) == ("토의 내용", 3, False)
    for row in [day, suggestion, review, first, second, section]:
        assert row.version == 1

    log = MemberLog.objects.get(day=day)
    assert log.member.display_name == "한유나"
    assert log.study_notes == "힙 정렬 과제 전에 **완전 이진 트리**를 다시 봤다."
    assert [(link.position, link.title, link.color) for link in log.links.all()] == [
        (1, "B-Tree 기초", "green"),
        (2, "heap_sort", "blue"),
    ]
    empty_team.refresh_from_db()
    assert empty_team.post_footer == "```\n📌 틀린 내용이 있으면 댓글로 알려 주세요!\n```"
    assert ImportedPost.objects.get().filename == "2024-03-04-canonical_ko.md"


def test_names_create_name_only_members_and_reuse_existing_ones(empty_team):
    user = UserFactory()
    existing = MembershipFactory(team=empty_team, user=user, display_name="조하준")

    import_sources(empty_team, [source("2024-03-04-canonical_ko.md")], member_name="한유나")

    members = {m.display_name: m for m in empty_team.memberships.all()}
    assert set(members) == {"민서연", "조하준", "윤지호", "한유나"}
    assert members["조하준"] == existing and members["조하준"].user == user
    for name in ("민서연", "윤지호", "한유나"):
        assert members[name].user is None
        assert members[name].role == Membership.Role.MEMBER
    # New members join the rotation in the order the post lists them.
    orders = [members[name].rotation_order for name in ("민서연", "윤지호", "한유나")]
    assert orders == sorted(orders) and orders[0] > existing.rotation_order


def test_importing_the_same_file_again_changes_nothing(empty_team):
    files = [source("2024-03-04-canonical_ko.md"), source("2024-03-07-arrow_answers.md")]
    import_sources(empty_team, files, member_name="한유나")
    before = counts()

    again = import_sources(empty_team, files, member_name="한유나")

    assert [r.status for r in again.results] == [UNCHANGED, UNCHANGED]
    assert again.results[0].day == Day.objects.get(date=datetime.date(2024, 3, 4))
    assert counts() == before


def test_a_second_members_post_attaches_to_the_day(empty_team):
    first = fixture("2024-03-04-canonical_ko.md")
    import_sources(empty_team, [Source("a.md", first.encode())], member_name="한유나")
    day = Day.objects.get()
    session_before = (
        list(day.suggestions.values_list("proposal", "version")),
        list(day.questions.values_list("question", "version")),
        day.moderator_id,
    )
    # 민서연's post of the same session: her own links and retrospective, one more
    # question, and another moderator named.
    second = (
        first.replace("모더레이터 : 조하준", "모더레이터 : 윤지호")
        .replace("B--Tree 기초-green", "레드블랙 트리-red")
        .replace("오늘은 힙을 직접 그려 보면서 이해했다.", "나는 힙을 배열로만 이해했다.")
        .replace(
            "<br>\n\n### 토의 내용",
            "3. 질문 : 우선순위 큐는 힙으로만 만드나요?\n\n    답 : 아니요"
            "\n\n<br>\n\n### 토의 내용",
        )
    )
    before = counts()

    report = import_sources(empty_team, [Source("b.md", second.encode())], member_name="민서연")

    (result,) = report.results
    assert result.status == IMPORTED
    assert result.day == day
    assert "parts kept for review: 2" in str(result.reason)
    day.refresh_from_db()
    after = (
        list(day.suggestions.values_list("proposal", "version")),
        list(day.questions.values_list("question", "version")),
        day.moderator_id,
    )
    assert after == session_before
    log = MemberLog.objects.get(day=day, member__display_name="민서연")
    assert [link.title for link in log.links.all()] == ["레드블랙 트리", "heap_sort"]
    assert log.retrospective.startswith("나는 힙을 배열로만 이해했다.")
    kept = list(day.freesections.filter(needs_review=True))
    assert [(s.heading, s.level, s.body) for s in kept] == [
        ("피어세션", 3, "모더레이터 : 윤지호"),
        ("질문내용", 3, "3. 질문 : 우선순위 큐는 힙으로만 만드나요?\n\n    답 : 아니요"),
    ]
    assert [s.position for s in day.freesections.all()] == [1, 2, 3]
    assert counts() == {
        **before,
        "MemberLog": before["MemberLog"] + 1,
        "StudyLink": before["StudyLink"] + 2,
        "FreeSection": before["FreeSection"] + 2,
        "ImportedPost": before["ImportedPost"] + 1,
        "PostSource": before["PostSource"] + 1,
    }
    # The text kept for review is the second post's until someone edits it in.
    assert {s.from_post.member.display_name for s in kept} == {"민서연"}


def test_the_same_session_from_another_member_adds_only_their_log(empty_team):
    text = fixture("2024-03-04-canonical_ko.md")
    import_sources(empty_team, [Source("a.md", text.encode())], member_name="한유나")
    before = counts()

    other = text.replace("오늘은 힙을", "어제 본 힙을")
    (result,) = import_sources(
        empty_team, [Source("b.md", other.encode())], member_name="민서연"
    ).results

    assert (result.status, str(result.reason)) == (IMPORTED, "Added to the day already recorded.")
    assert counts()["FreeSection"] == before["FreeSection"]
    assert counts()["MemberLog"] == before["MemberLog"] + 1


def test_a_post_that_brings_nothing_new_is_unchanged(empty_team):
    text = fixture("2024-03-04-canonical_ko.md")
    import_sources(empty_team, [Source("a.md", text.encode())], member_name="한유나")

    # The same post with other bytes (a comment added to the front matter).
    copy = text.replace("toc: true\n", "toc: true # table of contents\n")
    (result,) = import_sources(
        empty_team, [Source("copy.md", copy.encode())], member_name="한유나"
    ).results

    assert result.status == UNCHANGED


def test_a_different_log_of_the_same_member_is_refused(empty_team):
    text = fixture("2024-03-04-canonical_ko.md")
    import_sources(empty_team, [Source("a.md", text.encode())], member_name="한유나")
    before = counts()

    edited = text.replace("오늘은 힙을", "오늘 다시 힙을")
    (result,) = import_sources(
        empty_team, [Source("b.md", edited.encode())], member_name="한유나"
    ).results

    assert result.status == FAILED
    assert "한유나 already has a different log for 2024-03-04" in str(result.reason)
    assert counts() == before


@pytest.mark.parametrize("how", ["member_name", "front_matter", "uploader", "only_account"])
def test_whose_post_it_is(empty_team, how):
    uploader = MembershipFactory(team=empty_team, display_name="윤지호")
    text = fixture("2024-03-07-arrow_answers.md")
    options = {}
    if how == "member_name":
        MembershipFactory(team=empty_team)  # a second account: no single account to pick
        options = {"member_name": "윤지호"}
    elif how == "front_matter":
        MembershipFactory(team=empty_team)
        text = text.replace("toc: true\n", "toc: true\nauthor: 윤지호\n")
    elif how == "uploader":
        MembershipFactory(team=empty_team)
        options = {"user": uploader.user}

    (result,) = import_sources(empty_team, [Source("p.md", text.encode())], **options).results

    assert result.status == IMPORTED
    assert MemberLog.objects.get().member == uploader


def test_a_post_nobody_can_be_found_for_fails_and_leaves_nothing(empty_team):
    MembershipFactory(team=empty_team)
    MembershipFactory(team=empty_team)
    before = counts()

    (result,) = import_sources(empty_team, [source("2024-03-04-canonical_ko.md")]).results

    assert result.status == FAILED
    assert "Whose post is this?" in str(result.reason)
    # The members the post names were created before the author was looked for: gone too.
    assert counts() == before
    empty_team.refresh_from_db()
    assert empty_team.post_footer == ""


def test_an_item_longer_than_the_form_allows_is_imported_whole(empty_team):
    long_word = "가" * 130  # the review form takes 120 characters of assignment
    text = post(f"## 피어세션\n\n### 과제 리뷰\n\n- {long_word} 주제\n- 과제2 트리\n")

    (result,) = import_sources(
        empty_team, [Source("p.md", text.encode())], member_name="가람"
    ).results

    assert result.status == IMPORTED
    day = Day.objects.get()
    assert [(r.assignment, r.position) for r in day.assignmentreviews.all()] == [
        (long_word, 1),
        ("과제2", 2),
    ]
    assert not day.freesections.exists()


def test_a_footer_unlike_the_teams_stays_in_the_retrospective(empty_team):
    empty_team.post_footer = "팀 꼬리말"
    empty_team.save()
    text = post("## 회고록\n\n재미있었다.\n\n<br>\n\n다른 꼬리말\n")

    import_sources(empty_team, [Source("p.md", text.encode())], member_name="가람")

    assert MemberLog.objects.get().retrospective == "재미있었다.\n\n다른 꼬리말"
    empty_team.refresh_from_db()
    assert empty_team.post_footer == "팀 꼬리말"


# Bad files, one by one, in a batch that otherwise imports


def zip_bytes(entries: dict[str, bytes], *, symlinks: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if name in symlinks:
                info.external_attr = 0o120777 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def good_post(day: int) -> bytes:
    return post(f"## 회고록\n\n{day}일의 회고\n", date=f"2024-05-{day:02d}").encode()


def test_bad_files_are_reported_by_name_while_the_rest_imports(empty_team):
    bomb = post("## 회고록\n\n" + " " * (MAX_FILE_BYTES - 100), date="2024-05-20").encode()
    archive = zip_bytes(
        {
            "_posts/2024-05-03-ok.md": good_post(3),
            "../evil.md": good_post(21),
            "/etc/absolute.md": good_post(22),
            "_posts/bomb.md": bomb,
            "_posts/inner.zip": zip_bytes({"x.md": good_post(23)}),
            "_posts/link.md": b"/etc/passwd",
            "__MACOSX/._2024-05-03-ok.md": b"\0\0",
        },
        symlinks=("_posts/link.md",),
    )
    items = [
        ("2024-05-01-ok.md", good_post(1)),
        ("no-front-matter.md", "## 회고록\n\n앞머리가 없다\n".encode()),
        ("latin1.md", post("## Retrospective\n\ncafé\n", date="2024-05-24").encode("latin-1")),
        ("binary.md", b"---\ndate: 2024-05-25\n---\n\0\1\2"),
        ("huge.md", post("x" * MAX_FILE_BYTES, date="2024-05-26").encode()),
        ("notes.txt", good_post(27)),
        ("posts.zip", archive),
        ("2024-05-02-ok.md", good_post(2)),
    ]

    report = import_files(empty_team, items, member_name="가람")

    results = by_name(report)
    reasons = {name: str(r.reason) for name, r in results.items() if r.status == FAILED}
    assert reasons == {
        "no-front-matter.md": "The file does not start with front matter (a line “---”).",
        "latin1.md": "The file is not UTF-8 text.",
        "binary.md": "A binary file, not a text post.",
        "huge.md": "The file is larger than 1 MiB.",
        "notes.txt": "Not a Markdown (.md) post.",
        "posts.zip:../evil.md": "A path leading out of the archive: refused.",
        "posts.zip:/etc/absolute.md": "An absolute path in the archive: refused.",
        "posts.zip:_posts/bomb.md": (
            "Compressed more than 100 times: refused as a possible zip bomb."
        ),
        "posts.zip:_posts/inner.zip": "An archive inside the archive: not read.",
        "posts.zip:_posts/link.md": "A symbolic link in the archive: refused.",
    }
    imported = {name for name, r in results.items() if r.status == IMPORTED}
    assert imported == {"2024-05-01-ok.md", "2024-05-02-ok.md", "posts.zip:_posts/2024-05-03-ok.md"}
    # Nothing of the refused files remains: only the three good days exist.
    assert sorted(d.day for d in Day.objects.values_list("date", flat=True)) == [1, 2, 3]
    assert ImportedPost.objects.count() == 3
    assert not report.ok and report.count(FAILED) == 10


def test_an_archive_with_too_many_entries_is_refused(empty_team):
    archive = zip_bytes({f"{n}.md": good_post(1) for n in range(501)})

    sources, failures = read_sources([("many.zip", archive)])

    assert sources == []
    assert [(f.name, str(f.reason)) for f in failures] == [
        ("many.zip", "The archive holds more than 500 files.")
    ]


def test_an_archive_too_large_uncompressed_is_refused():
    entries = {f"{n}.md": b"a" * MAX_FILE_BYTES for n in range(21)}

    sources, failures = read_sources([("big.zip", zip_bytes(entries))])

    assert sources == []
    assert [str(f.reason) for f in failures] == ["The archive holds more than 20 MiB uncompressed."]


def test_a_file_that_is_not_a_zip_is_refused():
    sources, failures = read_sources([("broken.zip", b"PK\3\4 not really")])

    assert sources == [] and [str(f.reason) for f in failures] == ["Not a readable zip archive."]


def test_reading_a_folder(tmp_path):
    (tmp_path / "_posts" / "2024").mkdir(parents=True)
    (tmp_path / "_posts" / "2024" / "2024-05-01-a.md").write_bytes(good_post(1))
    (tmp_path / "_posts" / "2024-05-02-b.markdown").write_bytes(good_post(2))
    (tmp_path / "_posts" / ".DS_Store").write_bytes(b"\0")
    (tmp_path / "_posts" / "cover.png").write_bytes(b"\x89PNG")
    (tmp_path / "_posts" / "link.md").symlink_to(tmp_path / "_posts" / "2024-05-02-b.markdown")

    sources, failures = read_sources([tmp_path / "_posts"])

    assert [Path(s.name).name for s in sources] == ["2024-05-01-a.md", "2024-05-02-b.markdown"]
    assert sorted((Path(f.name).name, str(f.reason)) for f in failures) == [
        ("cover.png", "Not a Markdown (.md) post."),
        ("link.md", "A symbolic link: not followed."),
    ]


# manage.py import_posts


def test_import_posts_command(empty_team, tmp_path):
    (tmp_path / "2024-05-01-a.md").write_bytes(good_post(1))
    (tmp_path / "bad.md").write_text("no front matter", encoding="utf-8")
    out = StringIO()

    with pytest.raises(CommandError) as caught:
        call_command(
            "import_posts", "--team", "sorting", "--member", "가람", str(tmp_path), stdout=out
        )

    assert caught.value.returncode == 1
    lines = out.getvalue().splitlines()
    no_front_matter = "The file does not start with front matter (a line “---”)."
    assert lines == [
        f"{tmp_path / '2024-05-01-a.md'}: imported",
        f"{tmp_path / 'bad.md'}: failed — {no_front_matter}",
        "1 imported, 0 unchanged, 1 failed.",
    ]
    assert Membership.objects.get(team=empty_team).display_name == "가람"

    out = StringIO()
    call_command("import_posts", "--team", "sorting", str(tmp_path / "2024-05-01-a.md"), stdout=out)
    assert out.getvalue().splitlines()[-1] == "0 imported, 1 unchanged, 0 failed."


def test_import_posts_command_needs_a_known_team(db):
    with pytest.raises(CommandError, match="No team"):
        call_command("import_posts", "--team", "nope", "x.md", stdout=StringIO())


def test_a_post_whose_day_was_deleted_can_be_imported_again(empty_team):
    files = [source("2024-03-04-canonical_ko.md")]
    import_sources(empty_team, files, member_name="한유나")
    Day.objects.get().delete()

    (result,) = import_sources(empty_team, files, member_name="한유나").results

    assert result.status == IMPORTED
    assert result.day == Day.objects.get()
    assert ImportedPost.objects.get().day == result.day


def test_a_title_and_heading_longer_than_the_forms_allow_are_imported_whole(empty_team):
    title, heading = "제목" * 101, "긴 제목 " * 60  # the forms take 200 and 120 characters
    text = post(f"## {heading}\n\n본문\n\n## 회고록\n\n짧은 회고\n", title=title)

    (result,) = import_sources(
        empty_team, [Source("p.md", text.encode())], member_name="가람"
    ).results

    assert result.status == IMPORTED
    day = Day.objects.get()
    assert day.title == title
    assert day.freesections.get().heading == heading.strip()


def test_a_title_with_a_direction_override_fails_and_leaves_nothing(empty_team):
    # The rule the forms keep for one-line texts holds for imported ones, whatever their
    # length: the title is refused after the post's members were written, and rolled back.
    text = post("## 피어세션\n\n참가자 : 가람, 나래\n", title="제목\u202egpj.md")

    (result,) = import_sources(
        empty_team, [Source("p.md", text.encode())], member_name="가람"
    ).results

    assert result.status == FAILED
    assert str(result.reason).startswith("Not imported: title: ")
    assert counts() == dict.fromkeys(counts(), 0)


def test_a_member_name_the_models_cannot_hold_fails_with_the_field_named(empty_team):
    text = post("## 회고록\n\n짧은 회고\n")

    (result,) = import_sources(
        empty_team, [Source("p.md", text.encode())], member_name="가" * 41
    ).results

    assert result.status == FAILED
    assert str(result.reason).startswith("Not imported: display_name: ")
    assert counts() == dict.fromkeys(counts(), 0)


def test_a_closed_day_takes_a_members_log_but_not_more_session(empty_team):
    text = fixture("2024-03-04-canonical_ko.md")
    import_sources(empty_team, [Source("a.md", text.encode())], member_name="한유나")
    Day.objects.update(closed_at=datetime.datetime(2024, 3, 5, tzinfo=datetime.UTC))
    before = counts()

    same_session = text.replace("오늘은 힙을", "어제 본 힙을")
    more_session = same_session.replace("- 발표 순서는 이름순", "- 발표 순서는 제비뽑기")
    results = import_sources(
        empty_team,
        [Source("same.md", same_session.encode()), Source("more.md", more_session.encode())],
        member_name="민서연",
    ).results

    assert [r.status for r in results] == [IMPORTED, FAILED]
    assert "The day 2024-03-04 is closed" in str(results[1].reason)
    assert counts()["FreeSection"] == before["FreeSection"]
    assert MemberLog.objects.get(member__display_name="민서연").retrospective.startswith("어제")


# Found in review: dates no team has had, empty posts and archives, long numbered lists.


@pytest.mark.parametrize("date", ["0001-01-01", "9999-12-31", "1969-07-20"])
def test_a_date_outside_any_study_team_is_refused(date):
    with pytest.raises(PostError, match="is not a date"):
        parse_post(post("## 회고록\n\n회고\n", date=date))


def test_a_post_with_nothing_but_front_matter_is_a_day(empty_team):
    text = post("", title="빈 날")
    report = import_sources(empty_team, [Source("empty.md", text.encode())], member_name="나")
    assert report.results[0].status == IMPORTED
    day = Day.objects.get(team=empty_team)
    assert (day.date, day.title) == (datetime.date(2024, 5, 2), "빈 날")
    assert PostSource.objects.get().member.display_name == "나"


def test_a_skeleton_post_attaches_to_the_day_already_recorded(empty_team):
    import_sources(empty_team, [source("2024-03-04-canonical_ko.md")], member_name="한유나")
    before = counts()
    text = post("<br>\n\n## 학습 내용\n\n## 피어세션\n\n## 회고록\n", date="2024-03-04")

    (result,) = import_sources(
        empty_team, [Source("skeleton.md", text.encode())], member_name="민서연"
    ).results

    assert (result.status, result.day) == (IMPORTED, Day.objects.get())
    assert counts() == {**before, "ImportedPost": before["ImportedPost"] + 1, "PostSource": 2}


def test_an_archive_without_posts_says_so():
    sources, failures = read_sources([("empty.zip", zip_bytes({"__MACOSX/x": b"", "a/": b""}))])
    assert sources == []
    assert [(f.name, str(f.reason)) for f in failures] == [
        ("empty.zip", "The archive holds no .md posts.")
    ]


def test_numbered_questions_past_999_are_still_questions():
    items = "\n\n".join(f"{n}. 질문 : {n}번째 질문" for n in range(1, 1003))
    parsed = parse_post(post(f"## 피어세션\n\n### 질문내용\n\n{items}\n"))
    assert len(parsed.questions) == 1002
    assert parsed.questions[-1].question == "1002번째 질문"
