"""Slow pages beside fast ones: how many searches a process renders at once.

A search over a large archive costs tens of milliseconds of CPU; a story page from the
page cache costs well under one. With threaded workers (gunicorn's gthread), a process
serves both at once, but if every thread were rendering a search, a story page would
wait behind them. With NEWSARCHIVE_HEAVY_CONCURRENCY set, the pages that run a search
(`heavy`) take one of that many slots per process to render, at most
NEWSARCHIVE_HEAVY_QUEUE more wait for one (up to NEWSARCHIVE_HEAVY_WAIT_SECONDS), and a
search beyond those is answered at once with 503 and Retry-After, saying the archive is
busy. The other threads stay free for every other page. A search served from the page
cache takes no slot: the cache is looked in before `heavy` runs.

Unset (0), searches are not bounded: with the default sync workers a process renders
one page at a time anyway. docs/deployment.md ("Worker model") has the measurements:
the bound gives fast pages most of the machine under a flood of searches, by turning
most of the flood away.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string


class Slots:
    """`limit` at once, `queue` more waiting; the rest are turned away."""

    def __init__(self, limit: int, queue: int) -> None:
        self.limit, self.queue = max(1, limit), max(0, queue)
        self.running = self.waiting = 0
        self._changed = threading.Condition()

    def enter(self, timeout: float) -> bool:
        with self._changed:
            if self.running >= self.limit and self.waiting >= self.queue:
                return False
            self.waiting += 1
            try:
                free = self._changed.wait_for(lambda: self.running < self.limit, timeout)
            finally:
                self.waiting -= 1
            if free:
                self.running += 1
            return free

    def leave(self) -> None:
        with self._changed:
            self.running -= 1
            self._changed.notify()


_slots: Slots | None = None
_slots_lock = threading.Lock()


def slots() -> Slots:
    """This process's slots, made again when the settings change (tests override them)."""
    global _slots
    limit, queue = settings.NEWSARCHIVE_HEAVY_CONCURRENCY, settings.NEWSARCHIVE_HEAVY_QUEUE
    with _slots_lock:
        if _slots is None or (_slots.limit, _slots.queue) != (max(1, limit), max(0, queue)):
            _slots = Slots(limit, queue)
        return _slots


def busy(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: problem+json on the API, the site's page elsewhere."""
    from .middleware import api_prefix

    detail = "The archive is busy with other searches; try again in a few seconds."
    if request.path.startswith(api_prefix()):
        from .api import problem

        response: HttpResponse = problem(503, detail)
    else:
        response = HttpResponse(
            render_to_string("503_busy.html"), status=503, content_type="text/html; charset=utf-8"
        )
    response["Retry-After"] = str(settings.NEWSARCHIVE_HEAVY_RETRY_AFTER)
    return response


def heavy(view: Callable) -> Callable:
    """Render `view` in one of the process's search slots, its template included."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if settings.NEWSARCHIVE_HEAVY_CONCURRENCY <= 0:
            return view(request, *args, **kwargs)
        held = slots()
        if not held.enter(settings.NEWSARCHIVE_HEAVY_WAIT_SECONDS):
            return busy(request)
        try:
            response = view(request, *args, **kwargs)
            if callable(getattr(response, "render", None)) and not response.is_rendered:
                response.render()  # the costly half of the page, inside the slot
            return response
        finally:
            held.leave()

    return wrapper
