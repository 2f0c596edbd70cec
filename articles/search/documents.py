"""From the database to index documents: what search knows of each public story."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..models import Article, Mention
from .backends.base import IndexDocument

FIELDS = ("id", "title", "body", "section", "source_id", "published_at", "language")


def _documents(rows: list[dict]) -> list[IndexDocument]:
    if not rows:
        return []
    docs = {
        row["id"]: IndexDocument(
            id=row["id"],
            title=row["title"],
            body=row["body"],
            section=row["section"] or "",
            source_id=row["source_id"],
            published_at=row["published_at"],
            language=row["language"] or "",
        )
        for row in rows
    }
    mentions = (
        Mention.objects.filter(article_id__in=list(docs))
        .order_by("article_id", "salience", "entity_id")
        .values_list("article_id", "entity_id", "entity__kind", "entity__name")
    )
    for article_id, entity_id, kind, name in mentions:
        doc = docs[article_id]
        ids = doc.entities.setdefault(kind, [])
        if entity_id not in ids:
            ids.append(entity_id)
            doc.names.append(name)
    return list(docs.values())


def documents_for(ids: Iterable[int]) -> tuple[list[IndexDocument], list[int]]:
    """Index documents for the stories `ids` that are public, and the ids that are not
    (hidden or gone), which the index must not hold."""
    ids = sorted(set(ids))
    rows = list(Article.objects.filter(pk__in=ids, is_public=True).values(*FIELDS))
    found = {row["id"] for row in rows}
    return _documents(rows), [pk for pk in ids if pk not in found]


def all_documents(chunk: int = 2000) -> Iterator[IndexDocument]:
    """Every public story, in id order, a chunk at a time (memory stays flat)."""
    last = 0
    while True:
        rows = list(
            Article.objects.filter(is_public=True, pk__gt=last)
            .order_by("pk")
            .values(*FIELDS)[:chunk]
        )
        if not rows:
            return
        yield from _documents(rows)
        last = rows[-1]["id"]


def document_for(article: Article) -> IndexDocument:
    rows = [{name: getattr(article, "pk" if name == "id" else name) for name in FIELDS}]
    return _documents(rows)[0]
