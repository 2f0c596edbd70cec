"""Two gunicorn app servers on one database: each with its own search index, sharing one
cache (the file cache of this machine, or Redis), and both serve a curator's change at
once. They read committed rows, so these run on PostgreSQL (SQLite's test database
lives in this process's memory)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from articles.services import curation

from ..conftest import ROOT
from ..factories import make_story

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")
REDIS = "redis://127.0.0.1:6379/11"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url(settings_dict: dict) -> str:
    user = settings_dict["USER"] or ""
    password = f":{settings_dict['PASSWORD']}" if settings_dict["PASSWORD"] else ""
    host = settings_dict["HOST"] or "127.0.0.1"
    port = settings_dict["PORT"] or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def wait_until(condition, seconds: float = 5.0):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s")
        time.sleep(0.1)


@pytest.fixture
def app_servers(tmp_path: Path):
    """start(n, **env) -> base URLs of n gunicorn servers, each a worker and an index."""
    if connection.vendor != "postgresql":
        pytest.skip("app servers in other processes need a database they can reach: PostgreSQL")
    started: list[subprocess.Popen] = []
    replicas = [
        database_url({**django_settings.DATABASES[alias], "NAME": connection.settings_dict["NAME"]})
        for alias in django_settings.NEWSARCHIVE_DATABASE_REPLICAS
    ]

    def start(count: int, **env: str) -> list[str]:
        urls = []
        for n in range(count):
            port = free_port()
            index = tmp_path / f"index-{n}"
            server_env = {
                **os.environ,
                "DATABASE_URL": database_url(connection.settings_dict),
                "DATABASE_REPLICA_URLS": ",".join(replicas),
                "NEWSARCHIVE_SEARCH_INDEX": str(index),
                "NEWSARCHIVE_SEARCH_NODE": f"server-{n}",
                "DJANGO_DEBUG": "1",  # static files without collectstatic
                **env,
            }
            started.append(
                subprocess.Popen(
                    [sys.executable, "-m", "gunicorn", "newsarchive.wsgi", "--workers", "1",
                     "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
                    cwd=ROOT, env=server_env, start_new_session=True,
                )
            )  # fmt: skip
            urls.append(f"http://127.0.0.1:{port}")
        for url in urls:
            wait_until(lambda url=url: _answers(url), seconds=30)
        return urls

    yield start
    for process in started:
        os.killpg(process.pid, signal.SIGTERM)
    for process in started:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def _answers(url: str) -> bool:
    try:
        return get(f"{url}/healthz")[0] == 200
    except OSError:
        return False


def hide_reaches_both(urls: list[str], *, at_once: bool) -> None:
    story = make_story("Harbour opens", "The harbour opened at dawn.")
    page = story.get_absolute_url()
    for url in urls:
        assert get(f"{url}/readyz")[0] == 200
        assert get(f"{url}{page}")[0] == 200  # now in the shared page cache
        assert "Harbour opens" in get(f"{url}/")[1]
        assert str(story.pk) in get(f"{url}/api/stories/?q=harbour")[1]  # its own index
    curation.article_set_public(article=story, is_public=False)  # what the admin's hide calls

    def hidden_everywhere() -> bool:
        return all(
            get(f"{url}{page}")[0] == 404
            and "Harbour opens" not in get(f"{url}/")[1]
            and str(story.pk) not in get(f"{url}/api/stories/?q=harbour")[1]
            for url in urls
        )

    if at_once:
        assert hidden_everywhere()
    else:
        wait_until(hidden_everywhere)


def test_two_servers_sharing_this_machines_file_cache_both_hide_a_story_at_once(app_servers):
    folder = django_settings.CACHES["default"].get("LOCATION")
    if not django_settings.CACHES["default"]["BACKEND"].endswith("FileBasedCache"):
        pytest.skip("the test run's cache is not the file cache")
    urls = app_servers(2, NEWSARCHIVE_CACHE_DIR=folder, DJANGO_REDIS_URL="")
    hide_reaches_both(urls, at_once=True)


def test_two_servers_sharing_redis_both_hide_a_story_at_once(app_servers, settings):
    host, port = "127.0.0.1", 6379
    with socket.socket() as probe:
        probe.settimeout(0.5)
        if probe.connect_ex((host, port)) != 0:
            pytest.skip(f"no Redis on {host}:{port}")
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS,
            "KEY_PREFIX": prefix,
        }
    }
    urls = app_servers(2, DJANGO_REDIS_URL=REDIS, DJANGO_CACHE_KEY_PREFIX=prefix)
    hide_reaches_both(urls, at_once=True)


@pytest.mark.replica
def test_two_servers_reading_a_replica_both_show_an_admin_edit_within_seconds(app_servers):
    if not django_settings.NEWSARCHIVE_DATABASE_REPLICAS:
        reason = "no replica configured (make test-replica TEST_REPLICA_URL=…)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    folder = django_settings.CACHES["default"].get("LOCATION")
    urls = app_servers(2, NEWSARCHIVE_CACHE_DIR=str(folder), DJANGO_REDIS_URL="")
    hide_reaches_both(urls, at_once=False)


def test_an_app_server_and_an_ingest_behind_pgbouncer_in_transaction_mode(app_servers, tmp_path):
    """The deployment docs' pgbouncer set-up, run: pages, search, exports and the API
    through pgbouncer in transaction mode, an ingest writing through it, and no session
    setting left on the server connections it hands to the next client."""
    bouncer = os.environ.get("TEST_PGBOUNCER_URL", "")
    if not bouncer:
        reason = "no pgbouncer (.ci/pgbouncer start, then TEST_PGBOUNCER_URL=…:6432/…)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    import psycopg

    through = bouncer.rsplit("/", 1)[0] + "/" + connection.settings_dict["NAME"]
    stories = [
        make_story(
            f"Harbour pier {n} opens",
            f"The harbour opened pier {n} at dawn, Ada Byron said.",
            entities=[("Ada Byron", "person")],
        )
        for n in range(25)
    ]
    folder = django_settings.CACHES["default"].get("LOCATION")
    behind = {
        "DATABASE_URL": through,
        "DATABASE_REPLICA_URLS": "",
        "DJANGO_DISABLE_SERVER_SIDE_CURSORS": "1",
    }
    [url] = app_servers(1, NEWSARCHIVE_CACHE_DIR=str(folder), DJANGO_REDIS_URL="", **behind)
    pages = ["/", stories[0].get_absolute_url(), "/search/?q=harbour", "/people/ada-byron/"]
    for path in [*pages, "/api/stories/?q=harbour", "/feeds/latest/", "/readyz"]:
        assert get(f"{url}{path}")[0] == 200, path
    status, rows = get(f"{url}/search/export.csv?q=harbour")
    assert status == 200 and len(rows.strip().splitlines()) == 1 + 25

    story = tmp_path / "lighthouse.txt"
    story.write_text(
        "Lighthouse relit after a century\n\n"
        "The old lighthouse on the point was relit on Sunday, a hundred years after its "
        "lamp went dark. Volunteers spent four winters repairing the tower.\n\n"
        "The harbour master said ships would use it again from the spring.\n"
    )
    done = subprocess.run(
        [sys.executable, "manage.py", "ingest", str(story)],
        cwd=ROOT, env={**os.environ, **behind}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    wait_until(lambda: "Lighthouse relit" in get(f"{url}/search/?q=lighthouse")[1], seconds=10)
    try:
        with psycopg.connect(through.replace("postgres://", "postgresql://")) as db:
            assert db.execute("SHOW synchronous_commit").fetchone() == ("on",)
    finally:
        # pgbouncer keeps its server connections to the test database, which could then
        # not be dropped: its console closes them.
        console = bouncer.rsplit("/", 1)[0].replace("postgres://", "postgresql://")
        with psycopg.connect(f"{console}/pgbouncer", autocommit=True) as admin:
            admin.execute(f"KILL {connection.settings_dict['NAME']}")
            admin.execute(f"RESUME {connection.settings_dict['NAME']}")
