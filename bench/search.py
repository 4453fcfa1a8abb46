"""How fast search answers on a big team, against counting the team's days.

Run from the repository, on PostgreSQL (the target is for it; SQLite works too):
`DATABASE_URL=postgres://postgres@127.0.0.1:5432/test DEBUG=1 .venv/bin/python bench/search.py`
with `--days N` (default 10,000). The database must be migrated. It makes a scratch
team with N days × 30 items (24 questions with answers, 3 suggestions, 2 reviews, 1
section), builds the search documents, lets PostgreSQL vacuum and analyze them (as
autovacuum would), and runs 300 searches of mixed Korean and English words, common and
rare, one to three words, some with a filter, through sessions.search.search. It
prints p50/p95 per kind of query and overall, and their ratio against as many
`Day.objects.filter(team=...).count()` calls on the same server; then it deletes the
scratch team's rows again, also when interrupted.
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studylog.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.migrations.executor import MigrationExecutor  # noqa: E402

from sessions.models import (  # noqa: E402
    AssignmentReview,
    Day,
    FreeSection,
    Membership,
    Question,
    SearchDoc,
    Suggestion,
    Team,
)
from sessions.search import RELEVANCE, Filters, search  # noqa: E402
from sessions.search_index import reindex_days  # noqa: E402

SEARCHES = 300
QUESTIONS, SUGGESTIONS, REVIEWS = 24, 3, 2  # and a section: 30 items a day
SYLLABLES = "가나다라마바사아자차카타파하거너더러머버서어저처커터퍼허고노도로모보소오조초"
TOPICS = ["초기화", "정규화", "드롭아웃", "그래프", "해시", "트리", "배치", "역전파", "옵티마이저"]
ENGLISH = ["Xavier", "Adam", "ReLU", "softmax", "PyTorch", "tensor", "dropout", "CUDA", "BFS"]
PARTICLES = ["를", "는", "가", "와", "의", "에서", ""]

# (label, query, filters): what people type, from very common to absent.
QUERIES = [
    ("common word", "초기화", None),
    ("with particle", "역전파를", None),
    ("english, any case", "xavier", None),
    ("two syllables", "트리", None),
    ("one syllable", "값", None),
    ("two words", "정규화 adam", None),
    ("three words", "그래프 탐색 bfs", None),
    ("rare word", "{rare}", None),
    ("absent word", "없는단어", None),
    ("kind filter", "해시", Filters(kind="question")),
    ("follow-ups only", "배치", Filters(follow_up=True)),
    ("date range", "softmax", Filters(date_from=datetime.date(2010, 1, 1))),
]


def vocabulary(rng: random.Random, n: int) -> list[str]:
    """n made-up Korean words of two to four syllables: the long tail of a team's text."""
    return ["".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))) for _ in range(n)]


def sentence(rng: random.Random, vocab: list[str], words: int) -> str:
    parts = []
    for _ in range(words):
        roll = rng.random()
        if roll < 0.08:
            parts.append(rng.choice(TOPICS) + rng.choice(PARTICLES))
        elif roll < 0.12:
            parts.append(rng.choice(ENGLISH))
        else:
            parts.append(rng.choice(vocab) + rng.choice(PARTICLES))
    return " ".join(parts)


def fill(team: Team, days: int, rng: random.Random) -> Membership:
    member = Membership.objects.create(team=team, display_name="벤치")
    vocab = vocabulary(rng, 3000)
    start = datetime.date(2000, 1, 3)
    day_rows = Day.objects.bulk_create(
        Day(
            team=team,
            date=start + datetime.timedelta(days=i),
            number=i + 1,
            title=sentence(rng, vocab, 3),
            tags="딥러닝",
        )
        for i in range(days)
    )
    questions, others = [], []
    for day in day_rows:
        for j in range(QUESTIONS):
            questions.append(
                Question(
                    day=day,
                    position=j,
                    asked_by=member,
                    question=sentence(rng, vocab, 12) + "?",
                    answer=sentence(rng, vocab, 25),
                    needs_follow_up=rng.random() < 0.05,
                )
            )
        for j in range(SUGGESTIONS):
            others.append(Suggestion(day=day, position=j, proposal=sentence(rng, vocab, 10)))
        for j in range(REVIEWS):
            others.append(
                AssignmentReview(
                    day=day, position=j, assignment=f"과제 {j}", notes=sentence(rng, vocab, 15)
                )
            )
        others.append(FreeSection(day=day, heading="토의 내용", body=sentence(rng, vocab, 40)))
        if len(questions) >= 20000:
            Question.objects.bulk_create(questions)
            questions = []
    Question.objects.bulk_create(questions)
    for model in (Suggestion, AssignmentReview, FreeSection):
        model.objects.bulk_create([o for o in others if type(o) is model], batch_size=5000)
    reindex_days(day.pk for day in day_rows)  # bulk_create sends no signals
    return member


def settle() -> None:
    """Merge the indexes' pending entries and refresh statistics, as autovacuum would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"VACUUM ANALYZE {SearchDoc._meta.db_table}")
        cursor.execute("ANALYZE")


def remove(team: Team) -> None:
    """Delete the scratch team's rows directly: the ORM would load each one to delete it."""
    days = f"SELECT id FROM {Day._meta.db_table} WHERE team_id = %s"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {SearchDoc._meta.db_table} WHERE team_id = %s", [team.pk])
        for model in (Question, Suggestion, AssignmentReview, FreeSection):
            cursor.execute(
                f"DELETE FROM {model._meta.db_table} WHERE day_id IN ({days})", [team.pk]
            )
        for model in (Day, Membership):
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE team_id = %s", [team.pk])
        cursor.execute(f"DELETE FROM {Team._meta.db_table} WHERE id = %s", [team.pk])


def p(times: list[float], q: int) -> float:
    if len(times) < 2:
        return times[0]
    return statistics.quantiles(times, n=100, method="inclusive")[q - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=10_000)
    args = parser.parse_args()
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        sys.exit("The database has unapplied migrations: run manage.py migrate first.")
    rng = random.Random(5)
    team = Team.objects.create(name="벤치팀", slug=f"bench-{uuid.uuid4().hex[:8]}")
    try:
        t = time.perf_counter()
        with transaction.atomic():
            member = fill(team, args.days, rng)
        settle()
        print(
            f"{connection.vendor}: {args.days} days × 30 items made and indexed "
            f"in {time.perf_counter() - t:.1f}s"
        )
        run(team, member)
    finally:
        remove(team)


def run(team: Team, member: Membership) -> None:
    rare = vocabulary(random.Random(5), 3000)[1234]  # in the text, but seldom
    by_label: dict[str, list[float]] = defaultdict(list)
    searches: list[float] = []
    counts: list[float] = []
    search(team, member, "초기화")  # warm the connection and caches once
    for i in range(SEARCHES):
        label, query, filters = QUERIES[i % len(QUERIES)]
        query = query.format(rare=rare)
        sort = RELEVANCE if i % 5 == 4 and filters is None else "newest"
        t = time.perf_counter()
        result = search(team, member, query, filters=filters, sort=sort)
        len(result.days)
        elapsed = (time.perf_counter() - t) * 1000
        searches.append(elapsed)
        by_label[f"{label} ({query})"].append(elapsed)
        t = time.perf_counter()
        Day.objects.filter(team=team).count()
        counts.append((time.perf_counter() - t) * 1000)

    for label, times in by_label.items():
        print(f"  {label:34} p50 {p(times, 50):7.1f} ms   max {max(times):7.1f} ms")
    s50, s95, c50, c95 = p(searches, 50), p(searches, 95), p(counts, 50), p(counts, 95)
    print(f"search  p50 {s50:8.1f} ms   p95 {s95:8.1f} ms   ({SEARCHES} searches)")
    print(f"count   p50 {c50:8.1f} ms   p95 {c95:8.1f} ms   (baseline, same server)")
    print(f"ratio   p50 {s50 / c50:8.1f}×    p95 {s95 / c95:8.1f}×")


if __name__ == "__main__":
    main()
