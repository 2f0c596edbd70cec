"""The archive's commands on a database that is not ready: they refuse to start with
what to do, exit 1, and write no traceback (and, not migrated, create no table)."""

import os
import sqlite3
import subprocess
import sys

import pytest

from ..conftest import ROOT


def manage(*args: str, database_url: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update(DJANGO_SECRET_KEY="test-not-secret", DATABASE_URL=database_url)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**env, "DJANGO_ENV_FILE": os.devnull},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "command",
    [
        ("ingest", "--dry-run", "seeds/"),
        ("ingest", "seeds/"),
        ("retag", "--all"),
        ("search_index", "rebuild"),
        ("clusters", "rebuild"),
        ("purge_batch", "1"),
    ],
    ids=lambda command: " ".join(command),
)
def test_a_command_on_a_database_that_is_not_migrated_says_to_migrate(tmp_path, command):
    database = tmp_path / "new.sqlite3"
    result = manage(*command, database_url=f"sqlite:///{database}")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "the database is not migrated" in result.stderr
    assert "run `python manage.py migrate` first" in result.stderr
    tables = sqlite3.connect(database).execute("SELECT name FROM sqlite_master").fetchall()
    assert tables == []


def test_a_command_whose_database_cannot_be_reached_says_so():
    result = manage("retag", "--all", database_url="postgres://postgres@127.0.0.1:9/none")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "cannot reach the database" in result.stderr
