"""Plumbing for the benches: a scratch database, a gunicorn server, wrk, PostgreSQL restarts.

Everything listens on and talks to 127.0.0.1 only, and every wait has a bound.
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"


def pg_url(database: str) -> str:
    return f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{database}"


def production_env(database: str, static_root: Path, **extra: str) -> dict[str, str]:
    """What a bench server runs with: production settings (DEBUG off) over plain HTTP on
    127.0.0.1, on its own database and static files; `extra` adds or overrides."""
    return {
        "DJANGO_SETTINGS_MODULE": "studylog.settings",
        "STATIC_ROOT": str(static_root),
        "SECRET_KEY": "studylog-bench-" + "k" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "DATABASE_URL": pg_url(database),
        **extra,
    }


def _admin() -> psycopg.Connection:
    return psycopg.connect(pg_url("postgres"), autocommit=True, connect_timeout=5)


def recreate_database(name: str) -> None:
    """Drop `name` (closing whatever is still connected to it) and create it empty."""
    with _admin() as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(name: str) -> None:
    with _admin() as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def database_answers(name: str) -> bool:
    try:
        with psycopg.connect(pg_url(name), connect_timeout=2) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid: int) -> list[int]:
    """The live child processes of `pid` (gunicorn's workers, for its master)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Fields after the command (which may hold spaces) in parentheses: state, ppid, …
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if int(ppid) == pid and state != "Z":
            found.append(int(entry.name))
    return sorted(found)


def wrk(port: int, paths: list[str], header: str, seconds: int) -> float:
    """Requests per second of wrk (2 threads, 8 connections) rotating over `paths`, each
    request carrying `header` (a login's "Cookie: …", a token's "Authorization: …")."""
    script = Path(tempfile.gettempdir()) / f"studylog-bench-{os.getpid()}.lua"
    listed = ", ".join(f'"{p}"' for p in paths)
    script.write_text(
        f"paths = {{{listed}}}\ni = 0\n"
        "request = function()\n  i = i % #paths + 1\n"
        '  return wrk.format("GET", paths[i])\nend\n'
    )
    out = subprocess.run(
        ["wrk", "-t2", "-c8", f"-d{seconds}s", "--timeout", "10s", "-H", header,
         "-s", str(script), f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, timeout=seconds + 60, check=True,
    ).stdout  # fmt: skip
    script.unlink()
    if "Non-2xx" in out:
        raise RuntimeError(f"wrk saw errors:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def add_wsgi_flag(parser) -> None:
    """--wsgi: a bench serves gunicorn's sync workers instead of make serve's ASGI."""
    parser.add_argument(
        "--wsgi",
        action="store_true",
        help="serve WSGI with gunicorn's sync workers (default: ASGI, as make serve does)",
    )


class Gunicorn:
    """gunicorn with `make serve`'s options on a free port, in its own process group.

    `asgi=True` serves what `make serve` serves: the ASGI application under uvicorn
    workers (pages through Django's thread pool, and the live editing sockets).
    `asgi=False` serves the WSGI entry point with gunicorn's own sync workers, as the
    figures before live editing were taken."""

    def __init__(self, env: dict[str, str], *, workers: int, log: Path, asgi: bool = False):
        self.port = free_port()
        self.log_path = log
        self._log = open(log, "wb")  # noqa: SIM115 (closed in stop())
        gunicorn = Path(sys.executable).parent / "gunicorn"
        # The options of the Makefile's `serve` target.
        app = ["studylog.asgi:application", "-k", "uvicorn_worker.UvicornWorker"]
        command = [
            str(gunicorn),
            *(app if asgi else ["studylog.wsgi"]),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "--access-logfile",
            "-",
            "--graceful-timeout",
            "20",
            # gunicorn 27's control socket defaults to one path per user (~/.gunicorn/):
            # two servers on one machine would take it from each other.
            "--no-control-socket",
        ]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.workers = workers

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_ready(self, timeout: float = 60) -> None:
        """Until /healthz answers 200 and every worker has booted."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited with {self.process.returncode}: see {self.log_path}"
                )
            try:
                url = f"http://127.0.0.1:{self.port}/healthz"
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200 and len(children(self.pid)) >= self.workers:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer /healthz within {timeout:.0f}s")

    def worker_pids(self) -> list[int]:
        return children(self.pid)

    def stop(self) -> None:
        """SIGTERM the whole group (graceful), then SIGKILL what is left after 25 s."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=25)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
            except ProcessLookupError:
                pass
        self._log.close()

    def kill(self) -> None:
        """SIGKILL the whole group at once (the watchdog's last resort)."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def errors(self) -> list[str]:
        """What the server logged at ERROR or worse: the exception's last line, else the
        message (Django logs JSON lines; gunicorn's own lines are plain)."""
        found = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                if record.get("level") in ("ERROR", "CRITICAL"):
                    # The exception's line: the last one that is not indented.
                    trace = [t for t in record.get("exc_info", "").splitlines() if t[:1].strip()]
                    found.append(trace[-1] if trace else record.get("message", ""))
            elif "[ERROR]" in line or "[CRITICAL]" in line:
                found.append(line.split("] ", 3)[-1])
        return found


class Cluster:
    """The PostgreSQL cluster on 127.0.0.1:5432, restarted with pg_ctlcluster."""

    def __init__(self):
        rows = subprocess.run(
            ["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True, timeout=10
        ).stdout.splitlines()
        for row in rows:
            version, name, port, *_ = row.split()
            if int(port) == PG_PORT:
                self.version, self.name = version, name
                break
        else:
            raise RuntimeError(f"No PostgreSQL cluster on port {PG_PORT}: {rows}")
        self.stopped = False

    def _ctl(self, action: str) -> None:
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", self.version, self.name, action],
            check=True,
            timeout=60,
            capture_output=True,
        )

    def stop(self) -> None:
        self.stopped = True  # before the call: a crash half way must still start it again
        self._ctl("stop")  # fast mode: open transactions are rolled back, sessions cut

    def start(self) -> None:
        if not self.online():
            self._ctl("start")
        self.stopped = False

    def online(self) -> bool:
        row = subprocess.run(
            ["pg_lsclusters", "--no-header", self.version, self.name],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout
        return " online" in row

    def ensure_started(self) -> None:
        """Start the cluster if this process stopped it; never leave it down."""
        if not self.stopped:
            return
        for _attempt in range(3):
            try:
                self.start()
                return
            except (subprocess.SubprocessError, OSError) as exc:
                print(f"starting PostgreSQL again failed ({exc}); retrying", file=sys.stderr)
                time.sleep(2)
        print(
            f"PostgreSQL is still down: run `pg_ctlcluster {self.version} {self.name} start`",
            file=sys.stderr,
        )
