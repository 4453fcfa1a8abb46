"""The stems of each search document's Korean words (sessions/korean.py), and every
existing document rebuilt with them, so that a team's search finds "기울기가" and
"보였다" by their stems from the moment the migration has run.

The rebuild also puts the stems into PostgreSQL's full-text column (`grams`), beside
the two-character pieces, under the same GIN index (0008): no new index.
"""

from django.db import migrations, models


def rebuild_documents(apps, schema_editor):
    # The live indexer, as in 0008: it is the one definition of a document.
    from sessions.search_index import reindex_days

    Day = apps.get_model("peer", "Day")
    reindex_days(Day.objects.using(schema_editor.connection.alias).values_list("pk", flat=True))


class Migration(migrations.Migration):
    dependencies = [
        ("peer", "0016_invitations"),
    ]

    operations = [
        migrations.AddField(
            model_name="searchdoc",
            name="stems",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.RunPython(rebuild_documents, migrations.RunPython.noop),
    ]
