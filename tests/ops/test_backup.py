"""The database is the only state: a backup restores to the same archive."""

import os
import sqlite3
import subprocess
import sys
import uuid
from contextlib import closing
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from ..conftest import ROOT, SEED

pytestmark = pytest.mark.django_db(transaction=True)


def search_restored(database_url: str, tmp_path, q: str) -> str:
    """Build a new search index from the restored database alone, and search it."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SECRET_KEY": "test",
        "NEWSARCHIVE_SEARCH_INDEX": str(tmp_path / "restored-index"),
    }
    built = subprocess.run(
        [sys.executable, "manage.py", "search_index", "rebuild"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "Indexed 1 stories" in built.stdout
    found = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c",
         "from articles import search; "
         f"print(search.run(search.SearchRequest(query=search.parse({q!r}))).total)"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return found.stdout.strip().splitlines()[-1]


@pytest.fixture
def archive():
    call_command("ingest", str(SEED), stdout=StringIO())


@pytest.mark.skipif("connection.vendor != 'sqlite'", reason="SQLite's backup, on SQLite runs")
def test_sqlite_backup_round_trip(archive, tmp_path):
    target = tmp_path / "backup.sqlite3"
    connection.ensure_connection()
    with closing(sqlite3.connect(target)) as backup:
        connection.connection.backup(backup)  # what `sqlite3 db.sqlite3 ".backup …"` does
    with closing(sqlite3.connect(target)) as restored:
        titles = restored.execute("SELECT title FROM articles_article").fetchall()
        assert titles == [("US criticizes Russia over civilian deaths in Syria",)]
        mentions = restored.execute("SELECT COUNT(*) FROM articles_mention").fetchone()[0]
        assert mentions >= 1
    assert search_restored(f"sqlite:///{target}", tmp_path, "lavrov") == "1"


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="pg_dump, on PostgreSQL runs")
def test_postgres_dump_restore_round_trip(archive, tmp_path):
    import psycopg

    settings = connection.settings_dict
    base = ["-h", settings["HOST"] or "localhost", "-p", str(settings["PORT"] or 5432),
            "-U", settings["USER"]]  # fmt: skip
    dump = tmp_path / "archive.dump"
    subprocess.run(["pg_dump", *base, "-Fc", "-f", str(dump), settings["NAME"]], check=True)
    restored = f"newsarchive_restore_{uuid.uuid4().hex[:8]}"
    subprocess.run(["createdb", *base, restored], check=True)
    try:
        subprocess.run(["pg_restore", *base, "--no-owner", "-d", restored, str(dump)], check=True)
        dsn = f"host={base[1]} port={base[3]} user={base[5]} dbname={restored}"
        with psycopg.connect(dsn) as db:
            titles = db.execute("SELECT title FROM articles_article").fetchall()
            assert titles == [("US criticizes Russia over civilian deaths in Syria",)]
        url = f"postgres://{base[5]}@{base[1]}:{base[3]}/{restored}"
        assert search_restored(url, tmp_path, "lavrov") == "1"
    finally:
        subprocess.run(["dropdb", *base, "--if-exists", "--force", restored], check=True)
