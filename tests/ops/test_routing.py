"""Where reads and writes go, decided without a replica: a replica alias that does not
exist fails any query sent to it, so a test that reads proves it read the primary."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.core import signing
from django.http import HttpResponse
from django.test import RequestFactory

from articles import caching, routing, search
from articles.models import Article, SearchChange
from articles.search import SearchRequest
from articles.services.archive import archive_changed

from ..factories import make_story

router = routing.PrimaryReplicaRouter()
rf = RequestFactory()


@pytest.fixture(autouse=True)
def one_replica(settings):
    settings.NEWSARCHIVE_DATABASE_REPLICAS = ["replica1"]
    routing.forget_health()
    routing.mark("replica1", usable=True)
    yield
    routing.forget_health()


def serve(request, view=None):
    """Run `request` through the middleware; returns (response, where Article reads went)."""
    seen = {}

    def get_response(request):
        seen["article"] = router.db_for_read(Article)
        if view:
            return view(request)
        return HttpResponse("ok")

    response = routing.ReplicaReadsMiddleware(get_response)(request)
    return response, seen.get("article")


@pytest.mark.parametrize(
    "path", ["/", "/stories/1-a/", "/people/ada/", "/feeds/latest/", "/api/stories/", "/search/"]
)
def test_public_pages_feeds_and_the_api_read_a_replica(path):
    assert serve(rf.get(path))[1] == "replica1"
    assert serve(rf.head(path))[1] == "replica1"


@pytest.mark.parametrize(
    "request_",
    [rf.get("/admin/"), rf.get("/admin/articles/article/1/change/"), rf.post("/"), rf.put("/api/")],
    ids=["admin", "admin-change", "post", "put"],
)
def test_the_admin_and_unsafe_methods_read_the_primary(request_):
    assert serve(request_)[1] == "default"


def test_outside_a_request_everything_is_the_primary():
    # Management commands: ingest, retag, purge_batch, search_index.
    assert router.db_for_read(Article) == routing.PRIMARY
    assert router.db_for_write(Article) == routing.PRIMARY


def test_migrations_run_on_the_primary_only():
    assert router.allow_migrate("default", "articles")
    assert not router.allow_migrate("replica1", "articles")


def test_sign_in_state_and_the_change_log_are_read_from_the_primary():
    seen = {}

    def view(request):
        seen.update(
            {m.__name__: router.db_for_read(m) for m in (Session, User, SearchChange, Article)}
        )
        return HttpResponse()

    serve(rf.get("/"), view)
    assert seen == {
        "Session": "default",
        "User": "default",
        "SearchChange": "default",
        "Article": "replica1",
    }


def test_a_write_reads_the_primary_at_once_and_sets_the_cookie():
    seen = {}

    def view(request):
        seen["before"] = router.db_for_read(Article)
        router.db_for_write(Article)
        seen["after"] = router.db_for_read(Article)
        return HttpResponse()

    response, _ = serve(rf.get("/"), view)
    assert seen == {"before": "replica1", "after": "default"}
    cookie = response.cookies[routing.COOKIE]
    assert cookie["httponly"] and int(cookie["max-age"]) >= 10


@pytest.mark.django_db
def test_a_service_that_changes_the_archive_sets_the_cookie():
    def view(request):
        archive_changed()
        return HttpResponse()

    assert routing.COOKIE in serve(rf.get("/"), view)[0].cookies


def test_a_reader_who_wrote_reads_the_primary_until_the_cookie_expires(settings, monkeypatch):
    written, _ = serve(rf.post("/admin/articles/article/1/change/"), lambda r: _write())
    value = written.cookies[routing.COOKIE].value
    request = rf.get("/")
    request.COOKIES[routing.COOKIE] = value
    assert serve(request)[1] == "default"
    # Later than NEWSARCHIVE_PRIMARY_AFTER_WRITE: the replica again.
    later = time.time() + settings.NEWSARCHIVE_PRIMARY_AFTER_WRITE + 1
    monkeypatch.setattr(signing.time, "time", lambda: later)
    assert serve(request)[1] == "replica1"


def test_a_forged_cookie_does_not_pin_the_primary():
    request = rf.get("/")
    request.COOKIES[routing.COOKIE] = "1"
    assert serve(request)[1] == "replica1"


def _write():
    router.db_for_write(Article)
    return HttpResponse()


def test_a_replica_that_is_down_or_behind_is_skipped(settings, monkeypatch):
    settings.NEWSARCHIVE_REPLICA_MAX_LAG = 5
    settings.NEWSARCHIVE_REPLICA_CHECK_SECONDS = 60
    for lag, expected in [(None, "default"), (30.0, "default"), (0.5, "replica1")]:
        routing.forget_health()
        monkeypatch.setattr(routing, "probe", lambda alias, lag=lag: lag)
        assert serve(rf.get("/"))[1] == expected, lag


def test_replica_health_is_checked_once_per_interval(settings, monkeypatch):
    settings.NEWSARCHIVE_REPLICA_CHECK_SECONDS = 60
    routing.forget_health()
    calls = []
    monkeypatch.setattr(routing, "probe", lambda alias: calls.append(alias) or 0.0)
    for _ in range(5):
        serve(rf.get("/"))
    assert calls == ["replica1"]


def test_a_page_that_failed_on_a_replica_gone_away_is_answered_from_the_primary(monkeypatch):
    answers = []

    def view(request):
        where = router.db_for_read(Article)
        answers.append(where)
        return HttpResponse(status=500 if where == "replica1" else 200)

    monkeypatch.setattr(routing, "probe", lambda alias: None)
    response, _ = serve(rf.get("/"), view)
    assert response.status_code == 200
    assert answers == ["replica1", "default"]
    assert not routing.health("replica1").usable


def test_a_failure_on_a_healthy_replica_is_not_retried(monkeypatch):
    monkeypatch.setattr(routing, "probe", lambda alias: 0.0)
    response, _ = serve(rf.get("/"), lambda request: HttpResponse(status=500))
    assert response.status_code == 500


@pytest.mark.django_db
def test_search_reads_its_log_and_documents_from_the_primary():
    # Any read sent to "replica1" would fail: the alias is not configured.
    story = make_story("Harbour opens", "The harbour opened at dawn.")

    def view(request):
        found = search.run(SearchRequest(query=search.parse("harbour")))
        return HttpResponse(",".join(map(str, found.ids)))

    response, where = serve(rf.get("/search/?q=harbour"), view)
    assert where == "replica1"
    assert response.content.decode() == str(story.pk)


def _page_view(calls: list) -> Callable:
    @caching.cached_page
    def page(request):
        calls.append(1)
        return HttpResponse("page")

    def view(request):
        request.user = type("Anonymous", (), {"is_authenticated": False})()
        return page(request)

    return view


def _fragment_view(calls: list) -> Callable:
    def view(request):
        caching.cached_fragment("count", lambda: calls.append(1) or len(calls), 60)
        return HttpResponse("page")

    return view


@pytest.mark.django_db
@pytest.mark.parametrize("make_view", [_page_view, _fragment_view], ids=["page", "fragment"])
def test_what_a_replica_renders_just_after_a_change_is_not_stored(settings, monkeypatch, make_view):
    """A page, or a page's kept counts (cached_fragment), that a replica rendered just
    after a change could hold the archive from before it: neither is stored then."""
    settings.NEWSARCHIVE_PAGE_CACHE_SECONDS = 60
    monkeypatch.setattr(routing, "probe", lambda alias: 0.0)
    calls: list = []
    view = make_view(calls)
    archive_changed()
    serve(rf.get("/"), view)
    serve(rf.get("/"), view)
    assert len(calls) == 2  # rendered twice: not stored while a replica may lag
    settings.NEWSARCHIVE_REPLICA_MAX_LAG = 0
    settings.NEWSARCHIVE_REPLICA_CHECK_SECONDS = 0
    serve(rf.get("/"), view)
    serve(rf.get("/"), view)
    assert len(calls) == 3  # stored once the window has passed
