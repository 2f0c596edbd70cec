"""The first five minutes: `make run`'s .env makes every README command work in a new
shell, and production without a setting says so in one line, not a traceback."""

import os
import subprocess
import sys

import pytest

from .conftest import ROOT


def manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def clean_env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return {**env, **extra}


def test_a_dot_env_file_turns_debug_on_with_its_own_key(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "# written by make run\nDJANGO_DEBUG=1\nDJANGO_SECRET_KEY='a-generated-key-for-dev'\n",
        encoding="utf-8",
    )
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DEBUG, settings.SECRET_KEY)",
        env=clean_env(DJANGO_ENV_FILE=str(dotenv)),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "True a-generated-key-for-dev"


def test_the_environment_wins_over_the_dot_env_file(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("DJANGO_DEBUG=1\n", encoding="utf-8")
    result = manage("check", env=clean_env(DJANGO_ENV_FILE=str(dotenv), DJANGO_DEBUG="0"))
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_a_missing_setting_is_one_clear_line_not_a_traceback(tmp_path):
    result = manage("check", env=clean_env(DJANGO_ENV_FILE=str(tmp_path / "none")))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == [
        "newsarchive is not configured: DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off "
        "(`make run` writes a development one to .env)."
    ]


def test_the_web_server_says_it_in_one_line_too(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", "import newsarchive.wsgi"],
        cwd=ROOT,
        env=clean_env(DJANGO_ENV_FILE=str(tmp_path / "none")),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 3
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().startswith("newsarchive is not configured: DJANGO_SECRET_KEY")


def test_make_run_writes_a_git_ignored_dot_env():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "run: $(RUN_STAMP) .env" in makefile
    assert "/.env" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    check = subprocess.run(
        ["git", "check-ignore", "-q", ".env"], cwd=ROOT, capture_output=True, text=True
    )
    assert check.returncode == 0


@pytest.mark.django_db
def test_postgresql_connections_leave_jit_and_parallel_workers_off():
    """Small page queries paid more for JIT compilation and parallel workers than they
    saved (an entity page's listing: 42 ms of JIT in 78 ms)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("JIT and parallel workers are PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == "0"
