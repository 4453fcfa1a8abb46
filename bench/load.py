"""Correctness under load on the production server: 64 members read and write days at once.

Run from the repository, with PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth):
`.venv/bin/python bench/load.py --scenario load|db-restart|worker-kill|all`
with `--clients N` (default 64) and `--seconds S` (default 60) per scenario.

Each scenario makes its own database (studylog_bench, dropped and created again),
migrates it and fills it: a team with one account per client and eight days with four
shared questions each. It starts gunicorn as `make serve` does (DEBUG off, 2 uvicorn
workers serving ASGI, `--wsgi` for gunicorn's sync workers instead; static files
collected into a scratch STATIC_ROOT) on a free port of 127.0.0.1. Every client logs in
once, then until the time is up: reads a day, the archive, search results and the edit
page; adds questions and suggestions; edits shared questions and the shared days'
session from the form it loaded, with its version (a 409 when someone saved first is a
legitimate answer); creates days of its own, and races the others to create days on a
hundred common dates (one wins, the rest are told the date is taken). Every write
carries a unique marker. Afterwards the database must hold every write the server
acknowledged exactly once, and no acknowledged edit may have been overwritten unseen
(two saves acknowledged with the same version, or a stored row older than or different
from the newest acknowledged save).

- load: no request fails (no 5xx, no unexpected status, no refused connection, no timeout).
- db-restart: after a third of the time PostgreSQL is stopped, left down 3 s and started
  again. Requests may fail only from the stop until 5 s after it answers again.
- worker-kill: after a third of the time one gunicorn worker gets SIGTERM; it finishes the
  request it holds and the master forks a new one. No request may fail (a connection cut
  while in flight would be reported apart).

It prints the figures and exits 1 when an expectation fails. PostgreSQL is started again
whatever happens (also on Ctrl-C, SIGTERM or the overall time bound); gunicorn is stopped
and the database dropped (--keep-db leaves it).
"""

import argparse
import datetime
import http.client
import os
import random
import re
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import _server  # noqa: E402

DATABASE = "studylog_bench"
STATIC_ROOT = Path(tempfile.gettempdir()) / f"studylog-bench-static-{os.getpid()}"
# What the server and this process run with: production settings (DEBUG off) over plain
# HTTP on 127.0.0.1. Whatever the caller's environment says about these is replaced.
SERVER_ENV = _server.production_env(DATABASE, STATIC_ROOT)
for _name in ("DEBUG", "CONN_MAX_AGE", "CSRF_TRUSTED_ORIGINS", "PROXY_COUNT", "LOG_LEVEL"):
    os.environ.pop(_name, None)
SERVER_BASE_ENV = {**os.environ, **SERVER_ENV}
os.environ.update(SERVER_ENV, LOG_LEVEL="WARNING")  # this process: the figures only

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402
from django.urls import reverse  # noqa: E402

from sessions import services  # noqa: E402
from sessions.forms.day import DayForm  # noqa: E402
from sessions.forms.items import QuestionForm  # noqa: E402
from sessions.models import Day, Membership, Question, Suggestion, Team  # noqa: E402

PASSWORD = "벤치-load-password-1234"
TEAM_SLUG = "bench"
SHARED_DAYS, SHARED_QUESTIONS = 8, 4
FIRST_DAY = datetime.date(2024, 3, 4)
REQUEST_TIMEOUT = 30.0  # seconds, each request; gunicorn's worker timeout is 30 s too
PAUSE_AFTER_FAILURE = 0.25  # a person retries after a moment, not in a tight loop
OUTAGE = 3.0  # seconds PostgreSQL stays stopped
GRACE = 5.0  # seconds after PostgreSQL is back within which requests may still fail
SEARCH_WORDS = ["역전파", "정규화", "배치", "질문", "adam", "세션 시작"]

# (action, weight): what a client does next.
ACTIONS = {
    "read-day": 24,
    "read-archive": 10,
    "search": 10,
    "read-edit-page": 5,
    "create-item": 22,
    "edit-item": 15,
    "edit-session": 6,
    "create-day": 4,
    "create-shared-day": 4,
}
RACE_START, RACE_DATES = datetime.date(2029, 1, 1), 100  # dates members race to create
OWN_START = datetime.date(2030, 1, 1)  # from here on, each client's own new days


SERVERS: list[_server.Gunicorn] = []  # running, for the watchdog to stop


class Clock:
    """Seconds since the load started (reset when the clients are all logged in)."""

    def __init__(self):
        self.zero = time.monotonic()

    def reset(self) -> None:
        self.zero = time.monotonic()

    def __call__(self) -> float:
        return time.monotonic() - self.zero


@dataclass
class Call:
    action: str
    start: float  # seconds since the load started
    end: float
    status: int | None  # None: no HTTP answer (refused, reset, timeout)
    error: str = ""
    expected: tuple[int, ...] = (200,)

    @property
    def failed(self) -> bool:
        return self.status not in self.expected

    @property
    def outcome(self) -> str:
        return str(self.status) if self.status is not None else self.error


@dataclass
class Writes:
    """What one client asked the server to write, and what the server acknowledged."""

    created: dict[str, bool] = field(default_factory=dict)  # marker → acknowledged
    edits: dict[str, bool] = field(default_factory=dict)  # marker → acknowledged
    # (item pk or day date, version the save made, marker)
    edit_acks: list[tuple[object, int, str]] = field(default_factory=list)
    days: dict[str, bool] = field(default_factory=dict)  # title marker → acknowledged
    refused_dates: list[datetime.date] = field(default_factory=list)  # "date taken"
    conflicts: int = 0


@dataclass
class World:
    team: Team
    usernames: list[str]
    dates: list[datetime.date]
    questions: list[tuple[int, datetime.date]]  # (pk, its day's date)


@dataclass
class Events:
    """When the fault happened, in seconds since the load started."""

    fault_at: float | None = None
    stopped: float | None = None  # PostgreSQL: stop returned
    started: float | None = None  # PostgreSQL: start called
    back: float | None = None  # PostgreSQL: answers queries again
    start_returned: float | None = None  # PostgreSQL: pg_ctlcluster start returned
    killed_pid: int | None = None
    exited: float | None = None  # the worker is gone
    replaced: float | None = None  # a new worker is running
    new_pid: int | None = None
    error: str = ""


class FormFields(HTMLParser):
    """The name/value pairs a browser submits from a page's form, as rendered."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "reset", "file", "image"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.fields.append((name, attrs.get("value") or ("on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self._select, self._options = name, []
        elif tag == "option" and self._select:
            self._options.append((attrs.get("value") or "", "selected" in attrs))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            chosen = [v for v, selected in self._options if selected] or [
                v for v, _s in self._options[:1]
            ]
            self.fields += [(self._select, v) for v in chosen]
            self._select = None
        elif tag == "textarea" and self._textarea:
            text = "".join(self._text)
            # Like a browser: the newline right after <textarea> is not part of the value.
            self.fields.append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None


def form_fields(page: str) -> list[tuple[str, str]]:
    parser = FormFields()
    parser.feed(page)
    return parser.fields


class Browser:
    """One member's browser: a cookie jar, CSRF token and htmx headers, stdlib HTTP only."""

    def __init__(self, port: int):
        self.port = port
        self.origin = f"http://127.0.0.1:{port}"
        self.cookies: dict[str, str] = {}

    def send(self, method: str, path: str, fields: dict | None = None, *, htmx: bool = False):
        headers = {"Connection": "close", "Accept-Language": "ko", "User-Agent": "studylog-bench"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if method == "POST":
            body = urlencode(fields or {}).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
            headers["Origin"] = self.origin
            headers["Referer"] = self.origin + path
        if htmx:
            headers["HX-Request"] = "true"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
        try:
            conn.request(method, path, body, headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            for value in response.headers.get_all("Set-Cookie") or []:
                cookie = SimpleCookie()
                cookie.load(value)
                for name, morsel in cookie.items():
                    if morsel["max-age"] == "0" or not morsel.value:
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
            return response.status, response.headers, text
        finally:
            conn.close()


class Member(threading.Thread):
    """One client: logs in, then reads and writes until the deadline."""

    def __init__(self, index: int, port: int, world: World, run: str, clock):
        super().__init__(name=f"client-{index}", daemon=True)
        self.index, self.world, self.run_id, self.clock = index, world, run, clock
        self.browser = Browser(port)
        self.rng = random.Random(index)
        self.calls: list[Call] = []
        self.writes = Writes()
        self.seq = 0
        self.own_days: list[datetime.date] = []
        self.logged_in = threading.Event()
        self.login_error = ""
        self.go = threading.Event()
        self.deadline = 0.0

    # --- requests -------------------------------------------------------------------

    def call(self, action, method, path, fields=None, *, htmx=False, expected=(200,)):
        start = self.clock()
        try:
            status, headers, text = self.browser.send(method, path, fields, htmx=htmx)
        except (OSError, http.client.HTTPException) as exc:
            self.calls.append(Call(action, start, self.clock(), None, type(exc).__name__))
            return None, None, ""
        self.calls.append(Call(action, start, self.clock(), status, expected=expected))
        return status, headers, text

    def marker(self, kind: str) -> str:
        self.seq += 1
        return f"{self.run_id}{kind}{self.index:03d}{self.seq:05d}"

    def login(self) -> None:
        path = reverse("login")
        try:
            status, _h, page = self.browser.send("GET", path)
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
            if status != 200 or token is None:
                raise RuntimeError(f"login page answered {status}")
            fields = {
                "username": self.world.usernames[self.index],
                "password": PASSWORD,
                "csrfmiddlewaretoken": token.group(1),
            }
            status, headers, _t = self.browser.send("POST", path, fields)
            if status != 302 or "sessionid" not in self.browser.cookies:
                raise RuntimeError(f"login answered {status}, not a redirect with a session")
        except Exception as exc:  # noqa: BLE001 (reported, and the run stops)
            self.login_error = f"{type(exc).__name__}: {exc}"
        self.logged_in.set()

    # --- what a member does --------------------------------------------------------

    def url(self, name: str, **kwargs) -> str:
        return reverse(f"peer:{name}", kwargs={"team": TEAM_SLUG, **kwargs})

    def some_day(self) -> datetime.date:
        if self.own_days and self.rng.random() < 0.2:
            return self.rng.choice(self.own_days)
        return self.rng.choice(self.world.dates)

    def read_day(self) -> bool:
        status, _h, _t = self.call("read-day", "GET", self.url("day", date=self.some_day()))
        return status == 200

    def read_archive(self) -> bool:
        status, _h, _t = self.call("read-archive", "GET", self.url("archive"))
        return status == 200

    def search(self) -> bool:
        query = urlencode({"q": self.rng.choice(SEARCH_WORDS)})
        status, _h, _t = self.call("search", "GET", f"{self.url('search')}?{query}")
        return status == 200

    def read_edit_page(self) -> bool:
        path = self.url("day_edit", date=self.rng.choice(self.world.dates))
        status, _h, _t = self.call("read-edit-page", "GET", path)
        return status == 200

    def create_item(self) -> bool:
        date = self.some_day()
        if self.rng.random() < 0.7:
            kind, marker = "question", self.marker("q")
            fields = {
                "question": f"{marker} 배치 정규화는 학습과 추론에서 어떻게 다른가요?",
                "asked_by": "",
                "answer": "",
                "answered_by": "",
                "links": "",
            }
        else:
            kind, marker = "suggestion", self.marker("s")
            fields = {
                "proposal": f"{marker} 세션을 10분 일찍 시작하면 어떨까요?",
                "discussion": "",
                "outcome": "",
                "status": "proposed",
            }
        path = self.url("item_create", date=date, kind=kind)
        self.writes.created[marker] = False
        status, _h, _t = self.call("create-item", "POST", path, fields, htmx=True)
        self.writes.created[marker] = status == 200
        return status == 200

    def edit(self, action, path, name, marker, text) -> tuple[int | None, str]:
        """Load an edit form, change one field, save it with the version it carried:
        what a member's browser does. (status, body) of the save; None if it was not sent."""
        status, _h, page = self.call(f"{action}-form", "GET", path, htmx=True)
        if status != 200:
            return None, ""
        fields = form_fields(page)
        if ("version", "") in fields or not any(k == "version" for k, _v in fields):
            self.calls[-1].status, self.calls[-1].error = None, "form without a version"
            return None, ""
        fields = [(k, v) for k, v in fields if k != name] + [(name, text)]
        self.writes.edits[marker] = False
        status, _h, body = self.call(action, "POST", path, fields, htmx=True, expected=(200, 409))
        if status == 409:
            self.writes.conflicts += 1
        return status, body

    def edit_item(self) -> bool:
        pk, date = self.rng.choice(self.world.questions)
        path = self.url("item_edit", date=date, kind="question", pk=pk)
        marker = self.marker("e")
        text = f"{marker} 연쇄 법칙으로 기울기를 거꾸로 전달합니다."
        status, card = self.edit("edit-item", path, "answer", marker, text)
        return self.acknowledged(
            status, card, rf'data-item-id="{pk}" data-version="(\d+)"', pk, marker
        )

    def edit_session(self) -> bool:
        date = self.rng.choice(self.world.dates)
        marker = self.marker("t")
        path = self.url("session_edit", date=date)
        status, panel = self.edit("edit-session", path, "title", marker, marker)
        return self.acknowledged(
            status, panel, r'id="session-panel" data-version="(\d+)"', date, marker
        )

    def acknowledged(self, status, body, pattern, key, marker) -> bool:
        """Record a save the server acknowledged with the version it made."""
        if status != 200:
            return status == 409
        saved = re.search(pattern, body)
        if saved is None:  # a 200, but not the saved card or panel: not an acknowledgement
            self.calls[-1].status, self.calls[-1].error = None, "unexpected body"
            return False
        self.writes.edits[marker] = True
        self.writes.edit_acks.append((key, int(saved.group(1)), marker))
        return True

    def create_day(self) -> bool:
        # Each client's own dates, after the shared and raced ones and interleaved with
        # the other clients' (the app takes dates up to 2200): no clash is legitimate.
        clients = len(self.world.usernames)
        date = OWN_START + datetime.timedelta(days=len(self.writes.days) * clients + self.index)
        status = self.new_day("create-day", date, self.marker("d"), expected=(302,))
        if status == 302:
            self.own_days.append(date)
        return status == 302

    def create_shared_day(self) -> bool:
        """Members create days on a few dates at once: one wins, the others are told
        the date is taken (a 200 with the form again), none gets an error."""
        date = RACE_START + datetime.timedelta(days=self.rng.randrange(RACE_DATES))
        status = self.new_day("create-shared-day", date, self.marker("r"), expected=(200, 302))
        if status == 200:
            self.writes.refused_dates.append(date)
        return status in (200, 302)

    def new_day(self, action, date, marker, *, expected) -> int | None:
        fields = {
            "date": date.isoformat(),
            "date_confirm": date.isoformat(),  # the dates are far from today: confirmed
            "number": 100,
            "moderator": "",
            "title": marker,
            "tags": "벤치",
        }
        self.writes.days[marker] = False
        status, headers, _t = self.call(
            action, "POST", self.url("day_create"), fields, expected=expected
        )
        if status == 302:
            if not headers.get("Location", "").endswith(f"/days/{date}/edit/"):
                self.calls[-1].status, self.calls[-1].error = None, "redirected elsewhere"
                return None
            self.writes.days[marker] = True
        return status

    def run(self) -> None:
        self.login()
        if self.login_error:
            return
        self.go.wait()
        actions = list(ACTIONS)
        weights = list(ACTIONS.values())
        while self.clock() < self.deadline:
            action = self.rng.choices(actions, weights)[0]
            ok = getattr(self, action.replace("-", "_"))()
            if not ok:
                time.sleep(PAUSE_AFTER_FAILURE)


# --- the world ---------------------------------------------------------------------


def build_world(clients: int) -> World:
    """A team with one account per client (the first an admin) and the shared days."""
    User = get_user_model()
    password = make_password(PASSWORD)  # hashed once: every account has the same password
    users = User.objects.bulk_create(
        User(username=f"bench{i:03d}", password=password) for i in range(clients)
    )
    team = Team.objects.create(name="부하시험팀", slug=TEAM_SLUG, course="boostcourse")
    Membership.objects.bulk_create(
        Membership(
            team=team,
            user=user,
            display_name=f"벤치{i:03d}",
            role=Membership.Role.ADMIN if i == 0 else Membership.Role.MEMBER,
            rotation_order=i,
        )
        for i, user in enumerate(users)
    )
    admin = users[0]
    dates, questions = [], []
    for n in range(SHARED_DAYS):
        date = FIRST_DAY + datetime.timedelta(days=n)
        form = DayForm(
            {
                "date": date,
                "date_confirm": date.isoformat(),  # far from today: confirmed, as a person would
                "number": n + 1,
                "moderator": "",
                "title": "",
                "tags": "역전파,정규화",
            },
            team=team,
        )
        if not form.is_valid():
            raise RuntimeError(f"day form refused: {form.errors.as_json()}")
        day = services.create_day(form, team=team, user=admin)
        dates.append(date)
        for j in range(SHARED_QUESTIONS):
            text = f"공유 질문 {n}-{j}: 역전파는 어떻게 계산하나요?"
            form = QuestionForm(
                {"question": text, "answer": "", "links": ""},
                team=team,
                instance=Question(day=day),
            )
            if not form.is_valid():
                raise RuntimeError(f"question form refused: {form.errors.as_json()}")
            question = services.save_versioned(form, expected_version=None, user=admin)
            questions.append((question.pk, date))
    return World(team, [u.username for u in users], dates, questions)


# --- the faults ---------------------------------------------------------------------


def recorded(fault):
    """Run a fault in its timer thread; what goes wrong in it becomes the run's failure."""

    def run(*args) -> None:
        try:
            fault(*args)
        except Exception as exc:  # noqa: BLE001
            args[1].error = f"{fault.__name__} failed: {type(exc).__name__}: {exc}"

    return run


@recorded
def restart_database(cluster: _server.Cluster, events: Events, clock) -> None:
    events.fault_at = clock()
    cluster.stop()
    events.stopped = clock()
    time.sleep(OUTAGE)
    events.started = clock()
    # pg_ctlcluster returns a while after PostgreSQL accepts connections: probe alongside,
    # so that "back" is when the server could have answered again.
    starting = threading.Thread(target=cluster.start, daemon=True)
    starting.start()
    deadline = time.monotonic() + 30
    while not _server.database_answers(DATABASE):
        if time.monotonic() > deadline:
            events.error = "PostgreSQL did not answer within 30 s of starting"
            return
        time.sleep(0.02)
    events.back = clock()
    starting.join(timeout=60)
    events.start_returned = clock()


@recorded
def kill_worker(server: _server.Gunicorn, events: Events, clock) -> None:
    workers = server.worker_pids()
    if not workers:
        events.error = "no gunicorn worker to kill"
        return
    victim = workers[0]
    events.killed_pid = victim
    events.fault_at = clock()
    os.kill(victim, signal.SIGTERM)
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        pids = server.worker_pids()
        if events.exited is None and victim not in pids:
            events.exited = clock()
        fresh = [pid for pid in pids if pid not in workers]
        if fresh and events.replaced is None:
            events.replaced, events.new_pid = clock(), fresh[0]
        if events.exited is not None and events.replaced is not None:
            return
        time.sleep(0.05)
    events.error = "the killed worker was not replaced within 40 s"


# --- checking and printing -----------------------------------------------------------


def percentile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


@dataclass
class Stored:
    """What the database holds after the run, by marker."""

    items: Counter  # created item markers → rows holding them
    days: Counter  # day title markers → days holding them
    versions: dict  # shared question pk or shared day date → (version, its marker)
    dates: set  # dates the team has a day on


def stored(world: World, run: str) -> Stored:
    marker = re.compile(rf"{run}[qsedtr]\d{{8}}")

    def first(text: str) -> str:
        found = marker.findall(text)
        return found[0] if found else ""

    team = world.team
    items: Counter = Counter()
    for text in Question.objects.filter(day__team=team).values_list("question", flat=True):
        items.update(marker.findall(text))
    for text in Suggestion.objects.filter(day__team=team).values_list("proposal", flat=True):
        items.update(marker.findall(text))
    days: Counter = Counter()
    dates, versions = set(), {}
    for date, version, title in Day.objects.filter(team=team).values_list(
        "date", "version", "title"
    ):
        days.update(marker.findall(title))
        dates.add(date)
        if date in world.dates:
            versions[date] = (version, first(title))
    shared = [pk for pk, _date in world.questions]
    for pk, version, answer in Question.objects.filter(pk__in=shared).values_list(
        "pk", "version", "answer"
    ):
        versions[pk] = (version, first(answer))
    return Stored(items, days, versions, dates)


def check_created(label: str, sent: dict[str, bool], found: Counter) -> tuple[str, list[str]]:
    """Every acknowledged new row is stored, once; none is stored twice."""
    acked = [m for m, ack in sent.items() if ack]
    lost = [m for m in acked if found[m] == 0]
    doubled = [m for m in sent if found[m] > 1]
    in_flight = [m for m, ack in sent.items() if not ack and found[m]]
    line = (
        f"{label:9}sent {len(sent):5}  acknowledged {len(acked):5}  "
        f"stored {len(acked) - len(lost):5}  lost {len(lost)}  stored twice {len(doubled)}  "
        f"stored unacknowledged {len(in_flight)}"
    )
    problems = []
    if lost:
        problems.append(f"{len(lost)} acknowledged {label} not stored, e.g. {lost[:3]}")
    if doubled:
        problems.append(f"{len(doubled)} {label} stored more than once, e.g. {doubled[:3]}")
    return line, problems


def check_writes(members: list[Member], world: World, run: str) -> tuple[list[str], list[str]]:
    """(figure lines, problems): every acknowledged write stored exactly once, no lost edit."""
    connections.close_all()  # the setup's connection may predate a PostgreSQL restart
    db = stored(world, run)
    lines, problems = [], []
    for label, sent, found in [
        ("items", {m: a for mb in members for m, a in mb.writes.created.items()}, db.items),
        ("days", {m: a for mb in members for m, a in mb.writes.days.items()}, db.days),
    ]:
        line, found_problems = check_created(label, sent, found)
        lines.append(line)
        problems += found_problems
    refused = {d for mb in members for d in mb.writes.refused_dates}
    wrongly = sorted(refused - db.dates)
    lines.append(f"         {len(refused)} dates refused as taken, {len(wrongly)} of them free")
    if wrongly:
        problems.append(f"day creation refused on free dates: {wrongly[:3]}")

    # Edits of shared questions and days: each acknowledged save names the version it
    # made. Two acknowledged saves of one version means one overwrote the other unseen;
    # the stored row must be at least the newest acknowledged version and, if it is
    # that version, hold that save's text; if newer, a save that was not acknowledged.
    sent = {m: a for mb in members for m, a in mb.writes.edits.items()}
    saves: dict[object, list[tuple[int, str]]] = defaultdict(list)
    for member in members:
        for key, version, marker in member.writes.edit_acks:
            saves[key].append((version, marker))
    overwritten, behind, wrong_text, unacked = [], [], [], 0
    for key, (version, marker) in db.versions.items():
        counts = Counter(v for v, _m in saves[key])
        overwritten += [(key, v) for v, n in counts.items() if n > 1]
        newest, newest_marker = max(saves[key], default=(1, ""))
        if version < newest:
            behind.append((key, version, newest))
        elif version == newest and marker != newest_marker:
            wrong_text.append(key)
        elif version > newest and sent.get(marker, True):
            wrong_text.append(key)
        unacked += max(0, version - 1 - len(saves[key]))
    conflicts = sum(member.writes.conflicts for member in members)
    lines.append(
        f"edits    sent {len(sent):5}  acknowledged {sum(sent.values()):5}  "
        f"409 conflicts {conflicts}  overwritten {len(overwritten)}  "
        f"stored behind {len(behind)}  wrong text {len(wrong_text)}  "
        f"saved unacknowledged {unacked}"
    )
    if overwritten or behind or wrong_text:
        problems.append(
            f"lost edits: one version acknowledged twice {overwritten[:3]}, "
            f"stored older than acknowledged {behind[:3]}, other text {wrong_text[:3]}"
        )
    return lines, problems


def report_calls(calls: list[Call], seconds: float) -> list[str]:
    latencies = [(c.end - c.start) * 1000 for c in calls]
    statuses = Counter(c.outcome for c in calls)
    lines = [
        f"requests {len(calls)} in {seconds:.1f} s: {len(calls) / seconds:.1f} req/s",
        "statuses " + "  ".join(f"{k}: {v}" for k, v in sorted(statuses.items())),
        f"latency  p50 {percentile(latencies, 50):.0f} ms  p95 {percentile(latencies, 95):.0f} ms"
        f"  max {max(latencies, default=0):.0f} ms",
    ]
    by_action = defaultdict(list)
    for c in calls:
        by_action[c.action].append(c)
    for action, group in sorted(by_action.items()):
        times = [(c.end - c.start) * 1000 for c in group]
        failed = sum(c.failed for c in group)
        lines.append(
            f"  {action:18} {len(group):6}  p50 {percentile(times, 50):6.0f} ms"
            f"  p95 {percentile(times, 95):6.0f} ms  failed {failed}"
        )
    return lines


def check_calls(scenario: str, calls: list[Call], events: Events) -> tuple[list[str], list[str]]:
    """(figure lines, problems) for the failed requests against the scenario's rule."""
    failures = [c for c in calls if c.failed]
    lines, problems = [], []
    fivexx = sum(1 for c in calls if c.status is not None and c.status >= 500)
    if events.error:
        problems.append(events.error)
    if scenario == "load":
        if failures:
            problems.append(f"{len(failures)} failed requests ({fivexx} 5xx) under plain load")
    elif scenario == "db-restart":
        if events.back is None:
            problems += [] if events.error else ["the restart did not complete"]
            return lines, problems
        lines.append(
            f"outage   stop at {events.fault_at:.2f} s (done {events.stopped:.2f} s), "
            f"start at {events.started:.2f} s (returned {events.start_returned:.2f} s), "
            f"answering at {events.back:.2f} s: down {events.back - events.fault_at:.2f} s"
        )
        # Each failed request must have ended between the stop and 5 s after PostgreSQL
        # answered again: one that hangs past that is as bad as one refused after it.
        allowed_until = events.back + GRACE
        early = [c for c in failures if c.end < events.fault_at]
        late = [c for c in failures if c.end > allowed_until]
        if failures:
            first = min(c.start for c in failures)
            last = max(c.end for c in failures)
            lines.append(
                f"failures {len(failures)} ({fivexx} 5xx), started from {first:.2f} s, "
                f"ended by {last:.2f} s: recovery {max(0.0, last - events.back):.2f} s after "
                f"PostgreSQL answered (allowed {GRACE:.0f} s)"
            )
        else:
            lines.append("failures 0")
        after = [c for c in calls if c.start > allowed_until]
        lines.append(
            f"after    {len(after)} requests started later than back + {GRACE:.0f} s, "
            f"{sum(not c.failed for c in after)} succeeded"
        )
        if early:
            problems.append(f"{len(early)} requests failed before PostgreSQL was stopped")
        if late:
            outcomes = Counter(c.outcome for c in late)
            problems.append(
                f"{len(late)} requests failed later than {GRACE:.0f} s after PostgreSQL "
                f"answered again: {dict(outcomes)}"
            )
        if not any(not c.failed for c in after):
            problems.append("no request succeeded after PostgreSQL came back")
    elif scenario == "worker-kill":
        if events.fault_at is None:
            problems += [] if events.error else ["no worker was killed"]
            return lines, problems
        lines.append(
            f"worker   SIGTERM to {events.killed_pid} at {events.fault_at:.2f} s, gone after "
            f"{(events.exited or 0) - events.fault_at:.2f} s, replaced by {events.new_pid} after "
            f"{(events.replaced or 0) - events.fault_at:.2f} s"
        )
        cut = [
            c
            for c in failures
            if c.status is None
            and c.start <= (events.exited or c.start)
            and c.end >= events.fault_at
            and c.error in ("ConnectionResetError", "RemoteDisconnected", "BrokenPipeError")
        ]
        other = [c for c in failures if c not in cut]
        held = [c for c in calls if c.start <= events.fault_at <= c.end]
        lines.append(
            f"in flight at the kill {len(held)}, answered {sum(not c.failed for c in held)}"
        )
        lines.append(f"failures {len(failures)}: {len(cut)} cut in flight, {len(other)} other")
        if other:
            outcomes = Counter(c.outcome for c in other)
            problems.append(
                f"{len(other)} requests failed around the worker kill: {dict(outcomes)}"
            )
    return lines, problems


# --- one scenario ---------------------------------------------------------------------


def run_scenario(scenario: str, args, cluster: _server.Cluster | None, workdir: Path) -> bool:
    print(f"\n== {scenario}: {args.clients} clients, {args.seconds:.0f} s ==", flush=True)
    connections.close_all()
    _server.recreate_database(DATABASE)
    server = None
    try:
        call_command("migrate", verbosity=0)
        world = build_world(args.clients)
        connections.close_all()
        env = dict(SERVER_BASE_ENV)
        if args.conn_max_age is not None:
            env["CONN_MAX_AGE"] = str(args.conn_max_age)
        server = _server.Gunicorn(
            env,
            workers=args.workers,
            log=workdir / f"gunicorn-{scenario}.log",
            asgi=not args.wsgi,
        )
        SERVERS.append(server)
        server.wait_ready()

        run = uuid.uuid4().hex[:6]
        clock = Clock()
        members = [Member(i, server.port, world, run, clock) for i in range(args.clients)]
        login_started = time.monotonic()
        for member in members:
            member.start()
        for member in members:
            member.logged_in.wait(timeout=120)
        refused = [m.login_error for m in members if m.login_error or not m.logged_in.is_set()]
        took = time.monotonic() - login_started
        print(f"logins   {args.clients - len(refused)}/{args.clients} in {took:.1f} s")
        if refused:
            print(f"FAIL: logins did not succeed at the first try: {refused[:3]}")
            return False

        clock.reset()  # the load's time 0
        for member in members:
            member.deadline = args.seconds
            member.go.set()
        events = Events()
        fault = None
        if scenario == "db-restart":
            fault = threading.Timer(args.seconds / 3, restart_database, (cluster, events, clock))
        elif scenario == "worker-kill":
            fault = threading.Timer(args.seconds / 3, kill_worker, (server, events, clock))
        if fault is not None:
            fault.daemon = True
            fault.start()
        for member in members:
            member.join(timeout=args.seconds + REQUEST_TIMEOUT + 10)
        elapsed = clock()
        if fault is not None:
            fault.join(timeout=60)
        stuck = [m.name for m in members if m.is_alive()]
        if cluster is not None:
            cluster.ensure_started()

        calls = [c for m in members for c in m.calls]
        lines = report_calls(calls, min(elapsed, args.seconds))
        call_lines, problems = check_calls(scenario, calls, events)
        write_lines, write_problems = check_writes(members, world, run)
        for line in lines + call_lines + write_lines:
            print(line)
        if stuck:
            problems.append(f"{len(stuck)} clients still waiting after the deadline")
        problems += write_problems
        errors = server.errors()
        if errors:
            print(f"server logged {len(errors)} errors:")
            for error, count in Counter(errors).most_common(5):
                print(f"  {count:5} × {error}")
        if problems:
            for problem in problems:
                print(f"FAIL: {problem}")
        else:
            print(f"PASS: {scenario}")
        return not problems
    finally:
        if server is not None:
            server.stop()
            SERVERS.remove(server)
        if cluster is not None:
            cluster.ensure_started()
        connections.close_all()
        if not args.keep_db:
            _server.drop_database(DATABASE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scenario", choices=["load", "db-restart", "worker-kill", "all"], default="load"
    )
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=None,
        help="CONN_MAX_AGE for the server (default: unset)",
    )
    _server.add_wsgi_flag(parser)
    parser.add_argument("--keep-db", action="store_true", help=f"leave the {DATABASE} database")
    args = parser.parse_args()
    scenarios = ["load", "db-restart", "worker-kill"] if args.scenario == "all" else [args.scenario]

    cluster = _server.Cluster() if "db-restart" in scenarios else None
    workdir = Path(tempfile.mkdtemp(prefix="studylog-bench-"))
    STATIC_ROOT.mkdir()

    def bail_out(*_args) -> None:
        raise SystemExit(2)

    signal.signal(signal.SIGTERM, bail_out)
    # The hard bound: whatever hangs, PostgreSQL is started again and the process ends.
    bound = len(scenarios) * (args.seconds + 240)

    def overdue() -> None:
        print(f"FAIL: still running after {bound:.0f} s; giving up", file=sys.stderr, flush=True)
        if cluster is not None:
            cluster.ensure_started()
        for server in SERVERS:
            server.kill()
        os._exit(3)

    watchdog = threading.Timer(bound, overdue)
    watchdog.daemon = True
    watchdog.start()
    passed = []
    try:
        call_command("collectstatic", interactive=False, verbosity=0)
        for scenario in scenarios:
            passed.append(run_scenario(scenario, args, cluster, workdir))
    finally:
        if cluster is not None:
            cluster.ensure_started()
        shutil.rmtree(STATIC_ROOT, ignore_errors=True)
        ok = len(passed) == len(scenarios) and all(passed)
        if ok:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"server logs kept in {workdir}")
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
