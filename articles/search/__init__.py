"""Search: one query language, one engine, exact answers.

The database is the single source of truth; search runs on an index derived from
it (backends/, Tantivy), kept in step by the change log (changes.py, indexer.py) and
rebuilt from the database at any time (`manage.py search_index rebuild`). Views,
feeds, the API and exports ask the functions here; nothing else knows which engine
answers. Importing this package needs no configured Django (the query language is
used by tools outside it); what reads the database is imported when called.
"""

from __future__ import annotations

import contextlib
import contextvars
import re
import threading
import zlib
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.safestring import SafeString

from .backends.base import (
    ENTITY_FACETS,
    FACETS,
    SORTS,
    BaseSearchBackend,
    Filters,
    IndexBusy,
    MonthCounts,
    SearchRequest,
    SearchResponse,
    SearchUnavailable,
)
from .query import MAX_QUERY_LENGTH, MAX_TERMS, STOP_WORDS, ParsedQuery, Term, parse

__all__ = [
    "ENTITY_FACETS",
    "FACETS",
    "MAX_QUERY_LENGTH",
    "MAX_TERMS",
    "SORTS",
    "STOP_WORDS",
    "BaseSearchBackend",
    "Filters",
    "IndexBusy",
    "MonthCounts",
    "ParsedQuery",
    "SearchRequest",
    "SearchResponse",
    "SearchUnavailable",
    "Term",
    "get_backend",
    "index_version",
    "keep_in_step",
    "month_counts",
    "parse",
    "related_ids",
    "run",
    "snippets",
    "stories_for",
    "suggest",
]

_WORD = re.compile(r"\w+")
_backends: dict[tuple[str, str], BaseSearchBackend] = {}
_lock = threading.Lock()


def index_path() -> Path:
    return Path(settings.NEWSARCHIVE_SEARCH_INDEX)


def get_backend() -> BaseSearchBackend:
    """The configured backend on the configured index folder, one per process."""
    key = (settings.NEWSARCHIVE_SEARCH_BACKEND, str(index_path()))
    backend = _backends.get(key)
    if backend is None:
        with _lock:
            backend = _backends.get(key)
            if backend is None:
                try:
                    backend = import_string(key[0])(index_path())
                except OSError as exc:  # a folder this process cannot create or read
                    raise SearchUnavailable(f"the search index cannot be opened: {exc}") from exc
                _backends[key] = backend
    return backend


def forget_backends() -> None:
    """Drop this process's open indexes (tests point each at a folder of its own)."""
    _backends.clear()


# Set while a request is answered from an index index_version() has just brought into
# step, so that its searches do not ask the database again.
_in_step: contextvars.ContextVar[bool] = contextvars.ContextVar("in_step", default=False)


def run(request: SearchRequest) -> SearchResponse:
    """Answer a search from an index in step with the database."""
    from .indexer import ensure_fresh

    backend = get_backend()
    if not _in_step.get():
        ensure_fresh(backend)
    return backend.search(request)


@contextlib.contextmanager
def in_step():
    """Bring this node's index into step once, for the block, and yield its version."""
    token = _in_step.set(False)
    try:
        version = index_version()
        _in_step.set(True)
        yield version
    finally:
        _in_step.reset(token)


def index_version() -> str:
    """Where this node's index stands in the change log, once it has caught up as a
    reader's search would: a search page stored under it (articles/caching.py) is the
    answer of an index in exactly that state."""
    from .indexer import ensure_fresh

    backend = get_backend()
    ensure_fresh(backend)
    state = backend.state()
    holes = ",".join(str(pk) for pk in sorted(state.holes))
    return f"{state.position}:{zlib.crc32(holes.encode()):x}"


def month_counts(request: SearchRequest, *, checked: bool = False) -> MonthCounts:
    """Exact counts of a search's matches by month, from an index in step (`checked`:
    the caller has just brought it in step, for another search of the same page)."""
    from .indexer import ensure_fresh

    backend = get_backend()
    if not checked and not _in_step.get():
        ensure_fresh(backend)
    return backend.month_counts(request)


def keep_in_step(*, build: bool = True) -> bool:
    """Apply every pending change to this node's index (building it first if it never
    was, when `build`). For writers such as ingest, so that their stories are found
    within seconds. False when another process is writing the index: it applies them."""
    from . import indexer

    backend = get_backend()
    backend.refresh()
    try:
        if not backend.state().built:
            if build:
                indexer.rebuild(backend)
            return build
        indexer.catch_up_all(backend)
    except IndexBusy:
        return False
    return True


def snippets(query: ParsedQuery, stories: Sequence) -> dict[int, SafeString]:
    """Highlighted fragments of the stories' bodies, for the page being shown."""
    if not query or not query.groups or not stories:
        return {}
    from ..models import Article

    # One query for the page's bodies (story lists defer them).
    bodies = dict(
        Article.objects.filter(pk__in=[story.pk for story in stories]).values_list("pk", "body")
    )
    return get_backend().snippets(query, bodies)


def related_ids(article, limit: int = 5, mentions=None) -> list[int]:
    """Ids of the public stories most like `article` ("more like this"): each other
    cluster once (by its original), never the story's own copies. `mentions`: the
    story's mentions with their entities, where the caller has read them."""
    from .documents import cluster_stories, document_for
    from .indexer import ensure_fresh

    backend = get_backend()
    ensure_fresh(backend)
    ids = backend.related(document_for(article, mentions), limit)
    clusters = (
        cluster_stories([-pk - 1 for pk in ids if pk < 0]) if any(pk < 0 for pk in ids) else {}
    )
    out = [pk if pk > 0 else clusters.get(-pk - 1, (None, 0))[0] for pk in ids]
    return [pk for pk in out if pk is not None]


def stories_for(ids: Sequence[int], queryset) -> list:
    """The stories of a window of results, in order, from `queryset`. A cluster's
    collapsed document is shown as its best-ranked public copy, with `also_ran` set to
    how many other public copies it has (0 on every other story)."""
    from .documents import cluster_stories

    clusters = (
        cluster_stories([-pk - 1 for pk in ids if pk < 0]) if any(pk < 0 for pk in ids) else {}
    )
    shown = []
    for pk in ids:
        if pk > 0:
            shown.append((pk, 0))
        elif -pk - 1 in clusters:
            story_id, copies = clusters[-pk - 1]
            shown.append((story_id, copies - 1))
    found = queryset.in_bulk([pk for pk, _ in shown])
    out = []
    for pk, also_ran in shown:
        if pk in found:
            story = found[pk]
            story.also_ran = also_ran
            out.append(story)
    return out


def suggest(text: str, limit: int = 3) -> list[str]:
    """ "Did you mean": what was typed, with each word the archive does not hold
    replaced by one it does ("Tony Blaer" -> "Tony Blair"), cased as it was typed."""
    words = _WORD.findall(text[:MAX_QUERY_LENGTH])
    if not words:
        return []
    respelled = get_backend().respell([w.lower() for w in words], limit)
    if not respelled:
        return []
    suggestions: list[str] = []
    for n in range(limit):

        def replace(match: re.Match, n: int = n) -> str:
            typed = match.group(0)
            options = respelled.get(typed.lower())
            if not options:
                return typed
            return _cased_like(typed, options[min(n, len(options) - 1)])

        candidate = _WORD.sub(replace, text[:MAX_QUERY_LENGTH])
        if candidate not in suggestions:
            suggestions.append(candidate)
    return suggestions


def _cased_like(typed: str, word: str) -> str:
    if typed.isupper() and len(typed) > 1:
        return word.upper()
    if typed[:1].isupper():
        return word[:1].upper() + word[1:]
    return word
