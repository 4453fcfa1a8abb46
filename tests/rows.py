"""Every row of every Studylog table (many-to-many tables included) and the users:
what a test compares to say "nothing changed".

Read with one plain SELECT per table rather than through the ORM: the permission and
bad-input suites take thousands of these, and building the ORM's queries was most of
their time. Values are as the database driver returns them, which is all an equality
check or a look at a row's strings needs.
"""

import functools

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection


@functools.cache
def _queries() -> list[tuple[str, str]]:
    models = [*apps.get_app_config("peer").get_models(include_auto_created=True)]
    models.append(get_user_model())
    quote = connection.ops.quote_name
    return [
        (
            model._meta.label,
            f"SELECT * FROM {quote(model._meta.db_table)} ORDER BY {quote(model._meta.pk.column)}",
        )
        for model in models
    ]


def every_row() -> dict[str, list[dict]]:
    """{model label: its rows as dicts of column → value, in primary key order}."""
    rows = {}
    with connection.cursor() as cursor:
        for label, sql in _queries():
            cursor.execute(sql)
            columns = [column[0] for column in cursor.description]
            rows[label] = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    return rows
