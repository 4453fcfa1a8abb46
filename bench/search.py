"""How fast search answers on a big team, against counting the team's days.

Run from the repository, on PostgreSQL:
`DATABASE_URL=postgres://… DEBUG=1 .venv/bin/python bench/search.py [--days 10000]`.
It uses the configured database, which must be migrated; it makes a scratch team with
N days × 30 questions (plus a section per day), runs 200 searches of mixed Korean and
English words through sessions.search.search, prints p50/p95 and their ratio against
as many `Day.objects.filter(team=...).count()` calls, and deletes the team again.
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studylog.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.migrations.executor import MigrationExecutor  # noqa: E402

from sessions.models import Day, FreeSection, Membership, Question, Team  # noqa: E402
from sessions.search import RELEVANCE, search  # noqa: E402

SEARCHES = 200
QUESTIONS_PER_DAY = 30
WORDS = ["초기화", "정규화", "드롭아웃", "그래프", "해시", "트리", "배치", "역전파", "옵티마이저"]
ENGLISH = ["Xavier", "Adam", "ReLU", "softmax", "PyTorch", "tensor", "dropout", "CUDA"]
QUERIES = [
    "초기화",
    "xavier",
    "정규화 adam",
    "그래프",
    "트리 탐색",
    "softmax",
    "역전파를",
    "해시",
    "CUDA 메모리",
    "없는단어",
]


def fill(team: Team, days: int, rng: random.Random) -> Membership:
    member = Membership.objects.create(team=team, display_name="벤치")
    start = datetime.date(2000, 1, 3)
    day_rows = Day.objects.bulk_create(
        Day(team=team, date=start + datetime.timedelta(days=i), number=i + 1, tags="딥러닝")
        for i in range(days)
    )
    batch: list[Question] = []
    for day in day_rows:
        for j in range(QUESTIONS_PER_DAY):
            words = rng.sample(WORDS, 2) + rng.sample(ENGLISH, 1)
            batch.append(
                Question(
                    day=day,
                    position=j,
                    asked_by=member,
                    question=f"{words[0]}를 할 때 {words[2]}는 어떻게 쓰나요?",
                    answer=f"{words[1]}와 함께 보면 됩니다. " * 3,
                )
            )
        if len(batch) >= 5000:
            Question.objects.bulk_create(batch)
            batch = []
    Question.objects.bulk_create(batch)
    FreeSection.objects.bulk_create(
        FreeSection(day=day, heading="토의 내용", body=f"{rng.choice(WORDS)} 정리")
        for day in day_rows
    )
    with connection.cursor() as cursor:  # fresh statistics, as autovacuum would give
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
    return member


def timed(fn, n: int) -> list[float]:
    times = []
    for i in range(n):
        t = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - t) * 1000)
    return times


def p(times: list[float], q: int) -> float:
    return statistics.quantiles(times, n=100)[q - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=2000)
    args = parser.parse_args()
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        sys.exit("The database has unapplied migrations: run manage.py migrate first.")
    rng = random.Random(5)
    slug = f"bench-{uuid.uuid4().hex[:8]}"
    team = Team.objects.create(name="벤치팀", slug=slug)
    try:
        t = time.perf_counter()
        member = fill(team, args.days, rng)
        print(
            f"{connection.vendor}: {args.days} days × {QUESTIONS_PER_DAY} questions "
            f"made in {time.perf_counter() - t:.1f}s"
        )

        def one_search(i):
            sort = RELEVANCE if i % 4 == 3 else "newest"
            result = search(team, member, QUERIES[i % len(QUERIES)], sort=sort)
            len(result.days)  # the page's days and hits are already fetched; touch them

        def one_count(i):
            Day.objects.filter(team=team).count()

        one_search(0)  # warm the connection and caches once, for both
        searches = timed(one_search, SEARCHES)
        counts = timed(one_count, SEARCHES)
        s50, s95, c50, c95 = p(searches, 50), p(searches, 95), p(counts, 50), p(counts, 95)
        print(f"search  p50 {s50:8.1f} ms   p95 {s95:8.1f} ms   ({SEARCHES} searches)")
        print(f"count   p50 {c50:8.1f} ms   p95 {c95:8.1f} ms   (baseline)")
        print(f"ratio   p50 {s50 / c50:8.1f}×    p95 {s95 / c95:8.1f}×")
    finally:
        team.delete()


if __name__ == "__main__":
    main()
