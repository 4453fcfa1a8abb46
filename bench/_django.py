"""Django set up in the bench's own process, on the configured database (DATABASE_URL,
else db.sqlite3), for the in-process benchmarks (bench/save.py, bench/import_posts.py)."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studylog.settings")

import django  # noqa: E402

django.setup()


def require_migrated() -> None:
    """Stop with a clear message when the database lacks migrations."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        sys.exit(
            f"The database has {len(pending)} unapplied migrations; "
            "run `DEBUG=1 .venv/bin/python manage.py migrate` first."
        )
