"""How fast search answers on a big team, against counting the team's days.

Run from the repository, on PostgreSQL (the target is for it; SQLite works too):
`DATABASE_URL=postgres://postgres@127.0.0.1:5432/test DEBUG=1 .venv/bin/python bench/search.py`
with `--days N` (default 10,000) and `--post-days M` (default 1,000). The database must
be migrated. It makes a scratch team with N days × 30 items (24 questions with
answers, 3 suggestions, 2 reviews, 1 section); the newest M of them also hold what
real posts hold: each of four members writes one to several KB of mixed Korean and
English prose, lists, code and links (their 학습 내용 notes and 회고). It builds the
search documents (printing the indexing cost per day, and against the indexer without
the Korean analyzer on the same days), lets PostgreSQL vacuum and analyze them (as
autovacuum would), and runs 300 searches of mixed Korean and English words, common
and rare, one to three words, words with particles and endings, `#tags`, some with a
filter and some with a filter alone, through sessions.search.search. It prints
p50/p95 per kind of query and overall, and their ratio against as many
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

from sessions import korean  # noqa: E402
from sessions.models import (  # noqa: E402
    AssignmentReview,
    Day,
    FreeSection,
    MemberLog,
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

# (label, query, filters): what people type, from very common to absent. "{member}" and
# "{writer}" filters stand for the questions' asker and one of the posts' writers.
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
    ("noun + particle", "기울기가", None),
    ("noun + other particle", "채널을", None),
    ("verb, other ending", "보였다", None),
    ("particle + english", "손실을 pytorch", None),
    ("#tag", "#TTA", None),
    ("#tag + word", "#TTA 기울기를", None),
    ("filter alone: member", "", "writer"),
    ("filter alone: tag", "", Filters(tag="#TTA")),
    ("filter alone: kind", "", Filters(kind="section")),
    ("filter alone: dates", "", Filters(date_from=datetime.date(2020, 1, 1))),
]
TTA_EVERY = 37  # one day in this many is tagged TTA


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


# What members' posts are made of: a made-up study log's words. Nouns take particles,
# stems take endings, and English terms, code and links sit among them.
NOUNS = [
    "기울기", "채널", "손실", "모델", "데이터", "배치", "학습률", "과제", "강의", "논문",
    "가중치", "파라미터", "텐서", "그래프", "정확도", "레이어", "옵티마이저", "피어세션",
    "멘토님", "코드", "함수", "행렬", "벡터", "미분", "확률", "분포", "샘플", "토큰",
]  # fmt: skip
NOUN_PARTICLES = [
    "가",
    "이",
    "를",
    "을",
    "는",
    "은",
    "의",
    "에",
    "에서",
    "로",
    "으로",
    "와",
    "도",
    "",
]
VERBS = [  # (stem as typed, endings): the surface changes with the ending
    ("보", ["였다", "이는", "여서", "인다"]),
    ("들", ["었다", "으니", "어서"]),
    ("만들", ["었다", "고", "어서", "면"]),
    ("정리", ["했다", "하고", "해서", "할"]),
    ("구현", ["했다", "하는", "해 보았다"]),
    ("이해", ["했다", "가 안 됐다", "하기 어려웠다"]),
    ("줄", ["었다", "어들었다", "지 않았다"]),
    ("써", ["서", "봤다"]),
]
ENGLISH_TERMS = [
    "PyTorch", "backpropagation", "softmax", "ReLU", "CNN", "RNN", "LSTM", "Transformer",
    "attention", "batch norm", "learning rate", "overfitting", "gradient", "loss", "Adam",
]  # fmt: skip
CODE_LINES = [
    "x = torch.randn(4, 3, 32, 32)",
    "loss = criterion(model(x), y)",
    "loss.backward()",
    "optimizer.step()",
    "grad = np.gradient(f, dx)",
    "out = F.softmax(logits, dim=-1)",
    "print(model.conv1.weight.shape)",
]


def prose(rng: random.Random, words: int) -> str:
    """A paragraph of Korean study-log prose with English terms, inline code and
    emphasis, ending each sentence with a verb."""
    out = []
    for n in range(words):
        roll = rng.random()
        if roll < 0.45:
            out.append(rng.choice(NOUNS) + rng.choice(NOUN_PARTICLES))
        elif roll < 0.60:
            out.append(rng.choice(ENGLISH_TERMS))
        elif roll < 0.63:
            out.append(f"`{rng.choice(CODE_LINES).split('(')[0]}`")
        elif roll < 0.66:
            out.append(f"**{rng.choice(NOUNS)}**{rng.choice(NOUN_PARTICLES)}")
        else:
            stem, endings = rng.choice(VERBS)
            word = stem + rng.choice(endings)
            out.append(word + ("." if n % 9 == 8 else ""))
    return " ".join(out)


def post(rng: random.Random, member: int) -> tuple[str, str]:
    """One member's notes and retrospective for a day: one to several KB."""
    notes = [prose(rng, rng.randint(15, 40))]
    for _ in range(rng.randint(1, 4)):
        notes.append(f"- {prose(rng, rng.randint(5, 14))}")
    if rng.random() < 0.5:
        notes.append("```python\n" + "\n".join(rng.sample(CODE_LINES, 3)) + "\n```")
    notes.append(
        f"[{rng.choice(NOUNS)} 정리](https://blog.example.com/m{member}/{rng.randint(1, 999)})"
    )
    retro = []
    for _ in range(rng.randint(2, 7)):
        if rng.random() < 0.3:
            retro.append(f"### {rng.choice(NOUNS)} {rng.choice(ENGLISH_TERMS)}")
        retro.append(prose(rng, rng.randint(25, 70)))
        if rng.random() < 0.3:
            retro.extend(f"{i}. {prose(rng, rng.randint(4, 10))}" for i in range(1, 4))
    return "\n\n".join(notes), "\n\n".join(retro)


def fill(team: Team, days: int, post_days: int, rng: random.Random) -> tuple[Membership, list]:
    member = Membership.objects.create(team=team, display_name="벤치")
    writers = [
        Membership.objects.create(team=team, display_name=f"작성자{n}", rotation_order=n)
        for n in range(4)
    ]
    vocab = vocabulary(rng, 3000)
    start = datetime.date(2000, 1, 3)
    day_rows = Day.objects.bulk_create(
        Day(
            team=team,
            date=start + datetime.timedelta(days=i),
            number=i + 1,
            title=sentence(rng, vocab, 3),
            tags="딥러닝, TTA" if i % TTA_EVERY == 0 else "딥러닝",
            moderator=writers[i % len(writers)] if i >= days - post_days else None,
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
    logs = []
    for day in day_rows[days - post_days :]:
        for n, writer in enumerate(writers):
            notes, retro = post(rng, n)
            logs.append(MemberLog(day=day, member=writer, study_notes=notes, retrospective=retro))
    MemberLog.objects.bulk_create(logs, batch_size=2000)
    text = sum(len(log.study_notes) + len(log.retrospective) for log in logs)
    if logs:
        print(
            f"posts: {len(logs)} by {len(writers)} members, {text / len(logs) / 1024:.1f} KB each"
        )
    return member, writers, day_rows


def index(day_rows, post_days: int) -> None:
    """Build the search documents (bulk_create sends no signals), timing the plain days
    and the days with posts apart; then, on a sample of the post days, the indexer as
    it was before the analyzer (no stems) against it, in this same process."""
    plain_days = [d.pk for d in day_rows[: len(day_rows) - post_days]]
    post_ids = [d.pk for d in day_rows[len(day_rows) - post_days :]]
    for label, ids in (("plain days", plain_days), ("days with posts", post_ids)):
        if not ids:
            continue
        t = time.perf_counter()
        reindex_days(ids)
        elapsed = time.perf_counter() - t
        print(f"indexed {len(ids):6} {label:16} {elapsed * 1000 / len(ids):7.2f} ms/day (cold)")
    sample = post_ids[-200:] or plain_days[-200:]
    stems = korean.stems
    timings = {}
    for label in ("without analyzer", "with analyzer", "without analyzer", "with analyzer"):
        korean.stems = stems if label == "with analyzer" else (lambda text: [])
        t = time.perf_counter()
        reindex_days(sample)
        timings[label] = (time.perf_counter() - t) * 1000 / len(sample)  # the second run
    korean.stems = stems
    reindex_days(sample)
    old, new = timings["without analyzer"], timings["with analyzer"]
    print(
        f"indexing {len(sample)} {'post ' if post_ids else ''}days again: "
        f"{old:.2f} ms/day without the analyzer, {new:.2f} ms/day with it (warm), "
        f"{new / old:.2f}×"
    )


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
        for model in (Question, Suggestion, AssignmentReview, FreeSection, MemberLog):
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
    parser.add_argument("--post-days", type=int, default=1_000)
    args = parser.parse_args()
    args.post_days = min(args.post_days, args.days)
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        sys.exit("The database has unapplied migrations: run manage.py migrate first.")
    rng = random.Random(5)
    team = Team.objects.create(name="벤치팀", slug=f"bench-{uuid.uuid4().hex[:8]}")
    try:
        t = time.perf_counter()
        with transaction.atomic():
            member, writers, day_rows = fill(team, args.days, args.post_days, rng)
        made = time.perf_counter() - t
        print(f"{connection.vendor}: {args.days} days × 30 items made in {made:.1f}s")
        t = time.perf_counter()
        korean.parts("기울기")  # the analyzer loads once per process
        print(f"analyzer loaded in {time.perf_counter() - t:.2f}s")
        index(day_rows, args.post_days)
        settle()
        run(team, member, writers[1])
    finally:
        remove(team)


def run(team: Team, member: Membership, writer: Membership) -> None:
    rare = vocabulary(random.Random(5), 3000)[1234]  # in the text, but seldom
    by_label: dict[str, list[float]] = defaultdict(list)
    searches: list[float] = []
    counts: list[float] = []
    hits: dict[str, int] = {}
    search(team, member, "초기화")  # warm the connection and caches once
    for i in range(SEARCHES):
        label, query, filters = QUERIES[i % len(QUERIES)]
        query = query.format(rare=rare)
        if filters == "writer":
            filters = Filters(member=writer)
        sort = RELEVANCE if i % 5 == 4 and filters is None else "newest"
        t = time.perf_counter()
        result = search(team, member, query, filters=filters, sort=sort)
        len(result.days)
        elapsed = (time.perf_counter() - t) * 1000
        searches.append(elapsed)
        by_label[f"{label} ({query})"].append(elapsed)
        hits[f"{label} ({query})"] = result.count
        t = time.perf_counter()
        Day.objects.filter(team=team).count()
        counts.append((time.perf_counter() - t) * 1000)

    for label, times in by_label.items():
        found = f"{hits[label]:>3} days"
        print(f"  {label:40} {found}  p50 {p(times, 50):7.1f} ms   max {max(times):7.1f} ms")
    s50, s95, c50, c95 = p(searches, 50), p(searches, 95), p(counts, 50), p(counts, 95)
    print(f"search  p50 {s50:8.1f} ms   p95 {s95:8.1f} ms   ({SEARCHES} searches)")
    print(f"count   p50 {c50:8.1f} ms   p95 {c95:8.1f} ms   (baseline, same server)")
    print(f"ratio   p50 {s50 / c50:8.1f}×    p95 {s95 / c95:8.1f}×")


if __name__ == "__main__":
    main()
