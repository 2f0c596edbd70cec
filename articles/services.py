"""Writes: every change to the archive goes through a function here."""

from __future__ import annotations

import hashlib
import re
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce, Least
from django.utils import timezone
from django.utils.text import Truncator, slugify

from . import ingest, tagging
from .caching import archive_changed, changes_archive
from .cluster_services import cluster_assign, cluster_story_edited, clusters_of, clusters_settle
from .ingest.types import IngestError, ParsedStory, TaggedEntity
from .models import (
    Article,
    ArticleVersion,
    Entity,
    EntityAlias,
    EntityRedirect,
    IngestBatch,
    Mention,
    MergeRecord,
    Source,
    TopicRule,
    free_slug,
    normalize_alias,
    split_terms,
    unique_slug,
)
from .search import changes as search_changes

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


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
    """Entities and sources already looked up in this batch: one query per name, not per story.

    `IngestCache.prepared()` also loads every entity, alias and slug in the archive up
    front (a few queries), so that a known name costs no query at all and a new one
    costs only its insert: the difference between about 24 statements per story and
    about 8 when a corpus brings many new names. The database's unique constraints
    still decide; a clash (a concurrent ingest) falls back to the looked-up path.
    """

    entities: dict[tuple[str, str], Entity] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    # (kind, casefolded name or normalised alias) -> (pk, name); None when not prepared.
    known: dict[tuple[str, str], tuple[int, str]] | None = None
    aliases: dict[tuple[str, str], tuple[int, str]] = field(default_factory=dict)
    slugs: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def prepared(cls) -> IngestCache:
        cache = cls()
        cache.prepare()
        return cache

    def prepare(self) -> None:
        self.known, self.slugs = {}, {}
        for pk, name, kind, slug in Entity.objects.values_list("pk", "name", "kind", "slug"):
            self.known[(kind, name.casefold())] = (pk, name)
            self.slugs.setdefault(kind, set()).add(slug)
        self.aliases = {
            (kind, normalized): (pk, name)
            for normalized, pk, name, kind in EntityAlias.objects.values_list(
                "normalized", "entity_id", "entity__name", "entity__kind"
            )
        }

    def clear(self) -> None:
        """Forget everything: after a rolled-back story, cached rows may not exist."""
        self.entities.clear()
        self.sources.clear()
        if self.known is not None:
            self.prepare()

    def entity(self, *, name: str, kind: str, confidence: float = 1.0) -> Entity:
        """The entity for `name`, from what was loaded, or created; needs prepare()."""
        assert self.known is not None
        found = self.aliases.get((kind, normalize_alias(name))) or self.known.get(
            (kind, name.casefold())
        )
        if found is None:
            entity = self._create(name=name, kind=kind, confidence=confidence)
            found = (entity.pk, entity.name)
            self.known[(kind, name.casefold())] = found
            self.slugs.setdefault(kind, set()).add(entity.slug)
        pk, canonical = found
        # Only what a mention needs; the rest stays deferred, so nothing is overwritten.
        return Entity.from_db("default", ["id", "name", "kind"], [pk, canonical, kind])

    def _create(self, *, name: str, kind: str, confidence: float) -> Entity:
        slug = free_slug(name, self.slugs.setdefault(kind, set()).__contains__)
        try:
            with transaction.atomic():
                return Entity.objects.create(name=name, kind=kind, slug=slug, confidence=confidence)
        except IntegrityError:  # created meanwhile by another ingest: ask the database
            return _entity_lookup_or_create(name=name, kind=kind)


@dataclass
class TaggingContext:
    aliases: dict[str, tuple[str, str]]
    topic_rules: tuple


def tagging_context() -> TaggingContext:
    """What tagging needs from the archive: its aliases (which win over the built-in
    ones) and its topic rules (the admin's, after the tagger's built-in ones unless
    NEWSARCHIVE_BUILTIN_TOPIC_RULES is off)."""
    # A curator's decision is an alias: a confirmed or re-kinded entity keeps its kind.
    aliases = {
        normalize_alias(name): (name, kind)
        for name, kind in Entity.objects.filter(Q(confirmed=True) | Q(kind_locked=True))
        .exclude(kind=Entity.Kind.TOPIC)
        .values_list("name", "kind")
    }
    aliases |= {
        alias.normalized: (alias.entity.name, alias.entity.kind)
        for alias in EntityAlias.objects.select_related("entity")
    }
    builtin = tagging.DEFAULT_TOPIC_RULES if settings.NEWSARCHIVE_BUILTIN_TOPIC_RULES else ()
    rules = tuple(builtin) + tuple(
        tagging.TopicRule(
            name=rule.topic.name,
            required=tuple(split_terms(rule.all_terms)),
            any_of=tuple(rule.any_alternatives()),
        )
        for rule in TopicRule.objects.filter(is_active=True).select_related("topic")
    )
    return TaggingContext(aliases=aliases, topic_rules=rules)


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


def entity_get_or_create(
    *, name: str, kind: str, cache: IngestCache | None = None, confidence: float = 1.0
) -> Entity:
    """The entity for `name`; a new one starts with the tagger's `confidence` in it."""
    name = " ".join(name.split())[:200]
    if cache is not None and cache.known is not None:
        return cache.entity(name=name, kind=kind, confidence=confidence)
    key = (kind, name.casefold())
    if cache is not None and key in cache.entities:
        return cache.entities[key]
    entity = _entity_lookup_or_create(name=name, kind=kind, confidence=confidence)
    if cache is not None:
        cache.entities[key] = entity
    return entity


def _entity_lookup_or_create(*, name: str, kind: str, confidence: float = 1.0) -> Entity:
    alias = (
        EntityAlias.objects.filter(normalized=normalize_alias(name), entity__kind=kind)
        .select_related("entity")
        .first()
    )
    if alias:
        return alias.entity
    return _get_or_create(
        Entity,
        lookup={"name__iexact": name, "kind": kind},
        name=name,
        kind=kind,
        confidence=confidence,
    )


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
        "language": parsed.language[:8],
    }


def _topic_entities(
    parsed: ParsedStory, rules: tuple = tagging.DEFAULT_TOPIC_RULES
) -> list[TaggedEntity]:
    """Topics and places the page or its metadata named. Topics: the section, related
    and manifest topics, and those its rules found; each with its real count and whether
    the headline or the lede names it (the topic page ranks by these). Places: a
    manifest's, which no NER pass found, so they count once."""
    names: list[str] = []
    for name in [parsed.section, *parsed.topics]:
        name = " ".join(name.split())
        if name and name.casefold() not in {n.casefold() for n in names}:
            names.append(name)
    out = []
    for name in names:
        evidence = tagging.topic_evidence(parsed, name, rules)
        out.append(
            TaggedEntity(
                name=name,
                kind=Entity.Kind.TOPIC,
                count=evidence.count,
                in_headline=evidence.in_headline,
                in_lede=evidence.in_lede,
            )
        )
    seen: set[str] = set()
    for place in parsed.places:
        name = " ".join(_place_name(place).split())
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            out.append(TaggedEntity(name=name, kind=Entity.Kind.PLACE, count=1))
    return out


def _place_name(code: str) -> str:
    """A manifest's place code as a name: 'el-salvador' -> 'El Salvador', 'usa' -> 'USA'.
    A name written with capitals is left as written."""
    if code != code.lower():
        return code
    words = code.replace("-", " ").replace("_", " ").split()
    if len(words) == 1 and len(code) <= 3:
        return code.upper()
    return " ".join(word.capitalize() for word in words)


def _mentions_for(entities: list[TaggedEntity], cache: IngestCache | None) -> list[Mention]:
    """Unsaved mentions for `entities`, merging those that resolve to one entity."""
    merged: dict[int, Mention] = {}
    for tagged in entities:
        entity = entity_get_or_create(
            name=tagged.name, kind=tagged.kind, cache=cache, confidence=tagged.confidence
        )
        if entity.pk in merged:
            mention = merged[entity.pk]
            mention.count += tagged.count
            mention.first_offset = min(mention.first_offset, tagged.first_offset)
            mention.in_headline |= tagged.in_headline
            mention.in_lede |= tagged.in_lede
            continue
        merged[entity.pk] = Mention(
            entity=entity,
            count=tagged.count,
            first_offset=tagged.first_offset,
            surface=tagged.surface[:200],
            in_headline=tagged.in_headline,
            in_lede=tagged.in_lede,
            salience=tagged.salience,
            confidence=tagged.confidence,
        )
    return list(merged.values())


def mentions_replace(
    *, article: Article, entities: list[TaggedEntity], cache: IngestCache | None = None
) -> None:
    """Set a story's mentions to exactly `entities` (merging ones that resolve alike)."""
    mentions = _mentions_for(entities, cache)
    for mention in mentions:
        mention.article = article
    article.mentions.all().delete()
    Mention.objects.bulk_create(mentions)
    search_changes.record(article_ids=[article.pk])


@changes_archive
def entity_articles_reindex(*, entities: Iterable[Entity]) -> int:
    """Have search read again every story mentioning `entities`, after a merge, split,
    rename or change of kind. Returns how many stories."""
    return search_changes.record_for_entities(entity_ids=[entity.pk for entity in entities])


def admin_objects_changed(*, objects: Iterable) -> int:
    """An admin form saved these objects, or is about to delete them (call it then in the
    delete's transaction, while their mentions still exist): search reads again every
    story they touch, and the page cache moves on. Returns how many stories."""
    story_ids: set[int] = set()
    entity_ids: list[int] = []
    source_ids: list[int] = []
    for obj in objects:
        if isinstance(obj, Article):
            story_ids.add(obj.pk)
        elif isinstance(obj, Mention):
            story_ids.add(obj.article_id)
        elif isinstance(obj, Entity):
            entity_ids.append(obj.pk)
        elif isinstance(obj, Source):
            source_ids.append(obj.pk)
    count = search_changes.record(article_ids=story_ids)
    count += search_changes.record_for_entities(entity_ids=entity_ids)
    count += search_changes.record_for_sources(source_ids=source_ids)
    archive_changed()
    return count


def search_index_delete(*, article_ids: list[int]) -> None:
    """Stories deleted (or about to be, in the same transaction): out of search."""
    search_changes.record(article_ids=article_ids)


def _same_story(article: Article, fields: dict) -> bool:
    return all(getattr(article, name) == value for name, value in fields.items())


def article_ingest(
    *,
    parsed: ParsedStory,
    batch: IngestBatch | None = None,
    cache: IngestCache | None = None,
    topic_rules: tuple = tagging.DEFAULT_TOPIC_RULES,
) -> IngestResult:
    """Store one parsed story, in its own transaction.

    The same content (by a hash of the normalised body) is stored once, whatever
    the file's name; a changed file for the same URL or path updates the story
    and keeps what it said before as an ArticleVersion.
    """
    digest = content_hash(parsed.body)
    fields = _article_fields(parsed, cache)
    entities = _topic_entities(parsed, topic_rules) + list(parsed.entities)
    with transaction.atomic():
        # One query finds any story this file could be: the same text, URL or path.
        same = Q(content_hash=digest)
        if fields["url"]:
            same |= Q(url=fields["url"])
        if fields["source_path"]:
            same |= Q(source_path=fields["source_path"])
        candidates = list(Article.objects.filter(same)[:10])
        existing = next((a for a in candidates if a.content_hash == digest), None)
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
            if settings.NEWSARCHIVE_CLUSTERS:
                cluster_assign(article=existing)
            archive_changed()
            return IngestResult(existing, Outcome.UPDATED)

        previous = None
        if fields["url"]:
            previous = next((a for a in candidates if a.url == fields["url"]), None)
        if previous is None and fields["source_path"]:
            path = fields["source_path"]
            previous = next((a for a in candidates if a.source_path == path), None)
        if previous:
            _keep_version(previous)
            for name, value in fields.items():
                setattr(previous, name, value)
            previous.slug = _slugify_title(previous.title)
            previous.content_hash = digest
            previous.batch = batch
            previous.save()
            mentions_replace(article=previous, entities=entities, cache=cache)
            if settings.NEWSARCHIVE_CLUSTERS:
                cluster_assign(article=previous)
            archive_changed()
            return IngestResult(previous, Outcome.UPDATED)

        # A new story: its mentions and search text are known before it is written,
        # so it takes one insert each for the story, its mentions and its index row.
        mentions = _mentions_for(entities, cache)
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
        for mention in mentions:
            mention.article = article
        Mention.objects.bulk_create(mentions)
        search_changes.record(article_ids=[article.pk])
        if settings.NEWSARCHIVE_CLUSTERS:
            cluster_assign(article=article)
        archive_changed()
        return IngestResult(article, Outcome.CREATED)


def _keep_version(article: Article) -> ArticleVersion:
    """Record what a story says now, before a changed file or a re-parse replaces it."""
    return ArticleVersion.objects.create(
        article=article,
        title=article.title,
        body=article.body,
        content_hash=article.content_hash,
        raw_input=article.raw_input,
        batch=article.batch,
    )


def _slugify_title(title: str) -> str:
    return slugify(Truncator(title).words(12, truncate=""))[:200] or "story"


def batch_start(*, paths: list[str], parser_version: str, tagger_version: str) -> IngestBatch:
    return IngestBatch.objects.create(
        paths=paths, parser_version=parser_version, tagger_version=tagger_version
    )


BATCH_COUNTS = ("created", "updated", "unchanged", "duplicate", "skipped", "failed")


def batch_progress(*, batch: IngestBatch, counts: dict[str, int], errors: list[dict]) -> None:
    """Record a running batch's counts, under the summary's names, so a batch killed part-way
    still shows what it stored."""
    for name in BATCH_COUNTS:
        setattr(batch, name, counts.get(name, 0))
    batch.errors = errors
    batch.save(update_fields=[*BATCH_COUNTS, "errors"])


def batch_finish(*, batch: IngestBatch, counts: dict[str, int], errors: list[dict]) -> None:
    batch_progress(batch=batch, counts=counts, errors=errors)
    batch.finished_at = timezone.now()
    batch.save(update_fields=["finished_at"])


@changes_archive
def article_set_public(*, article: Article, is_public: bool) -> None:
    with transaction.atomic():
        article.is_public = is_public
        article.save(update_fields=["is_public", "updated_at"])
        search_changes.record(article_ids=[article.pk])


# Curation: the edits the admin makes. Each is one transaction; the admin logs who did it.


class CurationError(Exception):
    """A curation request that cannot be carried out. The message says why, for a person."""


def _retag_story(article: Article) -> ParsedStory:
    """The story as stored, in the form the tagger reads; its topics are the ones it has now."""
    topics = [m.entity.name for m in article.mentions.all() if m.entity.kind == Entity.Kind.TOPIC]
    return ParsedStory(
        path=article.source_path,
        title=article.title,
        body=article.body,
        format=article.raw_format,
        byline=article.byline,
        published_at=article.published_at,
        dateline=article.dateline,
        source=article.source.name if article.source else "",
        publisher=article.publisher.name if article.publisher else "",
        section=article.section,
        url=article.url,
        topics=topics,
        raw=article.raw_input,
        language=article.language,
    )


@changes_archive
def articles_retag(
    *,
    articles: Iterable[Article],
    workers: int = 1,
    on_progress: Callable[[int], None] | None = None,
    resolve: bool = True,
) -> int:
    """Tag stories again from their stored fields and replace their mentions, then
    resolve the archive's entities (see `entities_resolve`) unless `resolve` is off.

    Each story keeps its topics (they came from the page, not the tagger), gains
    what the topic rules find now, and gets whatever the tagger finds now, with
    the archive's current aliases. NER runs in `workers` processes. Returns how
    many stories were re-tagged.
    """
    if isinstance(articles, QuerySet):
        pks = list(articles.order_by("pk").values_list("pk", flat=True))
    else:
        pks = [article.pk for article in articles]
    context = tagging_context()
    # The tagger returns results in input order; this queue pairs each with its story.
    waiting: deque[tuple[Article, ParsedStory]] = deque()

    def stories():
        for chunk in _chunks(pks, 200):
            batch = (
                Article.objects.filter(pk__in=chunk)
                .select_related("source", "publisher")
                # The mentions' entities by a join: Django 5.2 prefetches a foreign key
                # with one OR term per row, past SQLite's expression depth of 1,000
                # once 200 stories name more than 1,000 entities.
                .prefetch_related(
                    Prefetch("mentions", queryset=Mention.objects.select_related("entity"))
                )
            )
            for article in batch:
                story = _retag_story(article)
                story.topics = tagging.topics_for(story, context.topic_rules)
                waiting.append((article, story))
                yield story

    done = 0

    def english(stories):
        """Only text the English model can read goes to it, as at ingest: another
        language's story keeps its topics and gets no guesses from English NER."""
        nonlocal done
        for story in stories:
            if story.language in ingest.language.NER_LANGUAGES:
                yield story
                continue
            article, _ = waiting.pop()
            with transaction.atomic():
                mentions_replace(
                    article=article, entities=_topic_entities(story, context.topic_rules)
                )
            done += 1
            if on_progress is not None:
                on_progress(1)

    tagged = tagging.tag_many(english(stories()), aliases=context.aliases, n_process=workers)
    for entities in tagged:
        article, story = waiting.popleft()
        with transaction.atomic():
            mentions_replace(
                article=article, entities=_topic_entities(story, context.topic_rules) + entities
            )
        done += 1
        if on_progress is not None:
            on_progress(1)
    if resolve:
        entities_resolve()
    return done


@changes_archive
def article_reparse(*, article: Article) -> Article:
    """Parse a story again from its stored raw input and update it as ingest would.

    Raises IngestError, having changed nothing, when the input no longer parses or
    the re-parsed text is another story's. A changed title or body is kept as an
    ArticleVersion first.
    """
    if not article.raw_input:
        raise IngestError("the story has no stored raw input to re-parse")
    try:
        parsed = ingest.parse_text(
            article.raw_input, path=article.source_path, format=article.raw_format or None
        )
        context = tagging_context()
        if parsed.language in ingest.language.NER_LANGUAGES:  # the model reads English
            parsed.entities = tagging.tag(parsed, aliases=context.aliases)
        parsed.topics = tagging.topics_for(parsed, context.topic_rules)
    except IngestError:
        raise
    except Exception as exc:  # a parser bug is a failed re-parse, not a server error
        raise IngestError(f"could not be parsed ({type(exc).__name__}: {exc})") from exc
    digest = content_hash(parsed.body)
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=article.pk)
        other = Article.objects.filter(content_hash=digest).exclude(pk=article.pk).first()
        if other:
            raise IngestError(f"the re-parsed text is the same as story {other.pk}")
        fields = _article_fields(parsed)
        if digest != article.content_hash or fields["title"] != article.title:
            _keep_version(article)
        for name, value in fields.items():
            setattr(article, name, value)
        article.slug = _slugify_title(article.title)
        article.content_hash = digest
        article.save()
        mentions_replace(
            article=article,
            entities=_topic_entities(parsed, context.topic_rules) + parsed.entities,
        )
        cluster_story_edited(article=article)
    return article


_MENTION_FIELDS = ["count", "first_offset", "surface", "in_headline", "in_lede", "salience"]


def _mention_values(mention: Mention) -> dict:
    values = {name: getattr(mention, name) for name in _MENTION_FIELDS}
    return {"article_id": mention.article_id, **values}


@changes_archive
def entity_merge(
    *, keep: Entity, remove: list[Entity], user: AbstractBaseUser | None = None
) -> Entity:
    """Merge `remove` into `keep`, and record it so it can be undone.

    Mentions move to the survivor (where a story mentions both, counts add up and
    the earliest offset, either flag and the best salience win); the removed names
    and aliases become the survivor's aliases; topic rules and URLs follow it
    (old URLs redirect permanently). Returns the survivor.
    """
    remove = [entity for entity in remove if entity.pk != keep.pk]
    if not remove:
        raise CurationError("Choose at least one entity besides the one to keep.")
    if any(entity.kind != keep.kind for entity in remove):
        raise CurationError("Only entities of one kind can be merged; change the kind first.")
    with transaction.atomic():
        survivor = _entity_merge(keep=keep, remove=remove, user=user)
        entity_articles_reindex(entities=[survivor])
    return survivor


def _chunks(items: list, size: int = 500) -> Iterable[list]:
    """Slices small enough for an IN (...) list on every backend."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _mentions_fold(*, keep: Entity, remove: Entity) -> None:
    """Move `remove`'s mentions to `keep`; where a story mentions both, add them up.

    A few set-based statements whatever the number of stories: counts add, the
    earliest offset and either flag win, and the best salience (lowest above 0).
    """
    theirs = Mention.objects.filter(entity=remove, article_id=OuterRef("article_id")).order_by()
    per_story = theirs.values("article_id")
    their_salience = Subquery(
        per_story.filter(salience__gt=0).annotate(best=Min("salience")).values("best")
    )
    shared = Mention.objects.filter(
        entity=keep, article_id__in=Mention.objects.filter(entity=remove).values("article_id")
    )
    shared.update(
        count=F("count") + Subquery(per_story.annotate(total=Sum("count")).values("total")),
        first_offset=Least(
            F("first_offset"),
            Subquery(per_story.annotate(first=Min("first_offset")).values("first")),
        ),
        in_headline=Case(
            When(Q(in_headline=True) | Exists(theirs.filter(in_headline=True)), then=True),
            default=False,
        ),
        in_lede=Case(
            When(Q(in_lede=True) | Exists(theirs.filter(in_lede=True)), then=True),
            default=False,
        ),
        salience=Case(
            When(salience=0, then=Coalesce(their_salience, 0)),
            default=Least(F("salience"), Coalesce(their_salience, F("salience"))),
        ),
    )
    Mention.objects.filter(
        entity=remove, article_id__in=Mention.objects.filter(entity=keep).values("article_id")
    ).delete()
    Mention.objects.filter(entity=remove).update(entity=keep)


@transaction.atomic
def _entity_merge(*, keep: Entity, remove: list[Entity], user: AbstractBaseUser | None) -> Entity:
    remove_ids = [entity.pk for entity in remove]
    # Lock every row involved, in id order, so two merges cannot deadlock each other.
    rows = Entity.objects.select_for_update().filter(pk__in=[keep.pk, *remove_ids])
    locked = {entity.pk: entity for entity in rows.order_by("pk")}
    if len(locked) != len(remove_ids) + 1:
        raise CurationError("An entity to merge was deleted meanwhile; nothing was changed.")
    keep = locked[keep.pk]
    removed = [locked[pk] for pk in sorted(remove_ids)]
    prefetch_related_objects(removed, "aliases", "mentions", "topic_rules", "redirects")

    moved = [mention for entity in removed for mention in entity.mentions.all()]
    keep_mentions = {
        m.article_id: m
        for m in Mention.objects.filter(
            entity=keep,
            article_id__in=Mention.objects.filter(entity_id__in=remove_ids).values("article_id"),
        )
    }
    snapshot = {
        # The survivor's mentions as they were, where it shared a story with a removed entity,
        # and the stories it gained.
        "keep_before": {str(pk): _mention_values(m) for pk, m in keep_mentions.items()},
        "keep_gained": sorted({m.article_id for m in moved} - keep_mentions.keys()),
        "added_aliases": [],
        "removed": [
            {
                "id": entity.pk,
                "name": entity.name,
                "slug": entity.slug,
                "kind": entity.kind,
                "description": entity.description,
                "created_at": entity.created_at.isoformat(),
                "aliases": [alias.name for alias in entity.aliases.all()],
                "mentions": [_mention_values(m) for m in entity.mentions.all()],
                "topic_rules": [rule.pk for rule in entity.topic_rules.all()],
                "redirects": [redirect.pk for redirect in entity.redirects.all()],
            }
            for entity in removed
        ],
    }

    for entity in removed:  # one at a time, so stories two of them mention fold in turn
        _mentions_fold(keep=keep, remove=entity)

    known = set(keep.aliases.values_list("normalized", flat=True)) | {normalize_alias(keep.name)}
    new_aliases = []
    for entity in removed:
        for name in [entity.name, *(alias.name for alias in entity.aliases.all())]:
            normalized = normalize_alias(name)
            if normalized not in known:
                known.add(normalized)
                new_aliases.append(EntityAlias(entity=keep, name=name, normalized=normalized))
    EntityAlias.objects.bulk_create(new_aliases)
    snapshot["added_aliases"] = [alias.name for alias in new_aliases]

    TopicRule.objects.filter(topic_id__in=remove_ids).update(topic=keep)
    EntityRedirect.objects.filter(entity_id__in=remove_ids).update(entity=keep)
    for entity in removed:
        EntityRedirect.objects.update_or_create(
            kind=entity.kind, old_slug=entity.slug, defaults={"entity": keep}
        )
    Entity.objects.filter(pk__in=remove_ids).delete()
    MergeRecord.objects.create(
        keep=keep,
        keep_name=keep.name,
        removed_names=", ".join(entity.name for entity in removed)[:2000],
        snapshot=snapshot,
        merged_by=user,
    )
    return keep


@dataclass
class UndoResult:
    restored: list[Entity]
    skipped_stories: int  # stories deleted since the merge, whose mentions are gone for good


@transaction.atomic
@changes_archive
def entity_merge_undo(*, record: MergeRecord, user: AbstractBaseUser | None = None) -> UndoResult:
    """Restore the entities a merge removed, with their aliases, mentions, rules and URLs.

    Stories deleted since the merge are skipped (and counted). Raises CurationError,
    having changed nothing, when the merge was undone already, the survivor is gone,
    or an entity of a restored name exists again.
    """
    record = MergeRecord.objects.select_for_update().get(pk=record.pk)
    if record.undone_at:
        raise CurationError("This merge was undone already.")
    if record.keep_id is None:
        raise CurationError("The surviving entity was deleted or merged since; cannot undo.")
    keep = record.keep
    snapshot = record.snapshot
    for data in snapshot["removed"]:
        if Entity.objects.filter(kind=data["kind"], name__iexact=data["name"]).exists():
            raise CurationError(
                f"An entity named {data['name']!r} exists again; merge or rename it first."
            )

    keep.aliases.filter(
        normalized__in=[normalize_alias(name) for name in snapshot["added_aliases"]]
    ).delete()
    before = list(snapshot["keep_before"].values())
    wanted = {m["article_id"] for data in snapshot["removed"] for m in data["mentions"]}
    wanted |= {values["article_id"] for values in before}
    live: set[int] = set()
    for pks in _chunks(sorted(wanted)):
        live |= set(Article.objects.filter(pk__in=pks).values_list("pk", flat=True))
    # The survivor's mentions of those stories go back to what they were before the merge.
    for pks in _chunks(snapshot["keep_gained"] + [values["article_id"] for values in before]):
        Mention.objects.filter(entity=keep, article_id__in=pks).delete()
    Mention.objects.bulk_create(
        Mention(entity=keep, **values) for values in before if values["article_id"] in live
    )

    restored = []
    for data in snapshot["removed"]:
        slug = data["slug"]
        if Entity.objects.filter(kind=data["kind"], slug=slug).exists():
            slug = unique_slug(Entity, data["name"], kind=data["kind"])
        entity = Entity(name=data["name"], slug=slug, kind=data["kind"])
        entity.description = data["description"]
        if not Entity.objects.filter(pk=data["id"]).exists():
            entity.pk = data["id"]  # the same id keeps the admin history attached
        entity.save(force_insert=True)
        Entity.objects.filter(pk=entity.pk).update(
            created_at=datetime.fromisoformat(data["created_at"])
        )
        EntityAlias.objects.bulk_create(
            EntityAlias(entity=entity, name=name, normalized=normalize_alias(name))
            for name in data["aliases"]
        )
        Mention.objects.bulk_create(
            Mention(entity=entity, **values)
            for values in data["mentions"]
            if values["article_id"] in live
        )
        TopicRule.objects.filter(pk__in=data["topic_rules"], topic=keep).update(topic=entity)
        EntityRedirect.objects.filter(kind=data["kind"], old_slug=data["slug"]).delete()
        EntityRedirect.objects.filter(pk__in=data["redirects"], entity=keep).update(entity=entity)
        restored.append(entity)

    record.undone_at = timezone.now()
    record.undone_by = user
    record.save(update_fields=["undone_at", "undone_by"])
    entity_articles_reindex(entities=[keep, *restored])
    return UndoResult(restored=restored, skipped_stories=len(wanted - live))


@transaction.atomic
@changes_archive
def entity_change_kind(
    *, entity: Entity, kind: str, user: AbstractBaseUser | None = None
) -> Entity:
    """Make an entity another kind; if one of that kind has its name, merge into that one.

    The old URL redirects permanently. Returns the entity that now carries the name.
    """
    if kind not in Entity.Kind.values:
        raise CurationError(f"Unknown kind {kind!r}.")
    entity = Entity.objects.select_for_update().filter(pk=entity.pk).first()
    if entity is None:
        raise CurationError("The entity was deleted meanwhile.")
    if entity.kind == kind:
        Entity.objects.filter(pk=entity.pk).update(kind_locked=True)
        return entity
    if entity.topic_rules.exists():
        raise CurationError(f"{entity.name} has topic rules; delete or move them first.")
    clash = Entity.objects.filter(kind=kind, name__iexact=entity.name).first()
    if clash:
        Entity.objects.filter(pk=clash.pk).update(kind_locked=True)
        return _entity_merge(keep=clash, remove=[entity], user=user)
    old_kind, old_slug = entity.kind, entity.slug
    entity.kind = kind
    entity.kind_locked = True
    if Entity.objects.filter(kind=kind, slug=entity.slug).exists():
        entity.slug = unique_slug(Entity, entity.name, kind=kind)
    entity.save(update_fields=["kind", "slug", "kind_locked"])
    EntityRedirect.objects.update_or_create(
        kind=old_kind, old_slug=old_slug, defaults={"entity": entity}
    )
    search_changes.record_for_entities(entity_ids=[entity.pk])  # its facet moves
    return entity


@transaction.atomic
@changes_archive
def alias_split(*, alias: EntityAlias) -> Entity:
    """Make an alias an entity of its own, of the same kind, taking the mentions written so."""
    alias = EntityAlias.objects.select_for_update().filter(pk=alias.pk).first()
    if alias is None:
        raise CurationError("The alias was deleted meanwhile.")
    parent = alias.entity
    if Entity.objects.filter(kind=parent.kind, name__iexact=alias.name).exists():
        raise CurationError(f"A {parent.kind} named {alias.name!r} exists already.")
    entity = Entity.objects.create(
        name=alias.name, kind=parent.kind, slug=unique_slug(Entity, alias.name, kind=parent.kind)
    )
    Mention.objects.filter(entity=parent, surface__iexact=alias.name).update(entity=entity)
    alias.delete()
    entity_articles_reindex(entities=[parent, entity])
    return entity


@transaction.atomic
def batch_purge(*, batch: IngestBatch, dry_run: bool = False) -> int:
    """Delete the stories an ingest batch stored last (their mentions and versions go too).

    A story belongs to the batch that last created or updated it. Returns how many
    stories were (or, with dry_run, would be) deleted. The batch record stays.
    """
    stories = Article.objects.filter(batch=batch)
    count = stories.count()
    if count and not dry_run:
        articles_delete(stories=stories)  # a dry run changes nothing, so the cache stays
    return count


@transaction.atomic
def articles_delete(*, stories: QuerySet[Article]) -> int:
    """Delete these stories (their mentions, keys and versions go too) and take them out
    of search. The clusters they were copies of are ranked again, dissolved when one
    copy is left, and their collapsed documents re-read. Returns how many stories."""
    ids = list(stories.values_list("pk", flat=True))
    if not ids:
        return 0
    cluster_ids = clusters_of(stories=stories)
    Article.objects.filter(pk__in=stories.values("pk")).delete()
    search_index_delete(article_ids=ids)
    clusters_settle(cluster_ids=cluster_ids)
    archive_changed()
    return len(ids)


@transaction.atomic
@changes_archive
def source_merge(*, keep: Source, remove: list[Source]) -> Source:
    """Credit the stories of `remove` (as source or publisher) to `keep`, then delete them."""
    remove = [source for source in remove if source.pk != keep.pk]
    if not remove:
        raise CurationError("Choose at least one source besides the one to keep.")
    remove_ids = [source.pk for source in remove]
    search_changes.record_for_sources(source_ids=remove_ids)
    Article.objects.filter(source_id__in=remove_ids).update(source=keep)
    Article.objects.filter(publisher_id__in=remove_ids).update(publisher=keep)
    for source in remove:
        keep.short_name = keep.short_name or source.short_name
        keep.homepage = keep.homepage or source.homepage
    keep.save(update_fields=["short_name", "homepage"])
    Source.objects.filter(pk__in=remove_ids).delete()
    return keep


@changes_archive
def entity_redirect_add(*, entity: Entity, kind: str, old_slug: str) -> None:
    """Send an entity's former address (its old kind and slug) to its page, permanently."""
    if (kind, old_slug) != (entity.kind, entity.slug):
        EntityRedirect.objects.update_or_create(
            kind=kind, old_slug=old_slug, defaults={"entity": entity}
        )


# Resolution across the archive: one entity per real-world thing, whatever its surface form.


@dataclass
class ResolveResult:
    merged: list[tuple[str, list[str]]] = field(default_factory=list)  # (kept, removed)
    rescored: int = 0


def _undone_pairs() -> set[frozenset[str]]:
    """Names a curator took apart again (an undone merge): the tagger must not rejoin them."""
    pairs = set()
    for keep, removed in MergeRecord.objects.filter(undone_at__isnull=False).values_list(
        "keep_name", "removed_names"
    ):
        for name in removed.split(", "):
            pairs.add(frozenset({keep.casefold(), name.casefold()}))
    return pairs


def _story_counts(entities: Iterable[Entity]) -> dict[int, int]:
    ids = [e.pk for e in entities]
    counts: dict[int, int] = {}
    for chunk in _chunks(ids):
        rows = Mention.objects.filter(entity_id__in=chunk).values("entity_id")
        for row in rows.annotate(n=Count("id")).order_by():
            counts[row["entity_id"]] = row["n"]
    return counts


def _merge_group(
    group: list[Entity], counts: dict[int, int], undone: set, result: ResolveResult
) -> None:
    """Merge a group into its most-mentioned entity, sparing curated ones and undone pairs."""
    group = sorted(group, key=lambda e: (-counts.get(e.pk, 0), len(e.name), e.pk))
    keep, rest = group[0], group[1:]
    remove = [
        e
        for e in rest
        if not e.confirmed and frozenset({keep.name.casefold(), e.name.casefold()}) not in undone
    ]
    if remove:
        _entity_merge(keep=keep, remove=remove, user=None)
        entity_articles_reindex(entities=[keep])
        result.merged.append((keep.name, [e.name for e in remove]))


def surname_candidates(
    entities: Iterable[Entity], counts: dict[int, int]
) -> dict[int, list[Entity]]:
    """For each one-word person, the people of several words whose surname it is."""
    people = [e for e in entities if e.kind == Entity.Kind.PERSON]
    by_surname: dict[str, list[Entity]] = {}
    for e in people:
        if " " in e.name:
            by_surname.setdefault(e.name.split()[-1].casefold(), []).append(e)
    return {
        e.pk: by_surname[e.name.casefold()]
        for e in people
        if " " not in e.name and e.name.casefold() in by_surname
    }


# A lone surname joins a full name when that name has this many times the stories of
# the next one, and at least SURNAME_MIN_STORIES of its own.
SURNAME_DOMINANCE = 3.0
SURNAME_MIN_STORIES = 2


def dominant_full_name(candidates: list[Entity], counts: dict[int, int]) -> Entity | None:
    ranked = sorted(candidates, key=lambda e: -counts.get(e.pk, 0))
    top = counts.get(ranked[0].pk, 0)
    runner_up = counts.get(ranked[1].pk, 0) if len(ranked) > 1 else 0
    if top >= SURNAME_MIN_STORIES and top >= SURNAME_DOMINANCE * max(runner_up, 1):
        return ranked[0]
    return None


def _same_period(surname: Entity, full: Entity) -> bool:
    """Most of the surname's dated stories fall within a year of the full name's."""
    from datetime import timedelta

    span = Article.objects.filter(mentions__entity=full, published_at__isnull=False).aggregate(
        first=Min("published_at"), last=Max("published_at")
    )
    dates = list(
        Article.objects.filter(mentions__entity=surname, published_at__isnull=False).values_list(
            "published_at", flat=True
        )[:500]
    )
    if not dates or span["first"] is None:
        return True  # undated: nothing says otherwise
    year = timedelta(days=366)
    inside = sum(span["first"] - year <= d <= span["last"] + year for d in dates)
    return inside >= 0.8 * len(dates)


def _rescore(entities: list[Entity], counts: dict[int, int]) -> int:
    """An entity's confidence from its stories': the best story's, raised by each further
    story that backs it (noisy-or), so a name seen in many stories earns trust."""
    changed = []
    for chunk in _chunks([e.pk for e in entities]):
        per_entity: dict[int, list[float]] = {}
        rows = Mention.objects.filter(entity_id__in=chunk).values_list("entity_id", "confidence")
        for pk, confidence in rows:
            per_entity.setdefault(pk, []).append(confidence)
        for entity in (e for e in entities if e.pk in set(chunk)):
            values = per_entity.get(entity.pk)
            if not values:
                continue
            doubt = 1.0
            for value in sorted(values, reverse=True)[:10]:
                doubt *= 1.0 - 0.6 * value
            confidence = round(max(max(values), 1.0 - doubt), 2)
            if abs(confidence - entity.confidence) > 0.005:
                entity.confidence = confidence
                changed.append(entity)
    Entity.objects.bulk_update(changed, ["confidence"], batch_size=500)
    return len(changed)


@changes_archive
def entities_resolve() -> ResolveResult:
    """Make the archive's entities one per real-world thing.

    - Plural and singular are one entity (Tory and Tories, Lib Dem and Lib Dems).
    - One name tagged with several kinds becomes the kind most of its mentions carry
      (two thirds of them at least; otherwise it waits in the review list).
    - A lone surname joins the dominant full name of that surname in the same period
      (see SURNAME_DOMINANCE); when no full name dominates it stays, for the curator.
    - Each entity's confidence is set from its stories.

    Every merge is an ordinary merge, with its record and undo. A curator's decisions
    win: confirmed entities are never merged away, re-kinded ones keep their kind, and
    names whose merge a curator undid are not joined again.
    """
    result = ResolveResult()
    undone = _undone_pairs()
    entities = list(Entity.objects.exclude(kind=Entity.Kind.TOPIC))
    counts = _story_counts(entities)

    groups: dict[tuple[str, str], list[Entity]] = {}
    for e in entities:
        groups.setdefault((e.kind, tagging.plural_key(e.name)), []).append(e)
    for group in groups.values():
        if len(group) > 1:
            _merge_group(group, counts, undone, result)

    entities = list(Entity.objects.exclude(kind=Entity.Kind.TOPIC))
    counts = _story_counts(entities)
    by_name: dict[str, list[Entity]] = {}
    for e in entities:
        by_name.setdefault(e.name.casefold(), []).append(e)
    for same in by_name.values():
        if len(same) < 2 or any(e.kind_locked or e.confirmed for e in same):
            continue
        weight: dict[str, int] = {}
        for e in same:
            weight[e.kind] = weight.get(e.kind, 0) + counts.get(e.pk, 0)
        kind, top = max(weight.items(), key=lambda kv: kv[1])
        if top * 3 >= 2 * sum(weight.values()):
            keep = next(e for e in same if e.kind == kind)
            remove = [e for e in same if e.kind != kind]
            _entity_merge(keep=keep, remove=remove, user=None)
            entity_articles_reindex(entities=[keep])
            result.merged.append((keep.name, [f"{e.name} ({e.kind})" for e in remove]))

    entities = list(Entity.objects.exclude(kind=Entity.Kind.TOPIC))
    counts = _story_counts(entities)
    by_pk = {e.pk: e for e in entities}
    for pk, candidates in surname_candidates(entities, counts).items():
        surname = by_pk[pk]
        full = dominant_full_name(candidates, counts)
        if full is None or surname.confirmed or (full.kind_locked and full.kind != surname.kind):
            continue
        if frozenset({full.name.casefold(), surname.name.casefold()}) in undone:
            continue
        if _same_period(surname, full):
            _entity_merge(keep=full, remove=[surname], user=None)
            entity_articles_reindex(entities=[full])
            result.merged.append((full.name, [surname.name]))

    entities = list(Entity.objects.exclude(kind=Entity.Kind.TOPIC))
    result.rescored = _rescore(entities, _story_counts(entities))
    return result


@changes_archive
def entity_confirm(*, entities: Iterable[Entity]) -> int:
    """A curator vouches for these entities: shown everywhere, and kept by the tagger."""
    return Entity.objects.filter(pk__in=[e.pk for e in entities]).update(
        confirmed=True, kind_locked=True
    )
