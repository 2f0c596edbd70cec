"""Ingest survives being killed and running twice at once: the database guarantees it."""

import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import closing
from pathlib import Path

import pytest
from django.db import connection

from ..conftest import ROOT

STORIES = 120


def write_stories(folder: Path, count: int = STORIES) -> None:
    folder.mkdir()
    for n in range(count):
        (folder / f"{n:04d}.txt").write_text(
            f"Council story number {n}\n\n"
            f"LONDON, March {n % 28 + 1} - The council met for the {n}th time.\n\n"
            + "\n\n".join(f"Paragraph {p} of story {n} about budgets." for p in range(12)),
            encoding="utf-8",
        )


@pytest.fixture
def database_url(tmp_path):
    """A database of its own, reachable from subprocesses, on the engine under test."""
    if connection.vendor == "postgresql":
        import psycopg

        settings = connection.settings_dict
        name = f"newsarchive_faults_{uuid.uuid4().hex[:8]}"
        dsn = f"host={settings['HOST']} port={settings['PORT'] or 5432} user={settings['USER']}"
        if settings["PASSWORD"]:
            dsn += f" password={settings['PASSWORD']}"
        with psycopg.connect(dsn + " dbname=postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        host = settings["HOST"] or "localhost"
        yield f"postgres://{settings['USER']}@{host}:{settings['PORT'] or 5432}/{name}"
        with psycopg.connect(dsn + " dbname=postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        yield f"sqlite:///{tmp_path / 'faults.sqlite3'}"


def manage(database_url: str, *args: str, **popen) -> subprocess.Popen:
    index = Path(tempfile.gettempdir()) / f"na-faults-index-{uuid.uuid4().hex}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SECRET_KEY": "test",
        "NEWSARCHIVE_SEARCH_INDEX": str(index),
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


def query(database_url: str, sql: str) -> list[tuple]:
    if database_url.startswith("sqlite:///"):
        with closing(sqlite3.connect(database_url.removeprefix("sqlite:///"))) as db:
            return db.execute(sql).fetchall()
    import psycopg

    with psycopg.connect(database_url.replace("postgres://", "postgresql://")) as db:
        return db.execute(sql).fetchall()


def migrate(database_url: str) -> None:
    process = manage(database_url, "migrate", "--noinput", "-v0")
    _, err = process.communicate(timeout=300)
    assert process.returncode == 0, err


def count_stories(database_url: str) -> int:
    return query(database_url, "SELECT COUNT(*) FROM articles_article")[0][0]


def assert_consistent(database_url: str) -> None:
    """No duplicate and no partial story: every story has its topic mention and text."""
    rows = query(
        database_url,
        "SELECT a.id, a.title, COUNT(m.id) FROM articles_article a "
        "LEFT JOIN articles_mention m ON m.article_id = a.id GROUP BY a.id, a.title",
    )
    titles = [title for _, title, _ in rows]
    assert len(titles) == len(set(titles)) == STORIES
    empty = query(database_url, "SELECT COUNT(*) FROM articles_article WHERE word_count = 0")
    assert empty[0][0] == 0
    # Every story committed its search change with it: the index can miss none.
    logged = query(
        database_url,
        "SELECT COUNT(*) FROM articles_article a WHERE EXISTS "
        "(SELECT 1 FROM articles_searchchange c WHERE c.article_id = a.id)",
    )
    assert logged[0][0] == STORIES
    hashes = query(
        database_url, "SELECT COUNT(DISTINCT content_hash), COUNT(*) FROM articles_article"
    )[0]
    assert hashes[0] == hashes[1] == STORIES


@pytest.mark.django_db
def test_kill_9_then_rerun_finishes_with_no_partial_or_duplicate(tmp_path, database_url):
    folder = tmp_path / "stories"
    write_stories(folder)
    migrate(database_url)
    process = manage(database_url, "ingest", "-v0", str(folder), start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if count_stories(database_url) >= 20:
            break
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    stored = count_stories(database_url)
    assert 0 < stored < STORIES, "the ingest should have been killed part-way"

    rerun = manage(database_url, "ingest", "-v1", str(folder))
    out, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, err
    assert f"{STORIES - stored} created" in out
    assert f"{stored} unchanged" in out
    assert_consistent(database_url)


@pytest.mark.django_db
def test_two_ingests_of_one_folder_at_once_make_no_duplicate(tmp_path, database_url):
    folder = tmp_path / "stories"
    write_stories(folder)
    migrate(database_url)
    first = manage(database_url, "ingest", "-v0", str(folder))
    second = manage(database_url, "ingest", "-v0", str(folder))
    for process in (first, second):
        _, err = process.communicate(timeout=600)
        assert process.returncode == 0, err
    assert_consistent(database_url)


@pytest.mark.django_db
def test_content_hash_uniqueness_is_a_database_constraint():
    from articles.models import Article

    field = Article._meta.get_field("content_hash")
    assert field.unique
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Article._meta.db_table)
    assert any(c["unique"] and c["columns"] == ["content_hash"] for c in constraints.values())


def test_killing_the_ingest_alone_leaves_no_worker_behind(tmp_path, database_url):
    """kill -9 of the command alone (not its process group): its workers stop too."""
    folder = tmp_path / "stories"
    write_stories(folder, count=600)
    migrate(database_url)
    process = manage(
        database_url, "ingest", "-v0", "--workers", "2", str(folder), start_new_session=True
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if count_stories(database_url) >= 5:
            break
        time.sleep(0.2)
    assert process.poll() is None, "the ingest finished before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 15
    left: list[str] = []
    while time.monotonic() < deadline:
        found = subprocess.run(
            ["pgrep", "-g", str(process.pid)], capture_output=True, text=True
        ).stdout.split()
        left = [pid for pid in found if not _is_zombie(pid)]
        if not left:
            break
        time.sleep(0.5)
    assert not left, f"workers still running after the ingest was killed: {left}"


def _is_zombie(pid: str) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True
