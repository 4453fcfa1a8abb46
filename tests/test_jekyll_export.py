"""Exporting a member's days as Jekyll posts (sessions/jekyll/export.py, FORMAT.md)."""

import datetime
import io
import zipfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from sessions.jekyll.catalogue import member_days, posts_zip, write_posts
from sessions.jekyll.export import escape_badge_title, post_filename, render_post
from sessions.models import (
    AssignmentReview,
    Attendance,
    Day,
    FreeSection,
    MemberLog,
    Question,
    StudyLink,
    Suggestion,
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
)

pytestmark = pytest.mark.django_db

FORMAT = Path(__file__).resolve().parent.parent / "sessions" / "jekyll" / "FORMAT.md"
# The decoration after the peer-session heading, as in FORMAT.md (with zero-width joiners).
FAMILY = (
    "\U0001f468\u200d\U0001f468\u200d\U0001f466\u200d\U0001f466 "
    "\U0001f468\u200d\U0001f468\u200d\U0001f466"
)
# 10:00 on 2024-03-05 in Seoul (the factories' teams' time zone).
STAMP = datetime.datetime(2024, 3, 5, 1, 0, tzinfo=datetime.UTC)


def stamp(when: datetime.datetime = STAMP) -> None:
    """Pin every change time (auto_now would make last_modified_at today's date)."""
    for model in (Day, Suggestion, AssignmentReview, Question, FreeSection, MemberLog):
        model.objects.update(updated_at=when)


def members(day):
    admin = day.team.memberships.get(display_name="김관리")
    member = day.team.memberships.get(display_name="이멤버")
    return admin, member


def front_matter(post: str) -> list[str]:
    assert post.startswith("---\n")
    head, _sep, _rest = post[4:].partition("\n---\n")
    return head.split("\n")


def assert_in_order(text: str, parts: list[str]) -> None:
    position = 0
    for part in parts:
        found = text.find(part, position)
        assert found >= 0, f"{part!r} missing after position {position}"
        position = found + len(part)


# One small day, written out in full


def test_a_small_day_is_exactly_the_format(day):
    admin, member = members(day)
    day.moderator = admin
    day.save()
    day.team.post_footer = "```\n고칠 곳은 댓글로 알려 주세요\n```"
    day.team.save()
    QuestionFactory(
        day=day,
        question="배치 크기는 어떻게 정하나요?",
        asked_by=member,
        answer="GPU 메모리가 허락하는 만큼\n크게 잡습니다.",
        answered_by=admin,
        links="",
    )
    log = MemberLogFactory(day=day, member=member, retrospective="해시 맵을 다시 봤다.\n")
    StudyLinkFactory(log=log, title="Hash Map", url="https://example.com/hash", color="green")
    stamp()

    expected = f"""\
---
defaults:
  - scope:
      path: ""
      type: posts
    values:
      layout: single
      author_profile: true
      comments: true
      share: true
      related: true

title: "[boostcourse] Day1 학습기록_알파팀"
excerpt: "about : 파이썬, 자료구조"
toc: true
toc_sticky: true
toc_label: "Label"
categories:
  - boostcourse
tags:
  - [파이썬, 자료구조]
date: 2024-03-04
last_modified_at: 2024-03-05
---
<br>

## 학습 내용

<a href="https://example.com/hash"><img src="https://img.shields.io/badge/-Hash Map-green"/></a>

<br>

## 피어세션 {FAMILY}

모더레이터 : 김관리

참가자 : 김관리, 이멤버

<br>

### 질문내용

1. 질문 : 배치 크기는 어떻게 정하나요?(이멤버)

    답 : GPU 메모리가 허락하는 만큼
    크게 잡습니다.(김관리)

<br>

## 회고록

해시 맵을 다시 봤다.

<br>

```
고칠 곳은 댓글로 알려 주세요
```
"""
    assert render_post(day, member) == expected


def test_the_peer_session_heading_is_the_one_in_format_md():
    assert f"## 피어세션 {FAMILY}\n" in FORMAT.read_text()


# A full day


@pytest.fixture
def full_day(day):
    """Day 1 with every kind of item, the member's private log, and a teammate's log."""
    admin, member = members(day)
    late = MembershipFactory(team=day.team, display_name="박지각", user=None)
    AttendanceFactory(day=day, member=late, status=Attendance.Status.LATE)
    absent = MembershipFactory(team=day.team, display_name="최결석", user=None)
    AttendanceFactory(day=day, member=absent, status=Attendance.Status.ABSENT)
    day.moderator = admin
    day.save()
    day.team.post_footer = "끝까지 읽어 주셔서 감사합니다."
    day.team.save()

    SuggestionFactory(
        day=day,
        proposal="코드 리뷰를 격일로 하면 어떨까요?",
        discussion="요일 정하기\n\n발표자 순서",
        outcome="화, 목에 진행합니다.\n다음 주부터 적용",
    )
    ReviewFactory(
        day=day,
        assignment="필수과제 2",
        topic="역전파",
        presenters=[member, late],
        notes="체인 룰 정리\n- 그래프로 그려 보기",
    )
    QuestionFactory(
        day=day,
        question="드롭아웃은 추론 때도 켜 두나요?",
        asked_by=late,
        answer="아니요, 평가 모드에서 꺼집니다.",
        answered_by=admin,
        links="PyTorch 문서 https://pytorch.org/docs/\nhttps://example.com/dropout",
        needs_follow_up=True,
    )
    QuestionFactory(day=day, question="학습률 스케줄러 추천?", answer="", links="")
    SectionFactory(day=day, heading="멘토링 시간", level=2, body="다음 주 **수요일**")
    SectionFactory(day=day, heading="알 수 없는 메모", body="정리 안 된 내용", needs_review=True)

    log = MemberLogFactory(
        day=day,
        member=member,
        retrospective="혼자 보려고 쓴 회고.",
        study_notes="선택과제 추가 공부",
        visibility=MemberLog.Visibility.PRIVATE,
    )
    StudyLinkFactory(log=log, title="CNN Model", url="https://example.com/cnn", color="red")
    StudyLinkFactory(log=log, title="AAE", url="https://example.com/aae", color="blue")
    other = MemberLogFactory(day=day, member=admin, retrospective="관리자의 회고")
    StudyLinkFactory(log=other, title="관리자 링크", url="https://example.com/admin")
    stamp()
    return day


def test_a_full_day_has_every_part_in_order(full_day):
    _admin, member = members(full_day)
    post = render_post(full_day, member)

    assert_in_order(
        post,
        [
            "\n---\n<br>\n\n## 학습 내용\n\n",
            '<a href="https://example.com/cnn">'
            '<img src="https://img.shields.io/badge/-CNN Model-red"/></a> '
            '<a href="https://example.com/aae">'
            '<img src="https://img.shields.io/badge/-AAE-blue"/></a>'
            "\n\n선택과제 추가 공부\n\n<br>\n\n",
            f"## 피어세션 {FAMILY}\n\n"
            "모더레이터 : 김관리\n\n"
            "참가자 : 김관리, 이멤버, 박지각\n\n<br>\n\n",
            "### 건의사항\n\n"
            "- 코드 리뷰를 격일로 하면 어떨까요?\n\n"
            "    논의 item\n\n"
            "    1. 요일 정하기\n"
            "    2. 발표자 순서\n\n"
            "    → 화, 목에 진행합니다.\n"
            "    다음 주부터 적용\n\n<br>\n\n",
            "### 과제 리뷰\n\n"
            "- 필수과제 2 역전파 (이멤버, 박지각)\n\n"
            "    체인 룰 정리\n"
            "    - 그래프로 그려 보기\n\n<br>\n\n",
            "### 질문내용\n\n"
            "1. 질문 : 드롭아웃은 추론 때도 켜 두나요?(박지각)\n\n"
            "    답 : 아니요, 평가 모드에서 꺼집니다.(김관리)\n\n"
            "    [PyTorch 문서](https://pytorch.org/docs/)\n\n"
            "    [https://example.com/dropout](https://example.com/dropout)\n\n"
            "    추가 확인 필요\n\n"
            "2. 질문 : 학습률 스케줄러 추천?\n\n<br>\n\n",
            "## 멘토링 시간\n\n다음 주 **수요일**\n\n<br>\n\n",
            "### 알 수 없는 메모\n\n정리 안 된 내용\n\n<br>\n\n",
            "## 회고록\n\n혼자 보려고 쓴 회고.\n\n<br>\n\n",
            "끝까지 읽어 주셔서 감사합니다.\n",
        ],
    )
    assert post.endswith("감사합니다.\n") and not post.endswith("\n\n")
    # Only the member's own log: not a teammate's, not an absent member in 참가자.
    assert "관리자의 회고" not in post and "관리자 링크" not in post
    assert "최결석" not in post


def test_a_teammates_post_of_the_same_day_has_their_own_log(full_day):
    admin, _member = members(full_day)
    post = render_post(full_day, admin)
    assert "관리자의 회고" in post and "-관리자 링크-" in post
    assert "혼자 보려고 쓴 회고" not in post and "선택과제 추가 공부" not in post


def test_a_member_without_a_log_still_gets_the_session(full_day):
    late = full_day.team.memberships.get(display_name="박지각")
    post = render_post(full_day, late)
    assert "## 학습 내용" not in post and "## 회고록" not in post
    assert "### 건의사항" in post and "### 질문내용" in post


# Front matter


def test_front_matter_keys_and_values(day):
    _admin, member = members(day)
    stamp()
    lines = front_matter(render_post(day, member))
    assert lines[:11] == [
        "defaults:",
        "  - scope:",
        '      path: ""',
        "      type: posts",
        "    values:",
        "      layout: single",
        "      author_profile: true",
        "      comments: true",
        "      share: true",
        "      related: true",
        "",
    ]
    keys = [line.split(":", 1)[0] for line in lines[11:] if line and not line.startswith(" ")]
    assert keys == [
        "title",
        "excerpt",
        "toc",
        "toc_sticky",
        "toc_label",
        "categories",
        "tags",
        "date",
        "last_modified_at",
    ]
    values = dict(line.split(": ", 1) for line in lines[11:] if ": " in line and line[0] != " ")
    assert values == {
        "title": '"[boostcourse] Day1 학습기록_알파팀"',
        "excerpt": '"about : 파이썬, 자료구조"',
        "toc": "true",
        "toc_sticky": "true",
        "toc_label": '"Label"',
        "date": "2024-03-04",
        "last_modified_at": "2024-03-05",
    }
    assert lines[lines.index("categories:") + 1] == "  - boostcourse"
    assert lines[lines.index("tags:") + 1] == "  - [파이썬, 자료구조]"


def test_front_matter_without_tags_uses_the_course(day):
    _admin, member = members(day)
    day.tags = ""
    day.title = 'Day 1 "시작"'
    day.save()
    lines = front_matter(render_post(day, member))
    assert 'excerpt: "about : boostcourse"' in lines
    assert "  - []" in lines
    assert 'title: "Day 1 \\"시작\\""' in lines


def test_front_matter_category_falls_back_to_the_team_slug(day):
    _admin, member = members(day)
    day.team.course = ""
    day.team.save()
    lines = front_matter(render_post(day, member))
    assert lines[lines.index("categories:") + 1] == "  - alpha"
    assert 'title: "[alpha] Day1 학습기록_알파팀"' in lines


def test_last_modified_is_the_latest_change_in_the_teams_time_zone(day):
    _admin, member = members(day)
    QuestionFactory(day=day)
    stamp()
    # 16:00 UTC on the 8th is already the 9th in Seoul.
    Question.objects.update(updated_at=datetime.datetime(2024, 3, 8, 16, 0, tzinfo=datetime.UTC))
    assert "last_modified_at: 2024-03-09" in front_matter(render_post(day, member))


def test_last_modified_is_never_before_the_day(day):
    _admin, member = members(day)
    stamp(datetime.datetime(2024, 3, 1, 1, 0, tzinfo=datetime.UTC))
    assert "last_modified_at: 2024-03-04" in front_matter(render_post(day, member))


# Language and empty sections


def test_an_english_team_gets_english_headings(full_day):
    full_day.team.language = "en"
    full_day.team.save()
    _admin, member = members(full_day)
    post = render_post(full_day, member)
    assert_in_order(
        post,
        [
            "## Study notes\n",
            f"## Peer session {FAMILY}\n",
            "Moderator : 김관리\n",
            "Participants : 김관리, 이멤버, 박지각\n",
            "### Suggestions\n",
            "    Discussion items\n",
            "### Assignment review\n",
            "### Questions\n",
            "1. Question : 드롭아웃은",
            "    Answer : 아니요",
            "    Needs follow-up\n",
            "## Retrospective\n",
        ],
    )
    for korean in ("학습 내용", "피어세션", "모더레이터", "참가자", "건의사항", "논의 item"):
        assert korean not in post
    for korean in ("과제 리뷰", "질문내용", "질문 :", "답 :", "추가 확인 필요", "회고록"):
        assert korean not in post


def test_a_day_with_nothing_in_it_keeps_only_the_peer_session(team, team_member):
    member = team_member.memberships.get()
    day = DayFactory(team=team, date=datetime.date(2024, 3, 6), number=3, tags="")
    stamp()
    post = render_post(day, member)
    assert post.endswith(f"---\n<br>\n\n## 피어세션 {FAMILY}\n\n<br>\n")
    for heading in ("학습 내용", "건의사항", "과제 리뷰", "질문내용", "회고록", "모더레이터"):
        assert heading not in post


def test_a_log_with_only_a_retrospective_has_no_study_section(day):
    _admin, member = members(day)
    MemberLogFactory(day=day, member=member, retrospective="회고만 썼다")
    post = render_post(day, member)
    assert "## 학습 내용" not in post
    assert "\n\n## 회고록\n\n회고만 썼다\n\n<br>\n" in post


def test_study_notes_alone_make_the_study_section(day):
    _admin, member = members(day)
    MemberLogFactory(day=day, member=member, retrospective="", study_notes="논문 읽기")
    post = render_post(day, member)
    assert "---\n<br>\n\n## 학습 내용\n\n논문 읽기\n\n<br>\n\n## 피어세션" in post
    assert "## 회고록" not in post


def test_reviews_without_notes_are_a_tight_list_and_empty_parentheses_are_left_out(day):
    admin, member = members(day)
    ReviewFactory(day=day, assignment="선택과제 1", topic="", notes="", presenters=[admin])
    ReviewFactory(day=day, assignment="선택과제 2", topic="GAN", notes="", presenters=[])
    post = render_post(day, member)
    assert "### 과제 리뷰\n\n- 선택과제 1 (김관리)\n- 선택과제 2 GAN\n\n<br>" in post


# Badges


@pytest.mark.parametrize(
    "title, label",
    [
        ("CNN Model", "CNN Model"),
        ("Self-Attention", "Self--Attention"),
        ("to_device", "to__device"),
        ("a-b_c d", "a--b__c d"),
        ("경사하강법1", "경사하강법1"),
        ("TCP/IP 100%", "TCP%2FIP 100%25"),
    ],
)
def test_badge_titles_use_shields_escaping(title, label):
    assert escape_badge_title(title) == label


def test_badges_in_a_post_are_escaped(day):
    _admin, member = members(day)
    log = MemberLogFactory(day=day, member=member)
    StudyLinkFactory(
        log=log,
        title="Batch-Norm_v2 정리",
        url="https://example.com/bn",
        color=StudyLink.Color.ORANGE,
    )
    post = render_post(day, member)
    assert (
        '<a href="https://example.com/bn">'
        '<img src="https://img.shields.io/badge/-Batch--Norm__v2 정리-orange"/></a>'
    ) in post


# File names, the zip, the folder


@pytest.mark.parametrize(
    "course, name",
    [
        ("boostcourse", "2024-03-04-boostcourse_day1.md"),
        ("BoostCourse", "2024-03-04-BoostCourse_day1.md"),
        ("AI Tech 3기", "2024-03-04-AI-Tech-3_day1.md"),
        ("부스트캠프", "2024-03-04-alpha_day1.md"),
        ("", "2024-03-04-alpha_day1.md"),
    ],
)
def test_post_filename(day, course, name):
    day.team.course = course
    day.team.save()
    assert post_filename(day, members(day)[1]) == name
    assert name.isascii()


@pytest.fixture
def history(day):
    """The member's days: present on day 1, late on day 2, absent but logged on day 3;
    absent on day 4, and day 5 has no attendance at all; a day of another team too."""
    _admin, member = members(day)
    team = day.team
    late = DayFactory(team=team, date=datetime.date(2024, 3, 5), number=2)
    AttendanceFactory(day=late, member=member, status=Attendance.Status.LATE)
    logged = DayFactory(team=team, date=datetime.date(2024, 3, 6), number=3)
    AttendanceFactory(day=logged, member=member, status=Attendance.Status.ABSENT)
    MemberLogFactory(day=logged, member=member, retrospective="쉬는 날에도 공부")
    absent = DayFactory(team=team, date=datetime.date(2024, 3, 7), number=4)
    AttendanceFactory(day=absent, member=member, status=Attendance.Status.EXCUSED)
    DayFactory(team=team, date=datetime.date(2024, 3, 8), number=5)
    DayFactory(team=TeamFactory(), date=datetime.date(2024, 3, 4), number=1)
    return member


def test_member_days_are_the_days_attended_or_logged_oldest_first(day, history):
    assert [d.number for d in member_days(day.team, history)] == [1, 2, 3]


def test_posts_zip_is_a_posts_folder(day, history):
    archive = zipfile.ZipFile(io.BytesIO(posts_zip(day.team, history)))
    assert archive.namelist() == [
        "_posts/2024-03-04-boostcourse_day1.md",
        "_posts/2024-03-05-boostcourse_day2.md",
        "_posts/2024-03-06-boostcourse_day3.md",
        "_posts/2024-03-10-boostcourse_week1.md",  # the team's post of their week
    ]
    for day_ in member_days(day.team, history):
        text = archive.read(f"_posts/{post_filename(day_, history)}").decode()
        assert text == render_post(day_, history)
    assert "쉬는 날에도 공부" in archive.read("_posts/2024-03-06-boostcourse_day3.md").decode()


def test_posts_zip_of_a_member_with_no_days_is_an_empty_zip(day):
    newcomer = MembershipFactory(team=day.team, display_name="신입")
    assert zipfile.ZipFile(io.BytesIO(posts_zip(day.team, newcomer))).namelist() == []


def test_write_posts_writes_one_file_per_day(day, history, tmp_path):
    out = tmp_path / "blog" / "_posts"
    paths = write_posts(day.team, history, out)
    assert [p.name for p in paths] == [
        "2024-03-04-boostcourse_day1.md",
        "2024-03-05-boostcourse_day2.md",
        "2024-03-06-boostcourse_day3.md",
    ]
    assert sorted(out.iterdir()) == paths
    assert paths[0].read_bytes().decode() == render_post(day, history)
    assert b"\r\n" not in paths[0].read_bytes()


# The command


def test_export_posts_command_writes_the_files(day, history, tmp_path):
    out = StringIO()
    call_command("export_posts", team="alpha", member="이멤버", out=str(tmp_path), stdout=out)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "2024-03-04-boostcourse_day1.md",
        "2024-03-05-boostcourse_day2.md",
        "2024-03-06-boostcourse_day3.md",
    ]
    assert "Wrote 3 posts" in out.getvalue()


def test_export_posts_command_with_the_cli_syntax(day, tmp_path):
    out = StringIO()
    call_command(
        "export_posts", "--team", "alpha", "--member", "김관리", "--out", str(tmp_path), stdout=out
    )
    assert [p.name for p in tmp_path.iterdir()] == ["2024-03-04-boostcourse_day1.md"]
    assert "Wrote 1 post " in out.getvalue()


def test_export_posts_command_refuses_an_unknown_member(day, tmp_path):
    with pytest.raises(CommandError, match="No member called '없는사람'"):
        call_command("export_posts", team="alpha", member="없는사람", out=str(tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_export_posts_command_refuses_a_member_of_another_team(day, outsider, tmp_path):
    with pytest.raises(CommandError, match="No member called"):
        call_command("export_posts", team="alpha", member="최외부", out=str(tmp_path))


def test_export_posts_command_refuses_an_unknown_team(tmp_path):
    with pytest.raises(CommandError, match="No team"):
        call_command("export_posts", team="nope", member="누구", out=str(tmp_path))


# Queries

# A day fetched for the record: the day (team and moderator joined), then attendance,
# suggestions, reviews and their presenters, questions with asker and answerer, sections,
# action items, logs and their links = 12 at most, whatever the day holds; a member's
# posts read the day's imported post sources too (member_post).
RENDER_QUERIES = 12
POST_QUERIES = RENDER_QUERIES + 1
# A zip also holds a post of each week (week_post.py), read for all the weeks at once: the
# days with their attendance, suggestions, questions, action items, team retrospectives
# and the team's first day = 7 more, however many weeks.
ZIP_QUERIES = POST_QUERIES + 7


def fill(day, *, n: int) -> None:
    people = [MembershipFactory(team=day.team, user=None) for _ in range(n)]
    for person in people:
        AttendanceFactory(day=day, member=person)
        log = MemberLogFactory(day=day, member=person)
        StudyLinkFactory.create_batch(3, log=log)
    for i in range(n):
        SuggestionFactory(day=day)
        ReviewFactory(day=day, presenters=people[i : i + 2])
        QuestionFactory(day=day, asked_by=people[i], answered_by=people[-1 - i])
        SectionFactory(day=day, heading=f"토의 {i}")


@pytest.mark.parametrize("size", [1, 25])
def test_render_post_runs_a_fixed_number_of_queries(day, size, django_assert_max_num_queries):
    fill(day, n=size)
    _admin, member = members(day)
    plain = Day.objects.get(pk=day.pk)
    with django_assert_max_num_queries(RENDER_QUERIES):
        post = render_post(plain, member)
    assert post.count("질문 :") == size  # the bound means something only if all is there


def test_render_post_of_a_prefetched_day_runs_no_query(day, django_assert_num_queries):
    fill(day, n=5)
    _admin, member = members(day)
    prefetched = Day.objects.for_record().get(pk=day.pk)
    with django_assert_num_queries(0):
        render_post(prefetched, member)


@pytest.mark.parametrize("days", [1, 12])
def test_posts_zip_runs_a_fixed_number_of_queries(day, days, django_assert_max_num_queries):
    _admin, member = members(day)
    for i in range(1, days):
        extra = DayFactory(team=day.team, date=day.date + datetime.timedelta(days=i))
        AttendanceFactory(day=extra, member=member)
        fill(extra, n=2)
    with django_assert_max_num_queries(ZIP_QUERIES):
        names = zipfile.ZipFile(io.BytesIO(posts_zip(day.team, member))).namelist()
    assert len([name for name in names if "_day" in name]) == days
    assert len([name for name in names if "_week" in name]) == len(
        {(day.date + datetime.timedelta(days=i)).isocalendar()[:2] for i in range(days)}
    )


def test_a_day_before_1980_still_zips(team, team_member):
    # A zip entry's time cannot go before 1980: the entry is stamped 1980-01-01 instead.
    member = team_member.memberships.get()
    day = DayFactory(team=team, date=datetime.date(1975, 3, 3), number=1)
    AttendanceFactory(day=day, member=member)
    with zipfile.ZipFile(io.BytesIO(posts_zip(team, member))) as archive:
        (entry,) = [e for e in archive.infolist() if "_day" in e.filename]
    assert entry.filename.startswith("_posts/1975-03-03-")
    assert entry.date_time[:3] == (1980, 1, 1)
