"""Reading a day over the HTTP API against the API's floor: the authenticated no-op.

Run from the repository: `.venv/bin/python bench/api.py` (about 2 minutes; `--days N`,
`--seconds S` per measurement, `--rounds R`, `--wsgi` for gunicorn's sync workers). It
needs PostgreSQL and Redis on 127.0.0.1 and Debian's `wrk`.

It makes its own PostgreSQL database (studylog_api, dropped and made again) holding one
team of 7 members with N days (default 300), each day 5 suggestions, 3 reviews, 30
questions with answers and attendance, and a read-write token of one member. It starts
the production server as `make serve` does (gunicorn with 2 uvicorn workers, ASGI,
DEBUG off, Redis database 14 of its own, flushed) and measures with wrk, in one run
against the same server:

    z  GET /api/v1/ping: the token checked, a constant answer
    a  GET /api/v1/teams/<team>/days/<date>: a day with its 38 items, rotating over 50 days

as requests per second, each (a) right after a (z) of its own, over rounds that take
turns; the ratio a/z is the median over the rounds. Goal (issue 19): at least 0.8.
It exits 1 when the goal is missed. Everything talks only to 127.0.0.1.
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import _server  # noqa: E402

DATABASE = "studylog_api"
REDIS_URL = "redis://127.0.0.1:6379/14"
STATIC_ROOT = Path(tempfile.gettempdir()) / f"studylog-api-static-{os.getpid()}"
SERVER_ENV = _server.production_env(
    DATABASE,
    STATIC_ROOT,
    CONN_MAX_AGE="60",
    REDIS_URL=REDIS_URL,
    LOG_LEVEL="WARNING",
    API_RATE="100000000/min",  # the rate limit is not what is measured
)
for _name in ("DEBUG", "PAGE_CACHE", "CACHE_KEY_PREFIX"):
    os.environ.pop(_name, None)
os.environ.update(SERVER_ENV)

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from sessions.models import (  # noqa: E402
    ApiToken,
    AssignmentReview,
    Attendance,
    Day,
    Membership,
    Question,
    Suggestion,
    Team,
)

MEMBERS, SUGGESTIONS, REVIEWS, QUESTIONS = 7, 5, 3, 30
FIRST_DATE = datetime.date(2020, 1, 6)
ROTATION = 50
GOAL = 0.8


def build(days: int) -> tuple[str, list[str]]:
    """The team and a token of one member: the token, and the days' paths."""
    rng = random.Random(19)
    User = get_user_model()
    users = User.objects.bulk_create(User(username=f"api{i}") for i in range(MEMBERS))
    team = Team.objects.create(name="API 벤치", slug="api-bench", course="boostcourse")
    members = Membership.objects.bulk_create(
        Membership(team=team, user=user, display_name=f"멤버{i + 1}", rotation_order=i)
        for i, user in enumerate(users)
    )
    day_rows = Day.objects.bulk_create(
        Day(team=team, date=FIRST_DATE + datetime.timedelta(days=n), number=n + 1,
            moderator=members[n % MEMBERS], tags="역전파,정규화")
        for n in range(days)
    )  # fmt: skip
    words = ["역전파", "정규화", "드롭아웃", "Adam", "softmax"]
    Suggestion.objects.bulk_create(
        Suggestion(day=d, position=p, proposal=f"{rng.choice(words)} 건의", discussion="논의")
        for d in day_rows
        for p in range(1, SUGGESTIONS + 1)
    )
    Question.objects.bulk_create(
        Question(day=d, position=p, question=f"{rng.choice(words)}는 왜 필요한가요?",
                 asked_by=members[p % MEMBERS], answer="학습이 안정되기 때문이다.",
                 answered_by=members[(p + 1) % MEMBERS])
        for d in day_rows
        for p in range(1, QUESTIONS + 1)
    )  # fmt: skip
    reviews = AssignmentReview.objects.bulk_create(
        AssignmentReview(day=d, position=p, assignment=f"과제 {p}", notes="배경 & 흐름")
        for d in day_rows
        for p in range(1, REVIEWS + 1)
    )
    through = AssignmentReview.presenters.through
    through.objects.bulk_create(
        through(assignmentreview_id=r.pk, membership_id=members[r.position].pk) for r in reviews
    )
    Attendance.objects.bulk_create(Attendance(day=d, member=m) for d in day_rows for m in members)
    secret = ApiToken(user=users[1], name="bench", scope=ApiToken.Scope.READ).issue()
    picked = rng.sample(day_rows, min(ROTATION, len(day_rows)))
    return secret, [f"/api/v1/teams/{team.slug}/days/{d.date.isoformat()}" for d in picked]


def wrk(port: int, paths: list[str], token: str, seconds: int) -> float:
    return _server.wrk(port, paths, f"Authorization: Bearer {token}", seconds)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=300)
    parser.add_argument("--seconds", type=int, default=3, help="per wrk measurement")
    parser.add_argument("--rounds", type=int, default=5)
    _server.add_wsgi_flag(parser)
    args = parser.parse_args()

    print(f"database {DATABASE}: making it, {args.days} days", flush=True)
    _server.recreate_database(DATABASE)
    connection.close()
    call_command("migrate", verbosity=0)
    started = time.monotonic()
    token, paths = build(args.days)
    print(f"data built in {time.monotonic() - started:.0f} s", flush=True)
    call_command("collectstatic", interactive=False, verbosity=0)
    cache.clear()  # Redis database 14: the bench's own
    connection.close()

    server = _server.Gunicorn(
        {**os.environ, **SERVER_ENV},
        workers=2,
        log=Path(tempfile.gettempdir()) / "api-bench.log",
        asgi=not args.wsgi,
    )
    print(f"server: gunicorn, 2 {'sync (WSGI)' if args.wsgi else 'uvicorn (ASGI)'} workers")
    floors, reads, ratios = [], [], []
    try:
        server.wait_ready()
        wrk(server.port, paths, token, 2)  # warm-up: connections, caches
        for _round in range(args.rounds):
            floor = wrk(server.port, ["/api/v1/ping"], token, args.seconds)
            read = wrk(server.port, paths, token, args.seconds)
            floors.append(floor)
            reads.append(read)
            ratios.append(read / floor)
    finally:
        server.stop()
        connection.close()
        _server.drop_database(DATABASE)

    floor, read, ratio = (statistics.median(v) for v in (floors, reads, ratios))
    print(f"\n(z) /api/v1/ping: {floor:.0f} req/s ({1000 / floor:.2f} ms each)")
    print(f"(a) a day over the API: {read:.0f} req/s ({1000 / read:.2f} ms each)")
    print(f"ratio a/z: {ratio:.2f} (goal {GOAL}); over the rounds, lowest first: "
          + ", ".join(f"{r:.2f}" for r in sorted(ratios)))  # fmt: skip
    if ratio < GOAL:
        print(f"MISSED: a day over the API is {ratio:.2f} of the no-op, goal {GOAL}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
