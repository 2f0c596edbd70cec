"""Index the order lists use: newest first, undated last (PostgreSQL only).

A plain DESC index sorts NULLs first on PostgreSQL, so it cannot serve ORDER BY
published_at DESC NULLS LAST and every list page sorted the whole table. SQLite
cannot declare NULLS LAST in an index, and puts NULLs last in a DESC order anyway.
"""

from django.db import migrations

CREATE = (
    "CREATE INDEX article_public_newest ON articles_article "
    "(published_at DESC NULLS LAST, id DESC) WHERE is_public"
)
DROP = "DROP INDEX IF EXISTS article_public_newest"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("articles", "0003_curation")]

    operations = [migrations.RunPython(forwards, backwards)]
