"""What every write tells the rest of the house: search reads the stories it touched
again, and readers' pages move on. Shared by the other service modules."""

from __future__ import annotations

from collections.abc import Iterable

from ..caching import changes_archive
from ..models import Entity
from ..search import changes as search_changes


@changes_archive
def entity_articles_reindex(*, entities: Iterable[Entity]) -> int:
    """Have search read again every story mentioning `entities`, after a merge, split,
    rename or change of kind. Returns how many stories."""
    return search_changes.record_for_entities(entity_ids=[entity.pk for entity in entities])


def search_index_delete(*, article_ids: list[int]) -> None:
    """Stories deleted (or about to be, in the same transaction): out of search."""
    search_changes.record(article_ids=article_ids)


def id_slices(items: list, size: int = 500) -> Iterable[list]:
    """Slices small enough for an IN (...) list on every backend."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
