"""Live editing under load: editors typing into one day, against today's HTTP save.

Run from the repository: `.venv/bin/python bench/live.py` (about 2 minutes; `--seconds S`
per phase, `--editors 2,8,32` for the phases). It makes a scratch SQLite database in a
temporary folder (or uses `--database-url`, a PostgreSQL database it may empty), fills
one team of 32 members and a day with one question, and starts the ASGI server as
`make serve`'s workers run it (uvicorn, DEBUG off, one process). Then, on 127.0.0.1:

1. For each editor count N (2, 8, 32): N sockets (Python clients speaking y-websocket
   with pycrdt documents, each logged in with its own session) open the day, and each
   types 5 characters a second at the end of the same answer for S seconds, each to
   their own rhythm (the N editors' keystrokes spread evenly over a fifth of a second);
   then again with all N keystrokes at the same instant, the worst case. Every
   keystroke is one update; the time from its send to its arrival at every other
   editor is one latency sample. Printed: p50 and p95, the server's CPU seconds per
   editor per second (from /proc), and how both grow from the smallest N.
2. Memory per open day: the server's RSS before and while 20 more days are held open
   by 2 editors each who type a little, divided by 20.
3. Baseline, same server: the same edit through the form save (POST of the question's
   edit form, one request per keystroke-sized change, sequential): its round trip p50
   and p95. Without live editing, the other editors see a save on their next poll
   (every 4 s): the peer latency of a form save is that round trip plus up to 4 s.

It prints ratios of live to form save and exits 1 when the live p95 at 8 editors is
50 ms or more. Everything talks only to 127.0.0.1, and everything stops by itself.
"""

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TYPING_RATE = 5  # characters a second, each editor
TARGET_P95_MS = 50
MEMBERS = 32
POLL_SECONDS = 4  # static/js/studylog.js's POLL_MS


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="typing time per phase")
    parser.add_argument("--editors", default="2,8,32", help="editor counts, comma-separated")
    parser.add_argument("--database-url", default="", help="default: a scratch SQLite file")
    return parser.parse_args()


# Setting up: the database, the team, sessions, the server


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studylog.settings")
    os.environ.setdefault("SECRET_KEY", "studylog-bench-" + "k" * 40)
    import django

    django.setup()


def migrate(env: dict) -> None:
    """Migrate the scratch database and collect the static files, as make serve does."""
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        subprocess.run(
            [sys.executable, "manage.py", *command, "--verbosity", "0"],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=600,
        )


def build(days: int):
    """A team of MEMBERS writers, `days` days each with one question; their sessions."""
    import datetime

    from django.contrib.auth import get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    from sessions.models import Day, Membership, Question, Team

    User = get_user_model()
    Team.objects.filter(slug="live").delete()
    team = Team.objects.create(name="실시간팀", slug="live", course="bench")
    cookies = []
    for n in range(MEMBERS):
        user, _ = User.objects.get_or_create(username=f"live{n}")
        Membership.objects.create(
            team=team, user=user, display_name=f"편집자{n}", role=Membership.Role.MEMBER
        )
        session = SessionStore()
        session["_auth_user_id"] = str(user.pk)
        session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        session["_auth_user_hash"] = user.get_session_auth_hash()
        session.create()
        cookies.append(session.session_key)
    questions = []
    for n in range(days):
        day = Day.objects.create(
            team=team, date=datetime.date(2026, 1, 1) + datetime.timedelta(n), number=n + 1
        )
        questions.append(
            Question.objects.create(day=day, question="지연 시간은?", answer="기록:", position=1)
        )
    return team, questions, cookies


class Server:
    """uvicorn serving studylog.asgi in one process, as each of make serve's workers."""

    def __init__(self, env: dict, log: Path):
        from bench._server import free_port

        self.port = free_port()
        self.log = open(log, "wb")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "uvicorn", "studylog.asgi:application",
                "--host", "127.0.0.1", "--port", str(self.port),
                "--ws", "websockets-sansio", "--no-access-log", "--lifespan", "off",
            ],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: see {log}")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2)
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the server did not answer /healthz within 60 s")

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_bytes(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.log.close()


# Typing editors


async def type_steadily(
    client, key: str, keystrokes: int, typing: asyncio.Event, offset: float
) -> None:
    """A keystroke every 1/TYPING_RATE seconds, the first `offset` seconds after the start
    (on a fixed schedule: a slow send does not slow the typing down)."""
    await typing.wait()
    start = time.perf_counter() + offset
    for n in range(keystrokes):
        await asyncio.sleep(max(0.0, start + n / TYPING_RATE - time.perf_counter()))
        await client.type(key, "가나다라마"[n % 5])


async def phase(
    port: int, day_path: str, key: str, cookies: list[str], n: int, seconds: float, in_step: bool
):
    from sessions.live.client import LiveClient

    base, path = f"http://127.0.0.1:{port}", f"/ws/teams/live/days/{day_path}/"
    clients = [LiveClient(base, path, cookies[i]) for i in range(n)]
    for client in clients:
        await client.__aenter__()
    try:
        await asyncio.gather(*(client.open(key, timeout=60) for client in clients))
        await asyncio.sleep(0.5)
        typing = asyncio.Event()
        keystrokes = int(seconds * TYPING_RATE)
        # People type each to their own rhythm: their keystrokes are spread over the
        # interval between two of one's keystrokes. In step, all N land at the same
        # instant, every time: the worst case, measured beside it.
        spread = [0.0 if in_step else i / n / TYPING_RATE for i in range(n)]
        tasks = [
            asyncio.create_task(type_steadily(c, key, keystrokes, typing, spread[i]))
            for i, c in enumerate(clients)
        ]
        typing.set()
        await asyncio.wait_for(asyncio.gather(*tasks), seconds + 30)
        await asyncio.sleep(1.5)  # the last keystrokes' way to everyone
    finally:
        for client in clients:
            await client.__aexit__()
    sent = {(c.doc.client_id, clock): at for c in clients for clock, at in c.sent_at.items()}
    samples = []
    for c in clients:
        for client, clock, arrived in c.arrivals:
            if (client, clock) in sent and client != c.doc.client_id:
                samples.append((arrived - sent[(client, clock)]) * 1000)
    return samples, len(sent) * (n - 1)


async def hold_days(server, questions, cookies) -> int:
    """Open each question's day with two editors who type; the server's RSS while all
    of them are open."""
    from sessions.live.client import LiveClient

    clients = []
    try:
        for n, question in enumerate(questions):
            path = f"/ws/teams/live/days/{question.day.date.isoformat()}/"
            key = f"question:{question.pk}:answer"
            for cookie in cookies[2 * n % len(cookies) : 2 * n % len(cookies) + 2]:
                client = LiveClient(f"http://127.0.0.1:{server.port}", path, cookie)
                await client.__aenter__()
                clients.append(client)
                await client.open(key, timeout=30)
                await client.type(key, "메모리 측정 " * 10)
        await asyncio.sleep(2)  # everything saved and settled
        return server.rss_bytes()
    finally:
        for client in clients:
            await client.__aexit__()


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


# The baseline: the form save


def form_saves(port: int, team_slug: str, question, session_key: str, count: int) -> list[float]:
    """POST the question's edit form `count` times (each adding a character); seconds each."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    base = f"http://127.0.0.1:{port}"
    opener.addheaders = [("Cookie", f"sessionid={session_key}")]
    date = question.day.date.isoformat()
    path = f"/teams/{team_slug}/days/{date}/items/question/{question.pk}/edit/"
    opener.open(f"{base}/teams/{team_slug}/days/{date}/edit/", timeout=10).read()  # the CSRF cookie
    page = opener.open(base + path, timeout=10).read().decode()
    csrf = next((c.value for c in jar if c.name == "csrftoken"), None)
    if csrf is None:
        raise RuntimeError("the editor set no CSRF cookie")
    version = int(re.search(r'name="version" value="(\d+)"', page).group(1))
    answer = re.search(r'name="answer"[^>]*>([^<]*)</textarea>', page).group(1)
    times = []
    for n in range(count):
        answer += "가나다라마"[n % 5]
        body = urllib.parse.urlencode(
            {"version": version, "question": "지연 시간은?", "answer": answer, "links": ""}
        ).encode()  # fmt: skip
        request = urllib.request.Request(base + path, data=body, method="POST")
        request.add_header("Cookie", f"sessionid={session_key}; csrftoken={csrf}")
        request.add_header("X-CSRFToken", csrf)
        request.add_header("Referer", base + path)
        request.add_header("HX-Request", "true")
        started = time.perf_counter()
        with opener.open(request, timeout=10) as response:
            response.read()
        times.append(time.perf_counter() - started)
        version += 1
    return times


def main() -> int:
    args = parse_args()
    counts = [int(c) for c in args.editors.split(",")]
    with tempfile.TemporaryDirectory(prefix="studylog-live-bench-") as tmp:
        database_url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "studylog.settings",
            "SECRET_KEY": "studylog-bench-" + "k" * 40,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "STATIC_ROOT": f"{tmp}/static",
            "DEBUG": "0",
        }
        env.pop("REDIS_URL", None)
        print(f"database: {database_url.split('@')[-1]}; migrating…", flush=True)
        migrate(env)
        setup_django(database_url)
        team, questions, cookies = build(days=21)
        server = Server(env, Path(tmp) / "server.log")
        try:
            return measure(server, team, questions, cookies, counts, args.seconds)
        finally:
            server.stop()


def _one_phase(server, day_path, key, cookies, n, seconds, results, *, in_step: bool) -> None:
    cpu_before, wall_before = server.cpu_seconds(), time.perf_counter()
    own_before = time.process_time()
    samples, expected = asyncio.run(phase(server.port, day_path, key, cookies, n, seconds, in_step))
    wall = time.perf_counter() - wall_before
    cpu = (server.cpu_seconds() - cpu_before) / wall
    clients_cpu = (time.process_time() - own_before) / wall
    p50, p95 = percentile(samples, 50), percentile(samples, 95)
    results[n] = (p50, p95, cpu / n)
    print(
        f"{n:>8} {p50:>8.1f} {p95:>8.1f} {len(samples):>9} {expected - len(samples):>6}"
        f" {cpu / n * 100:>10.1f}%   (server {cpu * 100:.0f}% of a core,"
        f" the clients here {clients_cpu * 100:.0f}%)"
    )


def measure(server, team, questions, cookies, counts, seconds) -> int:
    question = questions[0]
    day_path = question.day.date.isoformat()
    key = f"question:{question.pk}:answer"
    heads = ("editors", "p50 ms", "p95 ms", "samples", "lost", "CPU/editor")
    print("\n" + " ".join(f"{h:>{w}}" for h, w in zip(heads, (8, 8, 8, 9, 6, 11), strict=True)))
    results = {}
    for n in counts:
        _one_phase(server, day_path, key, cookies, n, seconds, results, in_step=False)
    print("\nthe same with everyone's keystrokes at the same instant (the worst case):")
    in_step = {}
    for n in counts:
        _one_phase(server, day_path, key, cookies, n, seconds, in_step, in_step=True)
    small = counts[0]
    print("\ngrowth against", small, "editors (p95 ratio, CPU per editor ratio):")
    for n in counts[1:]:
        print(
            f"  {n:>3} editors: p95 ×{results[n][1] / results[small][1]:.2f}, "
            f"CPU per editor ×{results[n][2] / results[small][2]:.2f}"
        )

    # Memory per open day: 20 more days held open by 2 editors each, 100 characters typed.
    rss_before = server.rss_bytes()
    opened = len(questions) - 1
    rss_open = asyncio.run(hold_days(server, questions[1:], cookies))
    per_day = (rss_open - rss_before) / opened
    print(f"\nmemory per open day: {per_day / 1024:.0f} KiB (RSS growth with {opened} days open)")

    # The baseline on the same server.
    saves = form_saves(server.port, team.slug, questions[0], cookies[0], 50)
    save_p50, save_p95 = percentile(saves, 50) * 1000, percentile(saves, 95) * 1000
    print(f"\nform save (today's editor), 50 in a row: p50 {save_p50:.1f}, p95 {save_p95:.1f} ms")
    poll_ms = POLL_SECONDS * 1000
    print(f"  others see it on their next poll: {save_p50:.0f} to {save_p95 + poll_ms:.0f} ms")
    reference = 8 if 8 in results else counts[-1]
    live_p95 = results[reference][1]
    print(
        f"live p95 at {reference} editors / form save p95: {live_p95 / save_p95:.2f}; "
        f"/ (form save + half a poll): {live_p95 / (save_p50 + POLL_SECONDS * 500):.4f}"
    )
    print(f"  in step, at {reference} editors: p95 {in_step[reference][1]:.1f} ms")
    ok = live_p95 < TARGET_P95_MS
    print(f"\ntarget: p95 < {TARGET_P95_MS} ms at {reference} editors: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
