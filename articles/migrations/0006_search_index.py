"""Search moves to its own index (articles/search/), kept in step by a change log.

The SQL full-text machinery it replaces goes: SQLite's FTS5 table, PostgreSQL's
stored tsvector (and its GIN index, which goes with the column), and the entity
names copied into each story for them. pg_trgm and its two trigram indexes stay:
they serve the admin's and autocomplete's substring searches of titles and names.
After migrating, `manage.py search_index rebuild` builds the index from the stories.
"""

from django.db import migrations, models


def drop_fts(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS article_fts")


def restore_fts(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            "CREATE VIRTUAL TABLE article_fts USING fts5("
            "title, entity_text, body, tokenize = 'porter unicode61')"
        )


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0005_search_vector_inline'),
    ]

    operations = [
        migrations.RunPython(drop_fts, restore_fts),
        migrations.CreateModel(
            name='SearchChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('article_id', models.BigIntegerField(help_text="The story's id (it may be gone).")),
                ('created_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'ordering': ['id'],
            },
        ),
        migrations.CreateModel(
            name='SearchNode',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=200, unique=True)),
                ('position', models.BigIntegerField(default=0)),
                ('documents', models.PositiveIntegerField(default=0)),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'ordering': ['name'],
            },
        ),
        # The generated vector first: dropping the column it reads would take it along.
        migrations.RemoveField(
            model_name='article',
            name='search_vector',
        ),
        migrations.RemoveField(
            model_name='article',
            name='entity_text',
        ),
        migrations.DeleteModel(
            name='ArticleFTS',
        ),
    ]
