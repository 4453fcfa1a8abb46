"""Search indexes on the per-day documents (sessions/search_index.py), and the documents
of the days that exist already.

On PostgreSQL: a GIN full-text index on each document's two-character pieces, which
sessions/search.py asks for every word (a longer word is then confirmed with strpos()).
SQLite searches the same documents with LIKE. The item-level trigram indexes of 0006
go: search no longer reads those columns.

Why not a trigram index on the documents' text, as 0006 had on the items? It was
measured (bench/search.py, 10,000 days × 30 items): pg_trgm always asks for its
matches to be rechecked, and the recheck reads each candidate document's whole text
before the team and scope tests can throw it out, so one rare word cost 58 ms in
candidates from other teams and scopes. The pieces index answers exactly, the team and
scope tests come first, and the same word took 20 ms. The pg_trgm extension itself
stays installed (0006); nothing uses it now.
"""

from django.db import migrations

COLUMNS_0006 = {
    "peer_day": ["title", "tags"],
    "peer_question": ["question", "answer"],
    "peer_suggestion": ["proposal", "discussion", "outcome"],
    "peer_assignmentreview": ["assignment", "topic", "notes"],
    "peer_freesection": ["heading", "body"],
    "peer_memberlog": ["retrospective"],
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, columns in COLUMNS_0006.items():
        for column in columns:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{table}_{column}_trgm"')
    # The model says TextField (SQLite keeps it empty); PostgreSQL stores a real tsvector,
    # written as a tsvector literal, so a match never re-parses it.
    schema_editor.execute(
        'ALTER TABLE "peer_searchdoc" ALTER COLUMN "grams" TYPE tsvector USING \'\'::tsvector'
    )
    # lz4 reads back several times faster than the default pglz, and a search that
    # confirms a word reads the documents it checks; a server built without it keeps pglz.
    schema_editor.execute(
        "DO $$ BEGIN "
        'ALTER TABLE "peer_searchdoc" ALTER COLUMN "text" SET COMPRESSION lz4, '
        'ALTER COLUMN "grams" SET COMPRESSION lz4; '
        "EXCEPTION WHEN feature_not_supported THEN NULL; END $$"
    )
    schema_editor.execute(
        'CREATE INDEX "peer_searchdoc_grams_fts" ON "peer_searchdoc" '
        "USING gin (grams)"
    )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute('DROP INDEX IF EXISTS "peer_searchdoc_grams_fts"')
    schema_editor.execute('ALTER TABLE "peer_searchdoc" ALTER COLUMN "grams" TYPE text')


def build_documents(apps, schema_editor):
    # Nothing here now: the live indexer writes columns that later migrations add
    # (SearchDoc.stems, 0017), so it can only run at the end; 0017 builds every document.
    pass


class Migration(migrations.Migration):
    dependencies = [
        ("peer", "0007_followups_and_search_docs"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes),
        migrations.RunPython(build_documents, migrations.RunPython.noop),
    ]
