"""Production settings: the health check, login throttling, `check --deploy`, and the
refusal to start without a SECRET_KEY when DEBUG is off."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import OperationalError
from django.test import Client, override_settings
from django.urls import reverse

from .factories import PASSWORD

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.django_db


def test_healthz_answers_ok_without_logging_in(anon):
    response = anon.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_503_when_the_database_is_unreachable(anon, monkeypatch):
    class Down:
        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr("studylog.health.connection", Down())
    response = anon.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


@override_settings(SECURE_SSL_REDIRECT=True)
def test_plain_http_is_sent_to_https_except_the_health_check(anon):
    assert anon.get("/healthz").status_code == 200
    response = anon.get(reverse("login"))
    assert response.status_code == 301
    assert response["Location"].startswith("https://")


def log_in(client: Client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_five_wrong_passwords_lock_the_login_out(team_member):
    client = Client()
    for _ in range(4):
        assert log_in(client, team_member.username, "wrong-password").status_code == 200
    assert log_in(client, team_member.username, "wrong-password").status_code == 429
    locked = log_in(client, team_member.username, PASSWORD)  # even the right one, now
    assert locked.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in locked.templates]
    assert "_auth_user_id" not in client.session


def test_a_right_password_resets_the_count(team_member, team_admin):
    client = Client()
    for _ in range(4):
        log_in(client, team_member.username, "wrong-password")
    assert log_in(client, team_member.username, PASSWORD).status_code == 302
    for _ in range(4):
        log_in(Client(), team_member.username, "wrong-password")
    assert log_in(Client(), team_member.username, PASSWORD).status_code == 302
    # The lockout is per username: the admin was never locked.
    assert log_in(Client(), team_admin.username, PASSWORD).status_code == 302


# What the test run itself sets (the browser tests allow sync ORM calls in Playwright's
# event loop), which a production process would not have.
TEST_ONLY = {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE", "LOG_FORMAT"}


def manage(*args, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in TEST_ONLY}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="a-long-random-production-key-" + "x9Q2" * 12,
        ALLOWED_HOSTS="studylog.example",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_debug_off_without_a_secret_key_refuses_to_start():
    result = manage("check", ALLOWED_HOSTS="studylog.example")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_logs_are_one_json_object_per_line():
    script = (
        "import django, logging; django.setup(); "
        "logging.getLogger('studylog.test').warning('디스크 %s', 'full', extra={'team': 'alpha'})"
    )
    clean = {k: v for k, v in os.environ.items() if k not in TEST_ONLY}
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "studylog.settings",
            "SECRET_KEY": "a-long-random-production-key-" + "x9Q2" * 12,
            "ALLOWED_HOSTS": "studylog.example",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    lines = [line for line in result.stderr.splitlines() if line.startswith("{")]
    record = json.loads(lines[-1])
    assert record["level"] == "WARNING" and record["logger"] == "studylog.test"
    assert record["message"] == "디스크 full" and record["team"] == "alpha"
    assert "time" in record


@pytest.mark.urls("tests.urls_db_down")
def test_an_unreachable_database_answers_503_with_retry_after(client, caplog):
    response = client.get("/down/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "database" in caplog.text
