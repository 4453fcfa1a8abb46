"""How fast 100 blog posts import into a fresh team, against parsing them and re-importing them.

Run from the repository: `DEBUG=1 .venv/bin/python bench/import_posts.py`. It uses the
configured database (DATABASE_URL, else db.sqlite3), which must be migrated; it makes a
scratch team, imports 100 generated posts in FORMAT.md's shape (one transaction each,
as the upload page does), and deletes the team again. Nothing goes over the network.

Baselines, measured in the same process on the same posts:
- parsing only (sessions.jekyll.parse, no database), what the import cannot beat;
- importing them again, where every post is found in the register and skipped.
It also exports the member's posts again (one zip, as the download does) and checks
that every file comes back under its own name, byte for byte.
"""

import datetime
import io
import random
import sys
import time
import uuid
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from django.db import connection  # noqa: E402

from bench._django import require_migrated  # noqa: E402  (sets Django up)
from sessions.jekyll.catalogue import posts_zip  # noqa: E402
from sessions.jekyll.importer import FAILED, IMPORTED, UNCHANGED, import_sources  # noqa: E402
from sessions.jekyll.parse import parse_post  # noqa: E402
from sessions.jekyll.sources import Source  # noqa: E402
from sessions.models import Team  # noqa: E402

POSTS = 100
AUTHOR = "한지우"
PEOPLE = [AUTHOR, "류다온", "문서윤", "배하람", "송이든", "오가온"]
TOPICS = ["그래프", "동적 계획법", "정렬", "해시", "트리", "힙", "이분 탐색", "문자열"]
COLORS = ["red", "blue", "green", "orange", "grey"]


def session_dates(count: int) -> list[datetime.date]:
    """Weekdays from the first Monday of 2023 on: one post per session day."""
    dates, day = [], datetime.date(2023, 1, 2)
    while len(dates) < count:
        if day.weekday() < 5:
            dates.append(day)
        day += datetime.timedelta(days=1)
    return dates


def make_post(rng: random.Random, number: int, date: datetime.date) -> str:
    topic, other = rng.sample(TOPICS, 2)
    moderator = PEOPLE[number % len(PEOPLE)]
    present = [p for p in PEOPLE if p == AUTHOR or rng.random() > 0.2]
    asker, answerer = rng.sample(present, 2) if len(present) > 1 else (AUTHOR, AUTHOR)
    badges = " ".join(
        f'<a href="https://example.com/{number}/{n}"><img src="https://img.shields.io/badge/'
        f'-{t} {n}강-{rng.choice(COLORS)}"/></a>'
        for n, t in enumerate((topic, other), start=1)
    )
    questions = "\n\n".join(
        f"{n}. 질문 : {topic} 문제에서 {n}번째로 헷갈린 부분은 무엇인가요?({asker})\n\n"
        f"    답 : {other}와 비교해 보면 시간 복잡도가 달라집니다.({answerer})"
        + ("\n\n    추가 확인 필요" if n == 2 else "")
        + (" -추가 확인 필요함" if n == 3 else "")
        for n in range(1, 4)
    )
    return f"""---
title: "[boostcourse] Day{number} 학습기록_벤치팀"
excerpt: "about : {topic}, {other}"
toc: true
categories:
  - boostcourse
tags:
  - [{topic}, {other}]
date: {date.isoformat()}
last_modified_at: {date.isoformat()}
---
<br>

## 학습 내용

{badges}

{topic} 선택 과제 추가 공부

<br>

## 피어세션 👨‍👨‍👦‍👦 👨‍👨‍👦

모더레이터 : {moderator}

참가자 : {", ".join(present)}

<br>

### 건의사항

- {topic} 문제를 하루에 한 개씩 같이 풀어 보면 어떨까요?

    논의 item

    1. 풀이 시간을 30분으로 정하기
    2. 풀이는 돌아가며 설명하기

    → 다음 주부터 해 보기로 함

<br>

### 과제 리뷰

- 선택과제 {number % 5 + 1}번 {other} 구현 ({moderator})

    핵심 함수의 경계 조건을 함께 확인했다.

<br>

### 질문내용

{questions}

<br>

## 회고록

오늘은 {topic}을 {other}와 비교하며 정리했다.
내일은 오늘 놓친 부분을 다시 풀어 볼 계획이다.
"""


def timed(work) -> tuple[float, object]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def main() -> None:
    require_migrated()
    rng = random.Random(4)  # the same posts on every run
    sources = [
        Source(f"{date.isoformat()}-BoostCourse_day{n}.md", make_post(rng, n, date).encode())
        for n, date in enumerate(session_dates(POSTS), start=1)
    ]

    parse_s, _ = timed(lambda: [parse_post(s.data.decode()) for s in sources])

    team = Team.objects.create(name="벤치팀", slug=f"bench-{uuid.uuid4().hex[:10]}")
    try:
        import_s, report = timed(lambda: import_sources(team, sources, member_name=AUTHOR))
        again_s, again = timed(lambda: import_sources(team, sources, member_name=AUTHOR))
        author = team.memberships.get(display_name=AUTHOR)
        export_s, content = timed(lambda: posts_zip(team, author))
    finally:
        team.delete()  # days, items, logs, members and the register go with it

    if report.count(IMPORTED) != POSTS or again.count(UNCHANGED) != POSTS:
        failed = [f"{r.name}: {r.reason}" for r in report.results if r.status == FAILED]
        sys.exit(f"Not every post imported as expected: {failed[:3]}")

    rows = [
        (f"import {POSTS} posts", import_s),
        ("parse only", parse_s),
        ("import again (no-op)", again_s),
        (f"export {POSTS} posts", export_s),
    ]
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
    for label, seconds in rows:
        print(f"{label:<22}{seconds:8.3f} s {POSTS / seconds:9.1f} posts/s")
    print(f"{'import / parse only':<22}{import_s / parse_s:8.1f}x")
    print(f"{'import / no-op import':<22}{import_s / again_s:8.1f}x")
    archive = zipfile.ZipFile(io.BytesIO(content))
    exported = {name.removeprefix("_posts/"): archive.read(name) for name in archive.namelist()}
    if exported != {source.name: source.data for source in sources}:
        sys.exit("The export does not give every post back as it was imported.")
    print(f"every post exported under its own name, byte for byte: {len(exported)} files")


if __name__ == "__main__":
    main()
