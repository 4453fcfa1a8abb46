"""How close the pages a team opens all day come to the framework's floor, at 10,000 days.

Run from the repository: `.venv/bin/python bench/pages.py` (about 10 minutes; `--days N`
for a smaller team, `--seconds S` per measurement, `--keep-db` to leave the database
behind and `--reuse-db` to measure it again without building it). It needs PostgreSQL
and Redis on 127.0.0.1 and Debian's `wrk`.

It makes its own PostgreSQL database (studylog_pages, dropped and made again) and
fills two teams of 7 members: "big" with N days (default 10,000) and "small" with 100,
each day holding 5 suggestions, 3 reviews, 30 questions with answers, and 7 members'
logs with study links and attendance. It starts the production server as `make serve`
does (gunicorn with 2 uvicorn workers, ASGI, DEBUG off; `--wsgi` for gunicorn's sync
workers instead) with REDIS_URL on a Redis database of its own (index 15, flushed),
logs in over HTTP, and measures with wrk, in one run and against the same server:

    z  /ping: logged in, same middleware and session, a constant answer
    a  a day's record           b  the archive          c  a member's record
    e  a day's editor           f  the editor's update channel (state/, what it polls)

as requests per second (wrk rotates over 50 days of each team, after one warm-up
pass), each page right after a /ping of its own; the ratios a/z, b/z and c/z, each
page against its own /ping; the time per request for each page on the big and on the
small team, and their growth (the small team's ratio over the big team's); all the
medians of 5 rounds that take turns. Then (g), the first view of a day's record after
an edit: one client edits an answer of the day through the editor's form and reads the
record at once, 40 times a round, and the time of that read is set against a /ping
read right after an edit the same way (the ratio is /ping's time over the read's).
Then search's p50/p95 over 200 sequential searches.
It exits 1 when a goal of issue 7 is missed. Everything talks only to 127.0.0.1.
"""

import argparse
import datetime
import http.client
import os
import random
import re
import statistics
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import _server  # noqa: E402

DATABASE = "studylog_pages"
REDIS_URL = "redis://127.0.0.1:6379/15"
STATIC_ROOT = Path(tempfile.gettempdir()) / f"studylog-pages-static-{os.getpid()}"
SERVER_ENV = _server.production_env(
    DATABASE, STATIC_ROOT, CONN_MAX_AGE="60", REDIS_URL=REDIS_URL, LOG_LEVEL="WARNING"
)
for _name in ("DEBUG", "PAGE_CACHE", "CACHE_KEY_PREFIX"):
    os.environ.pop(_name, None)
os.environ.update(SERVER_ENV)

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from sessions.models import (  # noqa: E402
    AssignmentReview,
    Attendance,
    Day,
    MemberLog,
    Membership,
    Question,
    StudyLink,
    Suggestion,
    Team,
)
from sessions.search_index import reindex_days  # noqa: E402

PASSWORD = "pages-bench-password-1234"
MEMBERS = 7
SUGGESTIONS, REVIEWS, QUESTIONS, LINKS = 5, 3, 30, 3
FIRST_DATE = datetime.date(1998, 1, 5)
ROTATION = 50  # distinct days wrk rotates over
SEARCHES = 200
WORDS = ["역전파", "정규화", "초기화", "배치", "드롭아웃", "옵티마이저", "Adam", "softmax", "텐서"]
GOALS = {"a": 0.8, "b": 0.6, "c": 0.6, "e": 0.8, "f": 0.8, "g": 0.5}
EDITS = 40  # per round, for (g)
SEARCH_P95_MS = 50
GROWTH = 1.5

SENTENCES = [
    "{w}를 적용했을 때 검증 손실이 줄어드는 이유가 궁금합니다.",
    "{w}에서 학습률을 바꾸면 어떤 차이가 있나요?",
    "강의에서 본 {w} 예제를 직접 구현해 보니 결과가 달랐습니다.",
    "{w}의 수식 유도 과정을 다시 정리해 보았습니다.",
]


def text(rng: random.Random, n: int = 1) -> str:
    return " ".join(rng.choice(SENTENCES).format(w=rng.choice(WORDS)) for _ in range(n))


# --- the data ---------------------------------------------------------------------------


def build_team(slug: str, days: int, users: list, rng: random.Random) -> Team:
    team = Team.objects.create(name=f"벤치 {slug}", slug=slug, course="boostcourse")
    members = Membership.objects.bulk_create(
        Membership(team=team, user=user, display_name=f"멤버{i + 1}", rotation_order=i)
        for i, user in enumerate(users)
    )
    started = time.monotonic()
    for start in range(0, days, 250):
        chunk = range(start, min(days, start + 250))
        day_rows = Day.objects.bulk_create(
            Day(
                team=team,
                date=FIRST_DATE + datetime.timedelta(days=n),
                number=n + 1,
                moderator=members[n % MEMBERS],
                tags="역전파,정규화",
            )
            for n in chunk
        )
        items, reviews, logs = [], [], []
        for day in day_rows:
            items += [
                Suggestion(day=day, position=p, proposal=text(rng), discussion=text(rng, 2))
                for p in range(1, SUGGESTIONS + 1)
            ]
            items += [
                Question(
                    day=day,
                    position=p,
                    question=text(rng),
                    asked_by=members[p % MEMBERS],
                    answer=text(rng, 2),
                    answered_by=members[(p + 1) % MEMBERS],
                    links="https://pytorch.org/docs/stable/index.html",
                )
                for p in range(1, QUESTIONS + 1)
            ]
            reviews += [
                AssignmentReview(day=day, position=p, assignment=f"과제 {p}", notes=text(rng))
                for p in range(1, REVIEWS + 1)
            ]
            logs += [MemberLog(day=day, member=m, retrospective=text(rng, 3)) for m in members]
        Suggestion.objects.bulk_create([i for i in items if isinstance(i, Suggestion)])
        Question.objects.bulk_create([i for i in items if isinstance(i, Question)])
        AssignmentReview.objects.bulk_create(reviews)
        through = AssignmentReview.presenters.through
        through.objects.bulk_create(
            through(assignmentreview_id=r.pk, membership_id=members[r.position].pk) for r in reviews
        )
        Attendance.objects.bulk_create(
            Attendance(day=day, member=m) for day in day_rows for m in members
        )
        MemberLog.objects.bulk_create(logs)
        StudyLink.objects.bulk_create(
            StudyLink(log=log, position=p, title=f"강의 {p}", url=f"https://example.com/{p}")
            for log in logs
            for p in range(1, LINKS + 1)
        )
        reindex_days(d.pk for d in day_rows)
        done = chunk.stop
        if done % 2000 == 0 or done == days:
            print(f"  {slug}: {done} days ({time.monotonic() - started:.0f} s)", flush=True)
    return team


def build(days: int) -> tuple[list[str], dict[str, Team]]:
    rng = random.Random(7)
    User = get_user_model()
    password = make_password(PASSWORD)
    users = User.objects.bulk_create(
        User(username=f"pages{i}", password=password) for i in range(MEMBERS)
    )
    teams = {
        "big": build_team("big", days, users, rng),
        "small": build_team("small", 100, users, rng),
    }
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return [u.username for u in users], teams


def reuse(days: int) -> tuple[list[str], dict[str, Team]]:
    """The users and teams of a database an earlier run built and kept."""
    teams = {slug: Team.objects.get(slug=slug) for slug in ("big", "small")}
    found = Day.objects.filter(team=teams["big"]).count()
    if found != days:
        raise SystemExit(f"{DATABASE} holds {found} days, not {days}: run without --reuse-db")
    usernames = [f"pages{i}" for i in range(MEMBERS)]
    return usernames, teams


# --- talking to the server --------------------------------------------------------------


def login(port: int, username: str) -> str:
    """Log in through the form, as a browser does; the Cookie header to send after."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/accounts/login/")
    response = conn.getresponse()
    page = response.read().decode()
    csrf = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie")).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode(
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"csrftoken={csrf}",
        "Referer": f"http://127.0.0.1:{port}/accounts/login/",
    }
    conn.request("POST", "/accounts/login/", body, headers)
    response = conn.getresponse()
    response.read()
    if response.status != 302:
        raise RuntimeError(f"login as {username} answered {response.status}")
    session = re.search(r"sessionid=([^;]+)", response.getheader("Set-Cookie")).group(1)
    conn.close()
    return f"csrftoken={csrf}; sessionid={session}"


def get(conn: http.client.HTTPConnection, path: str, cookie: str) -> tuple[int, bytes]:
    conn.request("GET", path, headers={"Cookie": cookie})
    response = conn.getresponse()
    return response.status, response.read()


def wrk(port: int, paths: list[str], cookie: str, seconds: int) -> float:
    return _server.wrk(port, paths, f"Cookie: {cookie}", seconds)


def warm(port: int, paths: list[str], cookie: str) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for path in paths:
        status, _body = get(conn, path, cookie)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}")
    conn.close()


def search_times(port: int, slug: str, cookie: str, rng: random.Random) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    times = []
    for _ in range(SEARCHES):
        words = " ".join(rng.sample(WORDS, rng.choice([1, 1, 2])))
        path = f"/teams/{slug}/search/?" + urllib.parse.urlencode({"q": words})
        started = time.perf_counter()
        status, _body = get(conn, path, cookie)
        times.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise RuntimeError(f"search answered {status}")
    conn.close()
    return times


def pages(slug: str, team: Team, member_pk: int) -> dict[str, list[str]]:
    dates = list(Day.objects.filter(team=team).order_by("-date").values_list("date", flat=True))
    step = max(1, len(dates) // ROTATION)
    chosen = dates[::step][:ROTATION]
    return {
        "a": [f"/teams/{slug}/days/{d}/" for d in chosen],
        "b": [f"/teams/{slug}/days/"] + [f"/teams/{slug}/days/?page={n}" for n in range(2, 11)],
        "c": [f"/teams/{slug}/days/{d}/{member_pk}/" for d in chosen],
        "e": [f"/teams/{slug}/days/{d}/edit/" for d in chosen],
        "f": [f"/teams/{slug}/days/{d}/state/" for d in chosen],
    }


def edit_answer(conn: http.client.HTTPConnection, cookie: str, question: Question, n: int):
    """Save a new answer through the editor's form, from the question's current version."""
    question.refresh_from_db(fields=["version", "asked_by", "answered_by"])
    body = urllib.parse.urlencode(
        {
            "question": question.question,
            "asked_by": question.asked_by_id or "",
            "answer": f"{question.answer.split(' [')[0]} [편집 {n}]",
            "answered_by": question.answered_by_id or "",
            "links": question.links,
            "version": question.version,
        }
    )
    csrf = re.search(r"csrftoken=([^;]+)", cookie).group(1)
    day = question.day
    path = f"/teams/{day.team.slug}/days/{day.date}/items/question/{question.pk}/edit/"
    headers = {
        "Cookie": cookie,
        "X-CSRFToken": csrf,
        "Content-Type": "application/x-www-form-urlencoded",
    }
    conn.request("POST", path, body, headers)
    response = conn.getresponse()
    response.read()
    if response.status != 200:
        raise RuntimeError(f"editing an answer answered {response.status}")


def after_edits(port: int, cookie: str, question: Question, path: str, start: int) -> float:
    """The median time (ms) of reading `path` right after each of EDITS edits of `question`."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    times = []
    for n in range(start, start + EDITS):
        edit_answer(conn, cookie, question, n)
        started = time.perf_counter()
        status, _body = get(conn, path, cookie)
        times.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}")
    conn.close()
    return statistics.median(times)


# --- the run ----------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=3, help="per wrk measurement")
    # Five short rounds rather than three long ones: as long in all, and one round that
    # the machine slowed in the middle of moves the median less.
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--keep-db", action="store_true", help="leave the database behind")
    parser.add_argument(
        "--reuse-db", action="store_true", help="measure a database an earlier --keep-db left"
    )
    _server.add_wsgi_flag(parser)
    args = parser.parse_args()

    if args.reuse_db and _server.database_answers(DATABASE):
        call_command("migrate", verbosity=0)
        usernames, teams = reuse(args.days)
        print(f"database {DATABASE}: reusing it, {args.days} + 100 days", flush=True)
    else:
        print(f"database {DATABASE}: making it, {args.days} + 100 days", flush=True)
        _server.recreate_database(DATABASE)
        connection.close()
        call_command("migrate", verbosity=0)
        started = time.monotonic()
        usernames, teams = build(args.days)
        print(f"data built in {time.monotonic() - started:.0f} s", flush=True)
    call_command("collectstatic", interactive=False, verbosity=0)
    cache.clear()  # Redis database 15: the bench's own
    member_pk = teams["big"].memberships.order_by("pk").values_list("pk", flat=True)[1]
    small_member = teams["small"].memberships.order_by("pk").values_list("pk", flat=True)[1]
    connection.close()

    server = _server.Gunicorn(
        {**os.environ, **SERVER_ENV},
        workers=2,
        log=Path(tempfile.gettempdir()) / "pages.log",
        asgi=not args.wsgi,
    )
    print(f"server: gunicorn, 2 {'sync (WSGI)' if args.wsgi else 'uvicorn (ASGI)'} workers")
    failed = []
    try:
        server.wait_ready()
        cookie = login(server.port, usernames[1])
        big = pages("big", teams["big"], member_pk)
        small = pages("small", teams["small"], small_member)
        for paths in [*big.values(), *small.values()]:
            warm(server.port, paths, cookie)
        # Each page is measured right after its own /ping, and its ratio is that pair's:
        # this 2-core machine's speed drifts by a third over minutes, which would tilt a
        # ratio between measurements far apart. Rounds take turns; each figure below is
        # the median over the rounds.
        ratios: dict[str, list[float]] = {}
        runs: dict[str, list[float]] = {}
        targets = {**big, **{k + "-small": v for k, v in small.items()}}
        for _round in range(args.rounds):
            for name, paths in targets.items():
                floor = wrk(server.port, ["/ping"], cookie, args.seconds)
                page = wrk(server.port, paths, cookie, args.seconds)
                runs.setdefault("z", []).append(floor)
                runs.setdefault(name, []).append(page)
                ratios.setdefault(name, []).append(page / floor)
        # (g): a day in the middle of the rotation, one of its questions edited again and again.
        question = (
            Question.objects.select_related("day__team")
            .filter(day__team=teams["big"], day__date=big["a"][ROTATION // 2].split("/")[-2])
            .order_by("position")[0]
        )
        edited_ms = {"z": [], "g": []}
        for number in range(args.rounds):
            start = number * 2 * EDITS
            edited_ms["z"].append(after_edits(server.port, cookie, question, "/ping", start))
            record = big["a"][ROTATION // 2]
            edited_ms["g"].append(after_edits(server.port, cookie, question, record, start + EDITS))
            ratios.setdefault("g", []).append(edited_ms["z"][-1] / edited_ms["g"][-1])
        rps = {name: statistics.median(values) for name, values in runs.items()}
        of_z = {name: statistics.median(values) for name, values in ratios.items()}
        rng = random.Random(11)
        searches = search_times(server.port, "big", cookie, rng)
    finally:
        server.stop()
        if not args.keep_db:
            connection.close()
            _server.drop_database(DATABASE)

    labels = {
        "a": "day page",
        "b": "archive",
        "c": "member record",
        "e": "day editor",
        "f": "update channel",
    }
    print(f"\n(z) /ping: {rps['z']:.0f} req/s ({1000 / rps['z']:.2f} ms each)")
    print(
        f"{'page':<16}{'req/s':>8}{'ratio/z':>9}{'goal':>6}{'ms @N':>9}{'ms @100':>9}{'growth':>8}"
    )
    for name in "abcef":
        ratio = of_z[name]
        at_n, at_100 = 1000 / rps[name], 1000 / rps[name + "-small"]
        growth = of_z[name + "-small"] / ratio  # time per request, each against its /ping
        print(
            f"({name}) {labels[name]:<12}{rps[name]:>8.0f}{ratio:>9.2f}{GOALS[name]:>6}"
            f"{at_n:>9.2f}{at_100:>9.2f}{growth:>8.2f}"
        )
        spread = ", ".join(f"{r:.2f}" for r in sorted(ratios[name]))
        print(f"    {labels[name]}'s ratios over the rounds, lowest first: {spread}")
        if ratio < GOALS[name]:
            failed.append(f"{labels[name]}: {ratio:.2f} of (z), goal {GOALS[name]}")
        if growth > GROWTH:
            failed.append(f"{labels[name]}: {growth:.2f}× slower at {args.days} days")
    ping_ms, first_ms = (statistics.median(edited_ms[k]) for k in "zg")
    print(
        f"(g) the record's first view after an edit: {first_ms:.2f} ms against /ping's "
        f"{ping_ms:.2f} ms after an edit, ratio {of_z['g']:.2f} (goal {GOALS['g']})"
    )
    spread = ", ".join(f"{r:.2f}" for r in sorted(ratios["g"]))
    print(f"    its ratios over the rounds, lowest first: {spread}")
    if of_z["g"] < GOALS["g"]:
        failed.append(f"first view after an edit: {of_z['g']:.2f} of (z), goal {GOALS['g']}")
    p50 = statistics.median(searches)
    p95 = statistics.quantiles(searches, n=20)[-1]
    print(f"(d) search, {args.days} days: p50 {p50:.1f} ms, p95 {p95:.1f} ms, {SEARCHES} searches")
    if p95 >= SEARCH_P95_MS:
        failed.append(f"search p95 {p95:.1f} ms, goal < {SEARCH_P95_MS} ms")
    for line in failed:
        print("MISSED:", line)
    print("PASS" if not failed else "FAIL")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
