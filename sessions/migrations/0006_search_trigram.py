"""Trigram indexes for search (sessions/search.py), on PostgreSQL only.

Search filters with `icontains`, which PostgreSQL runs as `UPPER(col::text) LIKE
UPPER(%s)`; a GIN index on `upper(col) gin_trgm_ops` serves exactly that expression.
The indexes are not declared in model Meta (other vendors have no such index), so
this migration creates them itself and is a no-op on SQLite.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

COLUMNS = {
    "peer_day": ["title", "tags"],
    "peer_question": ["question", "answer"],
    "peer_suggestion": ["proposal", "discussion", "outcome"],
    "peer_assignmentreview": ["assignment", "topic", "notes"],
    "peer_freesection": ["heading", "body"],
    "peer_memberlog": ["retrospective"],
}


def _names():
    for table, columns in COLUMNS.items():
        for column in columns:
            yield table, column, f"{table}_{column}_trgm"


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column, name in _names():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" '
            f'USING gin (upper("{column}") gin_trgm_ops)'
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _table, _column, name in _names():
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("peer", "0005_publish_and_import"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
