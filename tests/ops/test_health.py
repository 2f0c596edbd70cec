"""/healthz and /readyz, for a load balancer."""

from __future__ import annotations

import pytest
from django.db import DatabaseError

from articles import health, search

from ..factories import make_story


def test_healthz_answers_without_the_database(client):
    response = client.get("/healthz")  # no database access is allowed here
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_is_ready_with_the_database_cache_and_an_index_in_step(client):
    make_story("Harbour opens", "The harbour opened at dawn.")
    search.keep_in_step()
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "ready"
    assert response.json()["checks"]["search_index_lag"] == 0
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_is_not_ready_while_the_index_lags(client, settings):
    make_story("Harbour opens", "The harbour opened at dawn.")
    search.keep_in_step()
    for n in range(3):
        make_story(f"Quay {n} opens", f"Quay number {n} opened.")
    settings.NEWSARCHIVE_READY_MAX_INDEX_LAG = 2
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 503 and "3 changes behind" in body["detail"]
    assert body["checks"]["search_index_lag"] == 3
    assert response["Retry-After"]
    search.keep_in_step()
    assert client.get("/readyz").status_code == 200


@pytest.mark.django_db
def test_readyz_is_not_ready_when_a_big_archive_has_no_index(client, settings):
    make_story("Harbour opens", "The harbour opened at dawn.")
    settings.NEWSARCHIVE_SEARCH_INLINE_BUILD = 0
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "not been built" in response.json()["detail"]


@pytest.mark.django_db
def test_readyz_is_not_ready_without_the_database_or_the_cache(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise DatabaseError("down")

    monkeypatch.setattr(health.cache, "set", refuse)
    response = client.get("/readyz")
    assert response.status_code == 503 and "cache" in response.json()["detail"]
    monkeypatch.undo()
    monkeypatch.setattr(health, "_database", lambda: "the database does not answer")
    response = client.get("/readyz")
    assert response.status_code == 503 and "database" in response.json()["detail"]


def test_health_endpoints_are_read_only(client):
    assert client.post("/healthz").status_code == 405
