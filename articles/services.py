"""Writes: every change to the archive goes through a function here."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from enum import StrEnum

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.text import Truncator, slugify

from .ingest.types import ParsedStory, TaggedEntity
from .models import (
    Article,
    ArticleVersion,
    Entity,
    EntityAlias,
    IngestBatch,
    Mention,
    Source,
    normalize_alias,
    unique_slug,
)


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    DUPLICATE = "duplicate"


@dataclass
class IngestResult:
    article: Article
    outcome: Outcome


_WORD = re.compile(r"\w+")


def content_hash(body: str) -> str:
    """A hash of the body's words, so whitespace, case and punctuation changes don't count."""
    normalized = " ".join(_WORD.findall(body.casefold()))
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()


def _get_or_create(model, *, lookup: dict, name: str, **fields):
    """Find a row by `lookup`, or create it with a free slug.

    Safe against a concurrent ingest creating the same row (or taking the same
    slug) at the same moment: the database's unique constraints decide, and we
    retry the lookup or the slug.
    """
    for _attempt in range(5):
        found = model.objects.filter(**lookup).first()
        if found:
            return found
        scope = {"kind": fields["kind"]} if "kind" in fields else {}
        try:
            with transaction.atomic():
                return model.objects.create(
                    name=name, slug=unique_slug(model, name, **scope), **fields
                )
        except IntegrityError:
            continue
    return model.objects.get(**lookup)


@dataclass
class IngestCache:
    """Entities and sources already looked up in this batch: one query per name, not per story."""

    entities: dict[tuple[str, str], Entity] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)

    def clear(self) -> None:
        """Forget everything: after a rolled-back story, cached rows may not exist."""
        self.entities.clear()
        self.sources.clear()


@dataclass
class TaggingContext:
    aliases: dict[str, tuple[str, str]]
    topic_rules: tuple


def tagging_context() -> TaggingContext:
    """What tagging needs from the archive: its aliases (which win over the built-in
    ones) and its topic rules."""
    from . import tagging

    aliases = {
        alias.normalized: (alias.entity.name, alias.entity.kind)
        for alias in EntityAlias.objects.select_related("entity")
    }
    return TaggingContext(aliases=aliases, topic_rules=tuple(tagging.DEFAULT_TOPIC_RULES))


def source_get_or_create(*, name: str, cache: IngestCache | None = None) -> Source | None:
    name = " ".join(name.split())[:200]
    if not name:
        return None
    key = name.casefold()
    if cache is not None and key in cache.sources:
        return cache.sources[key]
    source = _get_or_create(Source, lookup={"name__iexact": name}, name=name)
    if cache is not None:
        cache.sources[key] = source
    return source


def entity_get_or_create(*, name: str, kind: str, cache: IngestCache | None = None) -> Entity:
    name = " ".join(name.split())[:200]
    key = (kind, name.casefold())
    if cache is not None and key in cache.entities:
        return cache.entities[key]
    entity = _entity_lookup_or_create(name=name, kind=kind)
    if cache is not None:
        cache.entities[key] = entity
    return entity


def _entity_lookup_or_create(*, name: str, kind: str) -> Entity:
    alias = (
        EntityAlias.objects.filter(normalized=normalize_alias(name), entity__kind=kind)
        .select_related("entity")
        .first()
    )
    if alias:
        return alias.entity
    return _get_or_create(Entity, lookup={"name__iexact": name, "kind": kind}, name=name, kind=kind)


def _article_fields(parsed: ParsedStory, cache: IngestCache | None = None) -> dict:
    body = parsed.body.strip()
    precision = Article.DatePrecision.NONE
    if parsed.published_at:
        has_time = (parsed.published_at.hour, parsed.published_at.minute) != (0, 0)
        precision = Article.DatePrecision.MINUTE if has_time else Article.DatePrecision.DAY
    first_paragraph = body.split("\n\n", 1)[0]
    return {
        "title": parsed.title.strip()[:500],
        "byline": parsed.byline[:300],
        "dateline": parsed.dateline[:200],
        "section": parsed.section[:200],
        "published_at": parsed.published_at,
        "date_precision": precision,
        "updated_at_source": parsed.updated_at,
        "body": body,
        "summary": Truncator(first_paragraph).words(60),
        "word_count": len(_WORD.findall(body)),
        "read_time_min": parsed.read_time[0] if parsed.read_time else None,
        "read_time_max": parsed.read_time[1] if parsed.read_time else None,
        "disclaimer": parsed.disclaimer,
        "copyright": parsed.copyright[:500],
        "url": parsed.url[:2000],
        "source": source_get_or_create(name=parsed.source, cache=cache),
        "publisher": source_get_or_create(name=parsed.publisher, cache=cache),
        "source_path": parsed.path[:1000],
        "raw_format": parsed.format[:20],
        "raw_input": parsed.raw,
    }


def _topic_entities(parsed: ParsedStory) -> list[TaggedEntity]:
    """Topics the page or its metadata named: the section, related topics, manifest topics."""
    names: list[str] = []
    for name in [parsed.section, *parsed.topics]:
        name = " ".join(name.split())
        if name and name.casefold() not in {n.casefold() for n in names}:
            names.append(name)
    return [TaggedEntity(name=n, kind=Entity.Kind.TOPIC, count=1) for n in names]


def mentions_replace(
    *, article: Article, entities: list[TaggedEntity], cache: IngestCache | None = None
) -> None:
    """Set a story's mentions to exactly `entities` (merging ones that resolve alike)."""
    merged: dict[int, Mention] = {}
    for tagged in entities:
        entity = entity_get_or_create(name=tagged.name, kind=tagged.kind, cache=cache)
        if entity.pk in merged:
            mention = merged[entity.pk]
            mention.count += tagged.count
            mention.first_offset = min(mention.first_offset, tagged.first_offset)
            mention.in_headline |= tagged.in_headline
            mention.in_lede |= tagged.in_lede
            continue
        merged[entity.pk] = Mention(
            article=article,
            entity=entity,
            count=tagged.count,
            first_offset=tagged.first_offset,
            surface=tagged.surface[:200],
            in_headline=tagged.in_headline,
            in_lede=tagged.in_lede,
            salience=tagged.salience,
        )
    article.mentions.all().delete()
    Mention.objects.bulk_create(merged.values())
    names = sorted({mention.entity.name for mention in merged.values()})
    article.entity_text = " ".join(names)
    article.save(update_fields=["entity_text"])
    search_index_update(article=article)


def search_index_update(*, article: Article) -> None:
    """Keep SQLite's FTS5 table in step with a story (PostgreSQL's vector is generated)."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM article_fts WHERE rowid = %s", [article.pk])
        cursor.execute(
            "INSERT INTO article_fts (rowid, title, entity_text, body) VALUES (%s, %s, %s, %s)",
            [article.pk, article.title, article.entity_text, article.body],
        )


def search_index_delete(*, article_ids: list[int]) -> None:
    if connection.vendor != "sqlite" or not article_ids:
        return
    with connection.cursor() as cursor:
        for start in range(0, len(article_ids), 500):
            chunk = article_ids[start : start + 500]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"DELETE FROM article_fts WHERE rowid IN ({marks})", chunk)


def search_index_rebuild() -> int:
    """Rebuild the FTS5 table from the stories; returns how many were indexed."""
    if connection.vendor != "sqlite":
        return Article.objects.count()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM article_fts")
        cursor.execute(
            "INSERT INTO article_fts (rowid, title, entity_text, body) "
            "SELECT id, title, entity_text, body FROM articles_article"
        )
        return cursor.rowcount


def _same_story(article: Article, fields: dict) -> bool:
    return all(getattr(article, name) == value for name, value in fields.items())


def article_ingest(
    *, parsed: ParsedStory, batch: IngestBatch | None = None, cache: IngestCache | None = None
) -> IngestResult:
    """Store one parsed story, in its own transaction.

    The same content (by a hash of the normalised body) is stored once, whatever
    the file's name; a changed file for the same URL or path updates the story
    and keeps what it said before as an ArticleVersion.
    """
    digest = content_hash(parsed.body)
    fields = _article_fields(parsed, cache)
    entities = _topic_entities(parsed) + list(parsed.entities)
    with transaction.atomic():
        existing = Article.objects.filter(content_hash=digest).first()
        if existing:
            same_file = existing.source_path == fields["source_path"] or (
                fields["url"] and existing.url == fields["url"]
            )
            if not same_file:
                return IngestResult(existing, Outcome.DUPLICATE)
            if _same_story(existing, fields):
                return IngestResult(existing, Outcome.UNCHANGED)
            for name, value in fields.items():
                setattr(existing, name, value)
            existing.slug = _slugify_title(existing.title)
            existing.batch = batch
            existing.save()
            mentions_replace(article=existing, entities=entities, cache=cache)
            return IngestResult(existing, Outcome.UPDATED)

        previous = None
        if fields["url"]:
            previous = Article.objects.filter(url=fields["url"]).first()
        if previous is None and fields["source_path"]:
            previous = Article.objects.filter(source_path=fields["source_path"]).first()
        if previous:
            ArticleVersion.objects.create(
                article=previous,
                title=previous.title,
                body=previous.body,
                content_hash=previous.content_hash,
                raw_input=previous.raw_input,
                batch=previous.batch,
            )
            for name, value in fields.items():
                setattr(previous, name, value)
            previous.slug = _slugify_title(previous.title)
            previous.content_hash = digest
            previous.batch = batch
            previous.save()
            mentions_replace(article=previous, entities=entities, cache=cache)
            return IngestResult(previous, Outcome.UPDATED)

        try:
            with transaction.atomic():
                article = Article.objects.create(
                    **fields,
                    content_hash=digest,
                    batch=batch,
                    slug=_slugify_title(fields["title"]),
                )
        except IntegrityError:
            # A concurrent ingest stored the same content first: the unique
            # content_hash makes that a duplicate, never a second copy.
            return IngestResult(Article.objects.get(content_hash=digest), Outcome.DUPLICATE)
        mentions_replace(article=article, entities=entities, cache=cache)
        return IngestResult(article, Outcome.CREATED)


def _slugify_title(title: str) -> str:
    return slugify(Truncator(title).words(12, truncate=""))[:200] or "story"


def batch_start(*, paths: list[str], parser_version: str, tagger_version: str) -> IngestBatch:
    return IngestBatch.objects.create(
        paths=paths, parser_version=parser_version, tagger_version=tagger_version
    )


def batch_finish(*, batch: IngestBatch, counts: dict[str, int], errors: list[dict]) -> None:
    batch.created = counts.get("created", 0)
    batch.updated = counts.get("updated", 0)
    batch.unchanged = counts.get("unchanged", 0)
    batch.skipped = counts.get("skipped", 0) + counts.get("duplicate", 0)
    batch.failed = counts.get("failed", 0)
    batch.errors = errors
    batch.finished_at = timezone.now()
    batch.save()


def article_set_public(*, article: Article, is_public: bool) -> None:
    article.is_public = is_public
    article.save(update_fields=["is_public", "updated_at"])
