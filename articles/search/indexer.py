"""Applying the change log to this node's index, and building it from the database.

Each app server keeps its own index copy, kept in step from the one log in the
database (the pattern of Jira Data Center's per-node Lucene index). The index holds
its own position in the log, committed with the documents it applied, so a crash
between applying and recording loses nothing and applies nothing twice: either
both are in the commit or neither is.

Change ids come from the database's sequence, and on PostgreSQL a transaction may
commit after a later one: the id it took can be missing when an indexer passes it.
Such an id is remembered as a hole and looked for again on every catch-up until it
appears, or until HOLE_SECONDS have passed (a rolled-back write leaves one forever).

The log and the documents are read from the primary, even inside a reader's request
on a replica (`primary_reads`). An index that recorded a position read from one
database with stories read from an older one would stay wrong; the primary is never
older than anything, and this costs a search one small query there.
"""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Max, Q

from ..models import Article, SearchChange, SearchNode
from ..routing import primary_reads
from .backends.base import BaseSearchBackend, IndexBusy, IndexState, SearchUnavailable
from .documents import all_documents, documents_for

HOLE_SECONDS = 3600
MAX_HOLES = 10_000
# How many changes a web request applies itself when it finds the index behind (the
# indexer process or the next ingest applies larger backlogs).
REQUEST_CATCH_UP = 500
PRUNED = "(pruned)"  # the SearchNode row that records how far the log was pruned


def node_name(backend: BaseSearchBackend) -> str:
    configured = getattr(settings, "NEWSARCHIVE_SEARCH_NODE", "")
    return configured or f"{socket.gethostname()}:{getattr(backend, 'path', backend.name)}"


def pending_filter(state: IndexState) -> Q:
    condition = Q(id__gt=state.position)
    if state.holes:
        condition |= Q(id__in=list(state.holes))
    return condition


@primary_reads
def catch_up(backend: BaseSearchBackend, *, limit: int | None = None) -> int:
    """Apply the changes this index has not applied yet (at most `limit`), in one
    commit. Returns how many stories were written or removed. Raises IndexBusy when
    another process is writing this index."""
    state = backend.state()
    pruned = SearchNode.objects.filter(name=PRUNED).values_list("position", flat=True).first()
    if pruned is not None and state.position < pruned:
        rebuild(backend)  # the changes it lacks were pruned: only a rebuild can help
        return backend.document_count()
    rows = list(
        SearchChange.objects.filter(pending_filter(state))
        .order_by("id")
        .values_list("id", "article_id")[: limit or None]
    )
    if not rows:
        return 0
    now = time.time()
    seen = {change_id for change_id, _ in rows}
    top = max(state.position, max(seen))
    holes = {pk: t for pk, t in state.holes.items() if pk not in seen and now - t < HOLE_SECONDS}
    if limit is None or len(rows) < limit:
        expected = set(range(state.position + 1, top + 1))
    else:  # a partial batch: only the ids below its last one can be judged missing
        expected = set(range(state.position + 1, max(seen)))
    for missing in sorted(expected - seen)[-MAX_HOLES:]:
        holes.setdefault(missing, now)
    if len(holes) > MAX_HOLES:
        holes = dict(sorted(holes.items())[-MAX_HOLES:])
    article_ids = {article_id for _, article_id in rows}
    upserts, deletes = documents_for(article_ids)
    backend.apply(
        upserts=upserts, deletes=deletes, state=IndexState(position=top, holes=holes, built=True)
    )
    _report(backend)
    return len(article_ids)


def catch_up_all(backend: BaseSearchBackend, *, chunk: int = 5000) -> int:
    """Apply every pending change, a commit per `chunk`."""
    total = 0
    while True:
        applied = catch_up(backend, limit=chunk)
        total += applied
        if not applied:
            return total


@primary_reads
def rebuild(backend: BaseSearchBackend, *, progress: Callable[[int], None] | None = None) -> int:
    """Build the whole index again from the database, then apply what changed meanwhile.
    The position is read before the stories: a change made during the build is in the
    log after it and is applied again, which is harmless (it writes what the database
    holds)."""
    position = SearchChange.objects.aggregate(top=Max("id"))["top"] or 0
    window = set(
        SearchChange.objects.filter(id__gt=position - 1000, id__lte=position).values_list(
            "id", flat=True
        )
    )
    now = time.time()
    holes = {pk: now for pk in range(max(1, position - 999), position + 1) if pk not in window}
    state = IndexState(position=position, holes=holes, built=True)
    count = backend.rebuild(all_documents(), state=state, progress=progress)
    _report(backend)
    catch_up_all(backend)
    return count


@primary_reads
def ensure_fresh(backend: BaseSearchBackend) -> None:
    """Before answering a reader: build an empty index of a small archive, see what
    other processes committed, and apply a short backlog. One query when in step."""
    state = backend.state()
    if not state.built:
        backend.refresh()
        state = backend.state()
    if not state.built:
        inline = getattr(settings, "NEWSARCHIVE_SEARCH_INLINE_BUILD", 5000)
        if Article.objects.filter(is_public=True).count() > inline:
            raise SearchUnavailable("the search index has not been built")
        try:
            rebuild(backend)
        except IndexBusy:
            raise SearchUnavailable("the search index is being built") from None
        return
    if not SearchChange.objects.filter(pending_filter(state)).exists():
        return
    backend.refresh()
    with contextlib.suppress(IndexBusy):  # another process is applying them right now
        catch_up(backend, limit=REQUEST_CATCH_UP)


def _report(backend: BaseSearchBackend) -> None:
    state = backend.state()
    SearchNode.objects.update_or_create(
        name=node_name(backend),
        defaults={"position": state.position, "documents": backend.document_count()},
    )


@dataclass
class Status:
    node: str
    position: int
    latest: int
    pending: int
    holes: int
    documents: int
    public_stories: int
    size_bytes: int
    built: bool


@primary_reads
def status(backend: BaseSearchBackend) -> Status:
    backend.refresh()
    state = backend.state()
    return Status(
        node=node_name(backend),
        position=state.position,
        latest=SearchChange.objects.aggregate(top=Max("id"))["top"] or 0,
        pending=SearchChange.objects.filter(pending_filter(state)).count(),
        holes=len(state.holes),
        documents=backend.document_count(),
        public_stories=Article.objects.filter(is_public=True).count(),
        size_bytes=backend.size_on_disk(),
        built=state.built,
    )


def prune(*, keep_seconds: float) -> int:
    """Delete the changes every node seen within `keep_seconds` has applied, and that
    are older than that. A node that comes back from further behind rebuilds."""
    from datetime import timedelta

    from django.utils import timezone

    since = timezone.now() - timedelta(seconds=keep_seconds)
    live = SearchNode.objects.exclude(name=PRUNED).filter(updated_at__gte=since)
    positions = list(live.values_list("position", flat=True))
    if not positions:
        return 0
    lowest = min(positions)
    old = SearchChange.objects.filter(id__lte=lowest, created_at__lt=since)
    top = old.aggregate(top=Max("id"))["top"]
    if top is None:
        return 0
    deleted, _ = old.delete()
    marker, _ = SearchNode.objects.get_or_create(name=PRUNED)
    if top > marker.position:
        marker.position = top
        marker.save(update_fields=["position", "updated_at"])
    return deleted
