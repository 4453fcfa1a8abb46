"""Search indexes on the per-day documents (sessions/search_index.py), and the documents
of the days that exist already.

On PostgreSQL: a trigram GIN index on the case-folded text, which serves `text LIKE
'%word%'` for words of three characters or more, and a full-text GIN index on the
document's two-character pieces, which serves shorter words (trigrams can't). The
expressions here must stay exactly as sessions/search.py writes them. SQLite searches
the same documents with LIKE. The item-level trigram indexes of 0006 go: search no
longer reads those columns directly.
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
    schema_editor.execute(
        'CREATE INDEX "peer_searchdoc_text_trgm" ON "peer_searchdoc" '
        "USING gin (text gin_trgm_ops)"
    )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute('DROP INDEX IF EXISTS "peer_searchdoc_text_trgm"')
    schema_editor.execute('DROP INDEX IF EXISTS "peer_searchdoc_grams_fts"')
    schema_editor.execute('ALTER TABLE "peer_searchdoc" ALTER COLUMN "grams" TYPE text')


def build_documents(apps, schema_editor):
    # The live indexer, not historical models: it is the one definition of a document.
    from sessions.search_index import reindex_days

    Day = apps.get_model("peer", "Day")
    reindex_days(Day.objects.using(schema_editor.connection.alias).values_list("pk", flat=True))


class Migration(migrations.Migration):
    dependencies = [
        ("peer", "0007_followups_and_search_docs"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes),
        migrations.RunPython(build_documents, migrations.RunPython.noop),
    ]
