"""Whole browse pages for readers who are not signed in, kept until the archive changes.

A page is stored by Django's own cache machinery (`cache_page`: the URL, the Vary
headers, Cache-Control) under a key prefix holding the archive's *generation*, a
number every change to the archive moves on. A change therefore makes every stored
page unreachable at once, without finding which pages it touched; `PAGE_CACHE_SECONDS`
bounds how long a page lives in any case.

Where the cache is shared between processes (Redis, Memcached), a change made by any
process (an ingest, a curator in the admin) is seen by every web worker at once. With
the default local-memory cache each process has its own generation, so other
processes' pages can lag by up to NEWSARCHIVE_PAGE_CACHE_SECONDS. Signed-in users
(curators) are never served a stored page. With read replicas, a page rendered from a
replica soon after a change is not stored (`replica_may_lag`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.views.decorators.cache import cache_page

from . import routing

GENERATION_KEY = "archive:generation"
CHANGED_AT_KEY = "archive:changed-at"


def generation() -> int:
    # Started from the clock, so a generation evicted from the cache and started
    # again can never come back to a number whose pages are still stored.
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, time.time_ns(), None)
        value = cache.get(GENERATION_KEY, 0)
    return value


def _bump() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not there: any fresh start is a new generation
        cache.add(GENERATION_KEY, time.time_ns(), None)
    if routing.replicas():
        cache.set(CHANGED_AT_KEY, time.time(), None)


def replica_may_lag() -> bool:
    """Whether a replica in use may not hold the last change yet: a page it renders now
    must not be stored, or the change would stay unseen until the page expires."""
    changed_at = cache.get(CHANGED_AT_KEY)
    if changed_at is None:
        return False
    window = settings.NEWSARCHIVE_REPLICA_MAX_LAG + settings.NEWSARCHIVE_REPLICA_CHECK_SECONDS
    return time.time() - changed_at < window


def pages_expire() -> None:
    """Make every stored page unreachable: called by services.archive.archive_changed,
    the one way a write says the archive changed. Moves the generation on now (so this
    process's next page is fresh) and again at commit (so no page rendered from the
    old rows while the change was in flight outlives it). The writer reads the primary
    for a while (articles/routing.py)."""
    routing.note_write()
    _bump()
    transaction.on_commit(_bump)


def cached_fragment(name: str, compute: Callable[[], object], seconds: int) -> object:
    """A part of a page (the home page's top people, say), kept under the archive's
    generation like whole pages: any change to the archive, an ingest included, makes
    every stored fragment unreachable at once. Every fragment a page stores goes
    through here, so none can outlive a change. While a replica in use may not hold the
    last change, a fragment is computed and not stored, as pages are (_storable_for)."""
    if _replica_may_be_behind():
        return compute()
    return cache.get_or_set(f"fragment:{generation()}:{name}", compute, seconds)


def _storable_for(request) -> int:
    """How long this request's page may be stored: 0 when it must be rendered (the cache
    off, a write, a signed-in curator, or a replica that may not hold the last change)."""
    seconds = settings.NEWSARCHIVE_PAGE_CACHE_SECONDS
    if seconds <= 0 or request.method not in ("GET", "HEAD") or request.user.is_authenticated:
        return 0
    if _replica_may_be_behind():
        return 0
    return seconds


def _replica_may_be_behind() -> bool:
    """Whether this request reads a replica that may not hold the last change yet."""
    return routing.replica_reads_allowed() and replica_may_lag()


def cached_page(view: Callable) -> Callable:
    """Serve `view` from the page cache to readers who are not signed in."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        seconds = _storable_for(request)
        if not seconds:
            return view(request, *args, **kwargs)
        stored = cache_page(seconds, key_prefix=f"page:{generation()}")(view)
        return stored(request, *args, **kwargs)

    return wrapper


def cached_search_page(view: Callable) -> Callable:
    """A search page, stored like a browse page and also under the state of this node's
    index: the page shows what the index answered, and the index catches up with a
    change a moment after the database has it. A page is therefore found again only
    while both the archive and the index are as they were when it was rendered."""
    from . import search

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        seconds = _storable_for(request)
        if not seconds:
            return view(request, *args, **kwargs)
        try:
            with search.in_step() as version:
                prefix = f"search:{generation()}:{version}"
                return cache_page(seconds, key_prefix=prefix)(view)(request, *args, **kwargs)
        except search.SearchUnavailable:
            return view(request, *args, **kwargs)  # which says so, with a 503

    return wrapper
