"""From the database to index documents: what search knows of each public story.

A story cluster with two public copies or more is also one collapsed document (see
VIEW_COLLAPSED), whose id is negative (changes.cluster_document_id): the original's
title and date, every copy's titles, distinct paragraphs, entities, sources and dates.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Set

from django.db.models import Count

from ..models import Article, Mention
from .backends.base import VIEW_COLLAPSED, VIEW_COPIES, IndexDocument
from .changes import cluster_document_id

FIELDS = ("id", "title", "body", "section", "source_id", "published_at", "language", "cluster_id")


def _documents(
    rows: list[dict], shared: Set[int] = frozenset(), mentions: Iterable | None = None
) -> list[IndexDocument]:
    """Story documents for `rows`; `shared` holds the clusters with two public copies or
    more, whose copies are searched through the cluster's document when collapsed.
    `mentions`, (article id, entity id, kind, name) in salience and entity order, are
    the stories' mentions where the caller holds them already; else they are read."""
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
            cluster_id=row.get("cluster_id"),
            views=(VIEW_COPIES,)
            if row.get("cluster_id") in shared
            else (VIEW_COPIES, VIEW_COLLAPSED),
        )
        for row in rows
    }
    if mentions is None:
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


def _cluster_document(cluster_id: int, copies: list[IndexDocument]) -> IndexDocument:
    """One document for a cluster's public copies, best ranked first."""
    first = copies[0]
    titles, paragraphs, names = [], [], []
    entities: dict[str, list[int]] = {}
    for copy in copies:
        if copy.title not in titles:
            titles.append(copy.title)
        for paragraph in copy.body.split("\n\n"):
            if paragraph.strip() and paragraph not in paragraphs:
                paragraphs.append(paragraph)
        for name in copy.names:
            if name not in names:
                names.append(name)
        for kind, ids in copy.entities.items():
            have = entities.setdefault(kind, [])
            have.extend(pk for pk in ids if pk not in have)
    return IndexDocument(
        id=cluster_document_id(cluster_id),
        title="\n".join(titles),
        body="\n\n".join(paragraphs),
        names=names,
        entities=entities,
        source_id=first.source_id,
        section=first.section,
        published_at=first.published_at,
        language=first.language,
        views=(VIEW_COLLAPSED,),
        cluster_id=cluster_id,
        other_sources=sorted(
            {c.source_id for c in copies[1:] if c.source_id is not None} - {first.source_id}
        ),
        other_dates=[c.published_at for c in copies[1:] if c.published_at is not None],
    )


def _public_copies(
    cluster_ids: Iterable[int], held: dict[int, dict] | None = None
) -> dict[int, list[dict]]:
    """Each cluster's public copies, best ranked first. `held`: rows the caller has read
    already (with `is_public` and `cluster_rank`), which are not read again."""
    held = held or {}
    rows = [
        *Article.objects.filter(cluster_id__in=list(cluster_ids), is_public=True)
        .exclude(pk__in=sorted(held))
        .values(*FIELDS, "cluster_rank"),
        *(
            row
            for row in held.values()
            if row["is_public"]
            and row["cluster_id"] is not None
            and row["cluster_id"] in cluster_ids
        ),
    ]
    rows.sort(key=lambda row: (row["cluster_id"], row["cluster_rank"], row["id"]))
    out: dict[int, list[dict]] = {}
    for row in rows:
        out.setdefault(row["cluster_id"], []).append(row)
    return out


def documents_for(ids: Iterable[int]) -> tuple[list[IndexDocument], list[int]]:
    """Index documents for the stories (and cluster documents) `ids` that are public,
    and the ids that are not (hidden or gone, or a cluster no longer shown collapsed),
    which the index must not hold. A story's cluster document is built again with it,
    from every public copy. The other copies' own documents are written again only when
    their views may have changed: when their cluster has at most two public copies (a
    change there can move it between shown collapsed and not). With more, one copy more
    or less leaves each other copy's document as it was, so ingesting the tenth copy of
    a story writes two documents, not eleven. Each story is read once, and the mentions
    of all of them in one query."""
    ids = set(ids)
    story_ids = {pk for pk in ids if pk > 0}
    cluster_ids = {-pk - 1 for pk in ids if pk < -1}
    held = {
        row["id"]: row
        for row in Article.objects.filter(pk__in=sorted(story_ids)).values(
            *FIELDS, "is_public", "cluster_rank"
        )
    }
    cluster_ids |= {row["cluster_id"] for row in held.values() if row["cluster_id"] is not None}
    copies = _public_copies(cluster_ids, held)
    shared = {cid for cid, rows in copies.items() if len(rows) > 1}
    rows = {pk: row for pk, row in held.items() if row["is_public"]}
    members = {}
    for cid in cluster_ids:
        for row in copies.get(cid, []):
            members[row["id"]] = row
            if len(copies[cid]) <= 2:
                rows[row["id"]] = row
    story_ids |= set(rows)
    others = [row for pk, row in members.items() if pk not in rows]
    by_id = {doc.id: doc for doc in _documents([*rows.values(), *others], shared)}
    docs = [by_id[pk] for pk in rows]
    gone = [pk for pk in sorted(story_ids) if pk not in rows]
    for cid in sorted(cluster_ids):
        if cid in shared:
            docs.append(_cluster_document(cid, [by_id[row["id"]] for row in copies[cid]]))
        else:
            gone.append(cluster_document_id(cid))
    return docs, gone


def all_documents(chunk: int = 2000) -> Iterator[IndexDocument]:
    """Every public story, in id order, a chunk at a time (memory stays flat), then every
    cluster's collapsed document."""
    counts = (
        Article.objects.filter(is_public=True, cluster__isnull=False)
        .values("cluster_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    shared = {row["cluster_id"] for row in counts if row["n"] > 1}
    last = 0
    while True:
        rows = list(
            Article.objects.filter(is_public=True, pk__gt=last)
            .order_by("pk")
            .values(*FIELDS)[:chunk]
        )
        if not rows:
            break
        yield from _documents(rows, shared)
        last = rows[-1]["id"]
    ordered = sorted(shared)
    for start in range(0, len(ordered), chunk // 4):
        part = ordered[start : start + chunk // 4]
        copies = _public_copies(part)
        docs = {d.id: d for d in _documents([r for rows in copies.values() for r in rows], shared)}
        for cid in part:
            yield _cluster_document(cid, [docs[row["id"]] for row in copies[cid]])


def document_for(article: Article, mentions: Iterable[Mention] | None = None) -> IndexDocument:
    """The story's document as the index holds it; `mentions`, its mentions with their
    entities, where the caller has read them (the story page has)."""
    rows = [{name: getattr(article, "pk" if name == "id" else name) for name in FIELDS}]
    if mentions is None:
        return _documents(rows)[0]
    ordered = sorted(mentions, key=lambda m: (m.salience, m.entity_id))
    held = [(article.pk, m.entity_id, m.entity.kind, m.entity.name) for m in ordered]
    return _documents(rows, mentions=held)[0]


def cluster_stories(cluster_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """For each cluster, its best-ranked public copy and how many public copies it has:
    the story a collapsed result shows, and its "also ran in N places"."""
    out: dict[int, tuple[int, int]] = {}
    for cid, rows in _public_copies_ids(cluster_ids).items():
        out[cid] = (rows[0], len(rows))
    return out


def _public_copies_ids(cluster_ids: Iterable[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    rows = (
        Article.objects.filter(cluster_id__in=list(cluster_ids), is_public=True)
        .order_by("cluster_id", "cluster_rank", "id")
        .values_list("cluster_id", "id")
    )
    for cid, pk in rows:
        out.setdefault(cid, []).append(pk)
    return out
