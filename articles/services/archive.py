"""The one way a write says the archive changed, and the helpers the service modules share.

Every service that changes what readers see calls `archive_changed` once it has made its
change (before a delete, while the rows it names still exist), in the write's own
transaction: search reads again each story touched (the SearchChange log, applied by the
indexer) and readers' stored pages move on (articles/caching.py). Nothing else records a
search change or expires the page cache.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from .. import caching
from ..search import changes as search_changes


def archive_changed(
    *,
    article_ids: Iterable[int] = (),
    entity_ids: Iterable[int] = (),
    source_ids: Iterable[int] = (),
) -> int:
    """Say that a write changed what readers see.

    Search reads again the stories in `article_ids`, every story mentioning one of
    `entity_ids` and every story credited to or published by one of `source_ids`; with
    no ids, only pages (a confirmation, a redirect) changed. The page cache moves on.
    Returns how many stories search reads again.
    """
    count = search_changes.record(article_ids=article_ids)
    count += search_changes.record_for_entities(entity_ids=entity_ids)
    count += search_changes.record_for_sources(source_ids=source_ids)
    caching.pages_expire()
    return count


def id_slices(items: list, size: int = 500) -> Iterator[list]:
    """Slices small enough for an IN (...) list on every backend."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
