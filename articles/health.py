"""For a load balancer: /healthz (the process answers) and /readyz (it can serve).

/readyz checks the primary database, the cache and how far this node's search index
lags the change log; replicas are reported but never make a node unready, since the
primary serves alone when none is usable. Plain JSON, never cached; not ready is a
503 problem document, as the API answers errors.
"""

from __future__ import annotations

import os
import time

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.models import Max
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from . import routing
from .api import json_response, problem


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    return json_response({"status": "ok"})


def _database() -> str | None:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        return f"the database does not answer: {exc.__class__.__name__}"
    return None


def _cache() -> str | None:
    key, value = f"readyz:{os.getpid()}", time.time_ns()
    try:
        cache.set(key, value, 30)
        if cache.get(key) != value:
            return "the cache does not keep what it is given"
    except Exception as exc:  # a cache backend raises its own client's errors
        return f"the cache does not answer: {exc.__class__.__name__}"
    return None


def _search_lag() -> tuple[int | None, str | None]:
    from .models import Article, SearchChange
    from .search import SearchUnavailable, get_backend

    try:
        backend = get_backend()
        backend.refresh()
        state = backend.state()
    except (SearchUnavailable, OSError) as exc:
        return None, f"the search index cannot be opened: {exc}"
    with routing.primary():
        if not state.built:
            inline = settings.NEWSARCHIVE_SEARCH_INLINE_BUILD
            if Article.objects.filter(is_public=True).count() > inline:
                return None, "the search index has not been built"
            return 0, None  # the first search builds it
        latest = SearchChange.objects.aggregate(top=Max("id"))["top"] or 0
    lag = max(0, latest - state.position)
    if lag > settings.NEWSARCHIVE_READY_MAX_INDEX_LAG:
        return lag, f"the search index is {lag} changes behind"
    return lag, None


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    problems = [p for p in (_database(), _cache()) if p]
    lag = None
    if not problems:  # the index's lag is read from the database
        lag, index_problem = _search_lag()
        problems += [index_problem] if index_problem else []
    replicas = {}
    for alias in routing.replicas():
        state = routing.health(alias)
        replicas[alias] = {"usable": state.usable, "lag_seconds": state.lag}
    checks = {"search_index_lag": lag, "replicas": replicas}
    if problems:
        response = problem(503, "; ".join(problems), checks=checks)
        response["Retry-After"] = "10"
        return response
    return json_response({"status": "ready", "checks": checks})
