"""App servers in their own processes for the tests: `make serve`'s gunicorn with one
uvicorn worker (ASGI) on the test database, which they reach as a file (SQLite) or over
TCP (PostgreSQL), so the rows they read must be committed (transactional_db)."""

import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    user = s["USER"] or "postgres"
    return f"postgres://{user}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def session_key(user) -> str:
    """A logged-in session for `user`, as logging in makes one (same SECRET_KEY)."""
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    return session.session_key


class Server:
    """`make serve`'s gunicorn with one uvicorn worker, in its own process group."""

    def __init__(self, env: dict, log: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        gunicorn = Path(sys.executable).parent / "gunicorn"
        with open(log, "ab") as output:
            self.process = subprocess.Popen(
                [str(gunicorn), "studylog.asgi:application", "-k", "uvicorn_worker.UvicornWorker",
                 "--bind", f"127.0.0.1:{self.port}", "--workers", "1", "--no-control-socket"],
                cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        self.kill()
        raise RuntimeError(f"the server on {self.port} did not start")

    def kill(self) -> None:
        """SIGKILL: no goodbye, nothing written back on the way out."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=30)

    def errors(self) -> str:
        """What the server logged at WARNING or worse (shown when a test fails)."""
        lines = self.log.read_text(errors="replace").splitlines()
        return "\n".join(line for line in lines if '"WARNING"' in line or "ERROR" in line)

    def stop(self) -> None:
        print(self.errors())
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def server_env(**extra) -> dict:
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DEBUG", "PAGE_CACHE", "REDIS_URL")},
        "SECRET_KEY": settings.SECRET_KEY,  # so the sessions made here are valid there
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "DATABASE_URL": database_url(),
        "LOG_LEVEL": "WARNING",
        "LIVE_SAVE_DELAY": "0.5",
    }
    env.update(extra)
    return env


@contextmanager
def behind_redis(tmp_path: Path, name: str, *, count: int = 2, static: bool = False):
    """`count` servers on the test's PostgreSQL database and one Redis (a key prefix of
    their own), with the static files collected first if `static`. Without PostgreSQL
    it skips (CI's second run has it); without Redis it skips, or fails in CI."""
    import pytest

    from .conftest import REDIS_URL, require_redis

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: runs when DATABASE_URL points at it (CI's second run)")
    require_redis()
    env = server_env(
        REDIS_URL=REDIS_URL,
        CACHE_KEY_PREFIX=f"{name}-{uuid.uuid4().hex[:8]}",
        STATIC_ROOT=str(tmp_path / "static"),
    )
    if static:
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT, env=env, check=True, timeout=120,
        )  # fmt: skip
    started = []
    try:
        for n in range(count):
            started.append(Server(env, tmp_path / f"{name}{n}.log"))
        yield started
    finally:
        for server in started:
            server.stop()
