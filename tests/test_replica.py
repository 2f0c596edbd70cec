"""Reads on a real streaming replica (`make test-replica`; .ci/run starts one with
.ci/replica). Without one these tests skip, and fail under CI."""

from __future__ import annotations

import os
import subprocess
import time

import pytest
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from articles import routing, search
from articles.models import Article
from articles.services import curation

from .factories import make_story
from .test_page_cache import edit_in_admin

pytestmark = [pytest.mark.replica, pytest.mark.django_db(transaction=True, databases="__all__")]


def wait(condition, seconds: float = 15, step: float = 0.1):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"not within {seconds} s: {condition.__doc__ or condition}")


@pytest.fixture(autouse=True)
def replica(settings) -> str:
    if not settings.NEWSARCHIVE_DATABASE_REPLICAS:
        reason = (
            "no replica configured: run `make test-replica TEST_REPLICA_URL=postgres://…` "
            "(`.ci/replica start` makes one on port 5433)"
        )
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    alias = settings.NEWSARCHIVE_DATABASE_REPLICAS[0]
    settings.NEWSARCHIVE_PAGE_CACHE_SECONDS = 0  # every request reads the database
    settings.NEWSARCHIVE_REPLICA_MAX_LAG = 60
    routing.forget_health()
    # The test database was just created on the primary: wait for it to arrive.
    wait(lambda: routing.health(alias, fresh=True).usable)
    yield alias
    replay(alias, paused=False)
    routing.forget_health()


def replay(alias: str, *, paused: bool) -> None:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_is_wal_replay_paused()")
        if cursor.fetchone()[0] != paused:
            action = "pause" if paused else "resume"
            cursor.execute(f"SELECT pg_wal_replay_{action}()")


def on_replica(alias: str, story: Article) -> Article | None:
    return Article.objects.using(alias).filter(pk=story.pk).first()


@pytest.fixture
def story(replica) -> Article:
    story = make_story(
        "Harbour opens", "The harbour opened at dawn.", entities=[("Ada Byron", "person")]
    )
    search.keep_in_step()
    wait(lambda: on_replica(replica, story))
    return story


def article_queries(context) -> list[str]:
    return [q["sql"] for q in context.captured_queries if '"articles_article"' in q["sql"]]


def test_each_kind_of_request_reads_where_it_should(replica, story, admin_client):
    reader = Client()
    public = [
        story.get_absolute_url(),
        "/",
        "/feeds/latest/",
        f"/api/stories/{story.pk}/",
        "/search/?q=harbour",
    ]
    for url in public:
        with (
            CaptureQueriesContext(connections[replica]) as on_replica_,
            CaptureQueriesContext(connections["default"]) as on_primary,
        ):
            assert reader.get(url).status_code == 200, url
        assert article_queries(on_replica_), url
        assert not article_queries(on_primary), url
    with CaptureQueriesContext(connections[replica]) as on_replica_:
        assert admin_client.get("/admin/articles/article/").status_code == 200
        assert admin_client.get(f"/admin/articles/article/{story.pk}/change/").status_code == 200
    assert not on_replica_.captured_queries


def test_a_write_is_seen_by_its_writer_at_once_and_by_readers_once_replicated(
    replica, story, admin_client
):
    reader = Client()
    replay(replica, paused=True)  # hold the replica back, as lag would
    edit_in_admin(admin_client, story, title="Harbour closes")
    assert "Harbour closes" in admin_client.get(story.get_absolute_url()).content.decode()
    assert "Harbour opens" in reader.get(story.get_absolute_url()).content.decode()
    replay(replica, paused=False)

    def reader_sees_it():
        return "Harbour closes" in reader.get(story.get_absolute_url()).content.decode()

    wait(reader_sees_it)


def test_a_replica_further_behind_than_allowed_is_skipped(replica, story, settings):
    reader = Client()
    replay(replica, paused=True)
    curation.article_set_public(article=story, is_public=False)
    settings.NEWSARCHIVE_REPLICA_MAX_LAG = 0.5
    time.sleep(1)
    routing.forget_health()
    assert reader.get(story.get_absolute_url()).status_code == 404  # the primary's answer
    assert not routing.health(replica).usable
    assert routing.health(replica).lag > 0.5


def test_a_stopped_replica_is_skipped_with_no_error_page(replica, story):
    cluster = os.environ.get("TEST_REPLICA_CLUSTER", "")  # e.g. 15/replica
    if not cluster:
        reason = "TEST_REPLICA_CLUSTER (version/name, for pg_ctlcluster) is not set"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    reader = Client(raise_request_exception=False)
    assert reader.get(story.get_absolute_url()).status_code == 200  # a connection is open
    version, name = cluster.split("/")
    subprocess.run(["pg_ctlcluster", version, name, "stop", "-m", "fast"], check=True)
    try:
        routing.mark(replica, usable=True)  # as if checked a moment before it stopped
        for url in [story.get_absolute_url(), "/", f"/api/stories/{story.pk}/", "/feeds/latest/"]:
            response = reader.get(url)
            assert response.status_code == 200, (url, response.status_code)
        assert not routing.health(replica).usable
        assert reader.get("/readyz").status_code == 200  # the primary serves alone
    finally:
        subprocess.run(["pg_ctlcluster", version, name, "start"], check=True)
    routing.forget_health()
    wait(lambda: routing.health(replica, fresh=True).usable)
