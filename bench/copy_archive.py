"""Copy a SQLite benchmark archive's rows into a fresh PostgreSQL database.

The growth benchmark ingests its 100k stories once, into SQLite, and times that; the
PostgreSQL archives it searches are the same rows (sources, batches, entities,
aliases, story clusters, stories, mentions) copied with COPY, so both engines search identical
archives. PostgreSQL builds its indexes as the rows arrive, and is vacuumed and
analysed afterwards, as autovacuum would leave it; each archive's search index is built
from it by the project's own `search_index rebuild`.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing

from .common import fresh_database

TABLES = [
    "articles_source",
    "articles_ingestbatch",
    "articles_entity",
    "articles_entityalias",
    "articles_storycluster",
    "articles_article",
    "articles_mention",
]


def copy(sqlite_path: str, name: str) -> str:
    """The URL of database `name`, made fresh and filled with the rows at `sqlite_path`."""
    import psycopg

    url = fresh_database("postgresql", name)
    with (
        closing(sqlite3.connect(sqlite_path)) as lite,
        psycopg.connect(url.replace("postgres://", "postgresql://")) as pg,
    ):
        pg.execute("SET TimeZone = 'UTC'")  # SQLite holds UTC timestamps without a zone
        for table in TABLES:
            lite_columns = [row[1] for row in lite.execute(f"PRAGMA table_info({table})")]
            pg_columns = {
                row[0]
                for row in pg.execute(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_name = %s AND is_generated = 'NEVER'",
                    [table],
                )
            }
            columns = ", ".join(f'"{c}"' for c in lite_columns if c in pg_columns)
            with pg.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as rows:
                for row in lite.execute(f"SELECT {columns} FROM {table}"):
                    rows.write_row(row)
            pg.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"coalesce(max(id), 1)) FROM {table}"
            )
        pg.commit()
    with psycopg.connect(url.replace("postgres://", "postgresql://"), autocommit=True) as pg:
        pg.execute("VACUUM ANALYZE")
    return url
