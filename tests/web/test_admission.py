"""Searches take a slot of their process to render; beyond its slots and its queue a
search is answered 503 with Retry-After, and every other page is served as before."""

from __future__ import annotations

import threading

import pytest
from django.http import HttpResponse
from django.template import engines
from django.template.response import SimpleTemplateResponse

from articles import admission

from ..factories import make_story

pytestmark = pytest.mark.django_db


@pytest.fixture
def full(settings):
    """Every search slot of this process taken, and no room to wait."""
    settings.NEWSARCHIVE_HEAVY_CONCURRENCY = 1
    settings.NEWSARCHIVE_HEAVY_QUEUE = 0
    slots = admission.slots()
    assert slots.enter(0)
    yield slots
    slots.leave()


def test_slots_let_some_run_some_wait_and_turn_the_rest_away():
    slots = admission.Slots(limit=1, queue=1)
    assert slots.enter(0)  # runs
    waited = []
    waiting = threading.Thread(target=lambda: waited.append(slots.enter(5)))
    waiting.start()
    while slots.waiting == 0:
        pass
    assert not slots.enter(5)  # one running, one waiting: no room, refused at once
    slots.leave()
    waiting.join(5)
    assert waited == [True] and slots.running == 1
    slots.leave()
    assert slots.running == 0 and slots.enter(0)


def test_a_wait_that_runs_out_is_refused():
    slots = admission.Slots(limit=1, queue=1)
    assert slots.enter(0)
    assert not slots.enter(0.05)
    assert slots.waiting == 0 and slots.running == 1


def test_a_search_beyond_the_slots_is_told_the_archive_is_busy(client, full):
    make_story("Harbour opens", "The harbour opened at dawn.")
    page = client.get("/search/", {"q": "harbour"})
    assert page.status_code == 503 and page["Retry-After"] == "2"
    assert "busy with other searches" in page.content.decode()
    api = client.get("/api/stories/", {"q": "harbour"})
    assert api.status_code == 503 and api["Content-Type"] == "application/problem+json"
    assert client.get("/feeds/search/", {"q": "harbour"}).status_code == 503


def test_other_pages_and_stored_searches_need_no_slot(client, settings):
    settings.NEWSARCHIVE_HEAVY_CONCURRENCY = 1
    settings.NEWSARCHIVE_HEAVY_QUEUE = 0
    story = make_story("Harbour opens", "The harbour opened at dawn.")
    assert client.get("/search/", {"q": "harbour"}).status_code == 200  # now stored
    slots = admission.slots()
    assert slots.enter(0)
    try:
        assert client.get("/search/", {"q": "harbour"}).status_code == 200  # from the cache
        assert client.get(story.get_absolute_url()).status_code == 200
        assert client.get("/").status_code == 200
    finally:
        slots.leave()
    assert client.get("/search/", {"q": "dawn"}).status_code == 200  # a slot is free again


def test_the_template_is_rendered_inside_the_slot(settings):
    settings.NEWSARCHIVE_HEAVY_CONCURRENCY = 1
    seen = []

    class Spy(SimpleTemplateResponse):
        def render(self):
            seen.append(admission.slots().running)
            return super().render()

    template = engines["django"].from_string("rendered")
    response = admission.heavy(lambda request: Spy(template))(None)
    assert response.is_rendered and response.content == b"rendered"
    assert seen == [1] and admission.slots().running == 0


def test_a_view_that_fails_gives_its_slot_back(settings):
    settings.NEWSARCHIVE_HEAVY_CONCURRENCY = 1

    def broken(request) -> HttpResponse:
        raise ValueError("broken")

    with pytest.raises(ValueError):
        admission.heavy(broken)(None)
    assert admission.slots().running == 0


def test_unset_searches_are_not_bounded(client, settings):
    settings.NEWSARCHIVE_HEAVY_CONCURRENCY = 1
    settings.NEWSARCHIVE_HEAVY_QUEUE = 0
    slots = admission.slots()
    assert slots.enter(0)
    try:
        settings.NEWSARCHIVE_HEAVY_CONCURRENCY = 0  # the default: sync workers need none
        make_story("Harbour opens", "The harbour opened at dawn.")
        assert client.get("/search/", {"q": "harbour"}).status_code == 200
    finally:
        slots.leave()
