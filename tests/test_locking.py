"""Saves that run at once on PostgreSQL wait for each other instead of deadlocking.

SQLite takes one writer at a time; these run where DATABASE_URL is PostgreSQL (CI's
second pass) and skip elsewhere.
"""

import datetime
import threading
import time

import psycopg
import pytest
from django.db import connection, connections

from sessions import services
from sessions.forms.day import DayForm
from sessions.models import Day

from .factories import DayFactory


def other_connection() -> psycopg.Connection:
    """A second session on the test database, as another request's would be."""
    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"],
        dbname=db["NAME"], connect_timeout=5,
    )  # fmt: skip


def test_a_new_day_and_a_save_on_a_later_day_at_once(transactional_db, team, team_member):
    """Someone creates an earlier day (later days are renumbered, so their rows are
    locked) while another save holds a later day and has written a row of the team's:
    both go through, one after the other."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's: SQLite writes one transaction at a time")
    later = DayFactory(team=team, date=datetime.date(2024, 3, 12), number=1)
    data = {"date": "2024-03-11", "date_confirm": "2024-03-11", "title": "", "tags": ""}
    form = DayForm(data, team=team)
    assert form.is_valid(), form.errors
    other = other_connection()
    other.execute("UPDATE peer_day SET version = version + 1 WHERE id = %s", [later.pk])
    other.execute(  # its foreign key to the team is checked when it commits
        "INSERT INTO peer_skippeddate (team_id, date, reason) VALUES (%s, %s, '')",
        [team.pk, datetime.date(2024, 5, 1)],
    )

    failures = []

    def create():
        try:
            services.create_day(form, team=team, user=team_member)
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(error)
        finally:
            connections.close_all()

    creating = threading.Thread(target=create)
    creating.start()
    deadline = time.monotonic() + 10
    while not other.execute("SELECT count(*) FROM pg_locks WHERE NOT granted").fetchone()[0]:
        assert time.monotonic() < deadline, "the new day never waited for the later day's row"
        time.sleep(0.02)
    other.commit()  # a deadlock would fail this commit or the creation
    other.close()
    creating.join(timeout=30)
    assert not creating.is_alive() and not failures, failures
    assert list(
        Day.objects.filter(team=team).order_by("date").values_list("number", flat=True)
    ) == [
        1,
        2,
    ]


def test_every_row_lock_leaves_foreign_key_checks_alone():
    """A plain FOR UPDATE blocks other transactions' foreign-key checks on that row at
    their commit, which deadlocked a new day with a save (above): every lock the app
    takes is FOR NO KEY UPDATE."""
    import re
    from pathlib import Path

    app = Path(__file__).resolve().parents[1] / "sessions"
    plain = [
        f"{path.relative_to(app.parent)}: select_for_update({args})"
        for path in app.rglob("*.py")
        for args in re.findall(r"select_for_update\(([^)]*)\)", path.read_text())
        if "no_key=True" not in args
    ]
    assert not plain, plain
