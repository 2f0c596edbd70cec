"""Storing parsed stories: each story upserted by a hash of its text, with its source,
entities, topics and batch, and the archive's change in the same transaction; a run of
them (IngestRun) commits in groups and keeps its batch's counts."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import Truncator, slugify

from .. import clusters, tagging
from ..ingest import PARSER_VERSION
from ..ingest.types import ParsedStory, TaggedEntity
from ..models import (
    Article,
    ArticleVersion,
    Entity,
    EntityAlias,
    IngestBatch,
    Mention,
    Source,
    TopicRule,
    free_slug,
    normalize_alias,
    split_terms,
    unique_slug,
)
from .archive import archive_changed
from .clusters import ClusterBatch, ClusterBatchError, cluster_assign
from .curation import CurationError
from .resolve import NameIndex, ResolveResult, entities_resolve


class IngestOutcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    DUPLICATE = "duplicate"


@dataclass
class IngestResult:
    article: Article
    outcome: IngestOutcome


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
    # (kind, casefolded name) of an entity merged away during this run -> the survivor's
    # (pk, name, kind): a later story that names it joins the survivor, as the next
    # run's tagger will through the merge's alias.
    merged: dict[tuple[str, str], tuple[int, str, str]] = field(default_factory=dict)

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
        self.merged.clear()
        if self.known is not None:
            self.prepare()

    def entities_merged(self, result: ResolveResult) -> None:
        """After `result`'s merges: each removed name leads to its survivor."""
        if not result.moves:
            return
        for key, (pk, *_rest) in list(self.merged.items()):
            if pk in result.moves:  # merged away in turn
                self.merged[key] = result.moves[pk]
        for removed, (keep, keep_name, keep_kind) in result.moves.items():
            name, kind = result.removed[removed]
            key = (kind, name.casefold())
            self.merged[key] = (keep, keep_name, keep_kind)
            if self.known is not None:
                self.known.pop(key, None)
            self.entities.pop(key, None)
        for key, (pk, _name) in list(self.aliases.items()):
            if pk in result.moves:  # the survivor took the removed entity's aliases
                keep, keep_name, keep_kind = result.moves[pk]
                del self.aliases[key]
                if keep_kind == key[0]:
                    self.aliases[key] = (keep, keep_name)
        for removed, (keep, keep_name, keep_kind) in result.moves.items():
            self.aliases[(keep_kind, normalize_alias(result.removed[removed][0]))] = (
                keep,
                keep_name,
            )

    def entity(self, *, name: str, kind: str, confidence: float = 1.0) -> Entity:
        """The entity for `name`, from what was loaded, or created; needs prepare()."""
        assert self.known is not None
        moved = self.merged.get((kind, name.casefold()))
        if moved is not None:
            pk, canonical, kind = moved
            return Entity.from_db("default", ["id", "name", "kind"], [pk, canonical, kind])
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
        tagging.TopicPattern(
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


def article_fields(*, parsed: ParsedStory, cache: IngestCache | None = None) -> dict:
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
        "given_metadata": parsed.given,
        "language": parsed.language[:8],
    }


def topic_entities(
    *,
    parsed: ParsedStory,
    rules: tuple = tagging.DEFAULT_TOPIC_RULES,
    named: list[TaggedEntity] | None = None,
) -> list[TaggedEntity]:
    """Topics and places the page or its metadata named. Topics: the section, related
    and manifest topics, and those its rules found; each with its real count and whether
    the headline or the lede names it (the topic page ranks by these). Places: a
    manifest's, which no NER pass found, so they count once.

    A topic (other than the section) that names a person, organization or place is
    that entity, not a second chip beside it: one the story's `named` entities already
    hold is left out, and one the alias table knows by another kind ("Islamic State",
    an organization) comes as that entity.
    """
    names: list[str] = []
    for name in [parsed.section, *parsed.topics]:
        name = " ".join(name.split())
        if name and name.casefold() not in {n.casefold() for n in names}:
            names.append(name)
    held = {tagging.alias_key(e.name) for e in named or () if e.kind != Entity.Kind.TOPIC}
    section = tagging.alias_key(parsed.section)
    out = []
    for name in names:
        evidence = tagging.topic_evidence(parsed, name, rules)
        kind: str = Entity.Kind.TOPIC
        key = tagging.alias_key(name)
        if key != section:
            if key in held:
                continue
            canonical, known_kind = tagging.DEFAULT_ALIASES.get(key, (name, kind))
            if known_kind != kind:
                if tagging.alias_key(canonical) in held:
                    continue
                name, kind = canonical, known_kind
        out.append(
            TaggedEntity(
                name=name,
                kind=kind,
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


def story_entities(
    *, parsed: ParsedStory, entities: list[TaggedEntity], rules: tuple
) -> list[TaggedEntity]:
    """Everything a story's mentions are made of: its topics (see topic_entities) and
    the tagger's `entities`."""
    return topic_entities(parsed=parsed, rules=rules, named=entities) + list(entities)


def _place_name(code: str) -> str:
    """A manifest's place code as a name: 'el-salvador' -> 'El Salvador', 'usa' -> 'USA'.
    A name written with capitals is left as written."""
    if code != code.lower():
        return code
    words = code.replace("-", " ").replace("_", " ").split()
    if len(words) == 1 and len(code) <= 3:
        return code.upper()
    return " ".join(word.capitalize() for word in words)


def _mentions_for(
    entities: list[TaggedEntity], cache: IngestCache | None, section: str = ""
) -> list[Mention]:
    """Unsaved mentions for `entities`, merging those that resolve to one entity. A
    mention is in_section when the story's `section` is the entity's name."""
    merged: dict[int, Mention] = {}
    section = section.strip().casefold()
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
            in_section=bool(section) and section == entity.name.casefold(),
            confidence=tagged.confidence,
        )
    return list(merged.values())


def mentions_replace(
    *, article: Article, entities: list[TaggedEntity], cache: IngestCache | None = None
) -> None:
    """Set a story's mentions to exactly `entities` (merging ones that resolve alike).
    The caller says archive_changed for the story, in the same transaction."""
    mentions = _mentions_for(entities, cache, article.section)
    for mention in mentions:
        mention.article = article
    article.mentions.all().delete()
    Mention.objects.bulk_create(mentions)


def _same_story(article: Article, fields: dict) -> bool:
    return all(getattr(article, name) == value for name, value in fields.items())


def article_ingest(
    *,
    parsed: ParsedStory,
    batch: IngestBatch | None = None,
    cache: IngestCache | None = None,
    topic_rules: tuple = tagging.DEFAULT_TOPIC_RULES,
    clusters_later: ClusterBatch | None = None,
    fingerprint: clusters.Fingerprint | None = None,
) -> IngestResult:
    """Store one parsed story, in its own transaction.

    The same content (by a hash of the normalised body) is stored once, whatever
    the file's name; a changed file for the same URL or path updates the story
    and keeps what it said before as an ArticleVersion.

    With `clusters_later` (an ingest group's), a new story's cluster is decided with
    the group's other new stories when the caller flushes it, in the caller's
    transaction; a story that changes has the waiting ones decided first, so every
    story meets the clusters as they would have been one story at a time. `fingerprint`
    is the body's (pipeline.story_fingerprint) where a worker computed it; else
    detection computes it here.
    """
    digest = content_hash(parsed.body)
    fields = article_fields(parsed=parsed, cache=cache)
    entities = story_entities(parsed=parsed, entities=parsed.entities, rules=topic_rules)
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
                return IngestResult(existing, IngestOutcome.DUPLICATE)
            if _same_story(existing, fields):
                return IngestResult(existing, IngestOutcome.UNCHANGED)
            if clusters_later is not None:
                clusters_later.flush()
            for name, value in fields.items():
                setattr(existing, name, value)
            existing.slug = title_slug(existing.title)
            existing.batch = batch
            existing.save()
            mentions_replace(article=existing, entities=entities, cache=cache)
            if settings.NEWSARCHIVE_CLUSTERS:
                cluster_assign(article=existing, fingerprint=fingerprint)
            archive_changed(article_ids=[existing.pk])
            return IngestResult(existing, IngestOutcome.UPDATED)

        previous = None
        if fields["url"]:
            previous = next((a for a in candidates if a.url == fields["url"]), None)
        if previous is None and fields["source_path"]:
            path = fields["source_path"]
            previous = next((a for a in candidates if a.source_path == path), None)
        if previous:
            if clusters_later is not None:
                clusters_later.flush()
            article_version_keep(article=previous)
            for name, value in fields.items():
                setattr(previous, name, value)
            previous.slug = title_slug(previous.title)
            previous.content_hash = digest
            previous.batch = batch
            previous.save()
            mentions_replace(article=previous, entities=entities, cache=cache)
            if settings.NEWSARCHIVE_CLUSTERS:
                cluster_assign(article=previous, fingerprint=fingerprint)
            archive_changed(article_ids=[previous.pk])
            return IngestResult(previous, IngestOutcome.UPDATED)

        # A new story: its mentions and search text are known before it is written,
        # so it takes one insert each for the story, its mentions and its index row.
        mentions = _mentions_for(entities, cache, fields["section"])
        try:
            with transaction.atomic():
                article = Article.objects.create(
                    **fields,
                    content_hash=digest,
                    batch=batch,
                    slug=title_slug(fields["title"]),
                )
        except IntegrityError:
            # A concurrent ingest stored the same content first: the unique
            # content_hash makes that a duplicate, never a second copy.
            return IngestResult(Article.objects.get(content_hash=digest), IngestOutcome.DUPLICATE)
        for mention in mentions:
            mention.article = article
        Mention.objects.bulk_create(mentions)
        if settings.NEWSARCHIVE_CLUSTERS and clusters_later is None:
            # its copies' cluster, if any
            cluster_assign(article=article, fingerprint=fingerprint, new=True)
        archive_changed(article_ids=[article.pk])
        if settings.NEWSARCHIVE_CLUSTERS and clusters_later is not None:
            # last: only a story stored is decided
            clusters_later.add(article=article, fingerprint=fingerprint, logged=True)
        return IngestResult(article, IngestOutcome.CREATED)


def article_version_keep(*, article: Article) -> ArticleVersion:
    """Record what a story says now, before a changed file or a re-parse replaces it."""
    return ArticleVersion.objects.create(
        article=article,
        title=article.title,
        body=article.body,
        content_hash=article.content_hash,
        raw_input=article.raw_input,
        batch=article.batch,
    )


def title_slug(title: str) -> str:
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


# Stories committed together: one commit (and one search-log write) per group rather than
# per story is most of what storing costs; a group is small enough that a killed ingest
# has little to redo.
GROUP_SIZE = 32


def _story_store(
    *,
    parsed: ParsedStory,
    batch: IngestBatch | None,
    cache: IngestCache,
    clusters_later: ClusterBatch | None = None,
    fingerprint: clusters.Fingerprint | None = None,
) -> IngestResult | str:
    """One story under its own savepoint: its result, or why the database refused it."""
    try:
        return article_ingest(
            parsed=parsed,
            batch=batch,
            cache=cache,
            clusters_later=clusters_later,
            fingerprint=fingerprint,
        )
    except DatabaseError as exc:  # rolled back to this story's savepoint; the rest go on
        cache.clear()
        return f"could not be stored ({type(exc).__name__}: {exc})"


# A story waiting for its group: its name, itself, and its body's fingerprint where a
# worker computed it (None: detection computes it).
Waiting = tuple[str, ParsedStory, clusters.Fingerprint | None]


def _group_store(
    group: list[Waiting], *, batch: IngestBatch | None, cache: IngestCache
) -> list[tuple[str, IngestResult | str]]:
    """Store a group of stories in one transaction, each under its own savepoint:
    (name, IngestResult or the reason it failed) for each, in order.

    A story the database refuses rolls back alone and the group goes on; if the group
    itself cannot commit, each story is tried again in a transaction of its own. Either
    way a killed ingest leaves no partial story behind. The group's new stories find
    their clusters together, before it commits (services/clusters.ClusterBatch)."""
    if not group:
        return []
    try:
        with transaction.atomic():
            _commit_without_waiting_for_disk()
            later = ClusterBatch()
            stored = [
                (
                    name,
                    _story_store(
                        parsed=parsed,
                        batch=batch,
                        cache=cache,
                        clusters_later=later,
                        fingerprint=fingerprint,
                    ),
                )
                for name, parsed, fingerprint in group
            ]
            later.flush()
            return stored
    except (DatabaseError, ClusterBatchError):  # the group's clusters, or its commit
        cache.clear()
        return [
            (name, _story_store(parsed=parsed, batch=batch, cache=cache, fingerprint=fingerprint))
            for name, parsed, fingerprint in group
        ]


def _commit_without_waiting_for_disk() -> None:
    """On PostgreSQL, this transaction's commit does not wait for the disk: the group
    still commits atomically, and a crash may lose only the last few groups, which
    re-running the idempotent ingest puts back. SET LOCAL, so the setting ends with the
    transaction: a session-wide SET would stay on a connection that pgbouncer (or a
    pool) hands to the next client, a web request's writes included."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _ignore(*args: object) -> None:
    return None


@dataclass
class IngestRun:
    """The storing half of one ingest: stories go in groups of GROUP_SIZE (see
    `_group_store`), and the batch's counts are saved after every group, so a batch
    killed part-way still shows what it stored.

    The caller feeds it with `add` (a parsed story), `fail` (a file that could not be
    read or parsed) and `skip`, and ends it with `finish`. `on_stored(name, result)` and
    `on_failed(name, reason)` hear of each stored or refused story, `after_group()` runs
    after each group's commit. Without a batch (a dry run) nothing is stored.

    With `resolve` on, after each group the archive-level resolution (`entities_resolve`)
    runs around the entities the group's stories name, so that a plain ingest leaves one
    entity per real-world thing ("Mr Blair" with "Tony Blair"), as `retag` would, at a
    cost bounded by those entities' neighbours.
    """

    batch: IngestBatch | None
    cache: IngestCache
    on_stored: Callable[[str, IngestResult], None] = _ignore
    on_failed: Callable[[str, str], None] = _ignore
    after_group: Callable[[], None] = _ignore
    counts: Counter[str] = field(default_factory=Counter)
    errors: list[dict] = field(default_factory=list)
    group: list[Waiting] = field(default_factory=list)
    resolve: bool = True
    names: NameIndex | None = None
    resolved: ResolveResult = field(default_factory=ResolveResult)

    def add(
        self, *, name: str, parsed: ParsedStory, fingerprint: clusters.Fingerprint | None = None
    ) -> None:
        """Store `parsed` with the group; `fingerprint`, its body's, where a worker
        computed it (pipeline.story_fingerprint)."""
        self.group.append((name, parsed, fingerprint))
        if len(self.group) >= GROUP_SIZE:
            self.flush()

    def fail(self, *, name: str, reason: str) -> None:
        self.errors.append({"path": name, "error": reason})
        self.counts["failed"] += 1

    def skip(self) -> None:
        self.counts["skipped"] += 1

    def flush(self) -> None:
        """Store the waiting group, resolve around it, and record the batch's counts."""
        changed = []
        for name, result in _group_store(self.group, batch=self.batch, cache=self.cache):
            if isinstance(result, str):
                self.fail(name=name, reason=result)
                self.on_failed(name, result)
            else:
                self.counts[str(result.outcome)] += 1
                self.on_stored(name, result)
                if result.outcome in (IngestOutcome.CREATED, IngestOutcome.UPDATED):
                    changed.append(result.article.pk)
        self.group.clear()
        if self.batch is not None and self.resolve and changed:
            self._resolve(article_ids=changed)
        if self.batch is not None:
            batch_progress(batch=self.batch, counts=self.counts, errors=self.errors)
        self.after_group()

    def _resolve(self, *, article_ids: list[int]) -> None:
        if self.names is None:
            known = self.cache.known
            if known is None:
                self.names = NameIndex.of_archive()
            else:
                self.names = NameIndex.of_names(
                    (pk, name, kind) for (kind, _key), (pk, name) in known.items()
                )
        rows = (
            Mention.objects.filter(article_id__in=article_ids)
            .exclude(entity__kind=Entity.Kind.TOPIC)
            .values_list("entity_id", "entity__name", "entity__kind")
            .distinct()
        )
        around = []
        for pk, name, kind in rows:
            self.names.add(pk=pk, name=name, kind=kind)
            around.append(pk)
        try:
            with transaction.atomic():
                result = entities_resolve(around=around, index=self.names)
        except (DatabaseError, CurationError):
            # A concurrent edit (a curator's merge, another ingest) got there first: these
            # entities wait for the next group that names them, or for `retag`.
            self.cache.clear()
            self.names = None
            return
        self.cache.entities_merged(result)
        self.resolved.merged += result.merged

    def finish(self) -> None:
        self.flush()
        if self.batch is not None:
            batch_finish(batch=self.batch, counts=self.counts, errors=self.errors)


def ingest_run_start(
    *,
    paths: list[str],
    dry_run: bool = False,
    on_stored: Callable[[str, IngestResult], None] = _ignore,
    on_failed: Callable[[str, str], None] = _ignore,
    after_group: Callable[[], None] = _ignore,
    resolve: bool = True,
) -> IngestRun:
    """Begin an ingest of `paths`: its batch record (none for a dry run) and the cache of
    the archive's names that every story of the run shares. `resolve` off leaves the
    archive-level resolution to `retag`."""
    batch = None
    if not dry_run:
        batch = batch_start(
            paths=paths,
            parser_version=PARSER_VERSION,
            tagger_version=tagging.TAGGER_VERSION,
        )
    return IngestRun(
        batch=batch,
        cache=IngestCache.prepared(),
        on_stored=on_stored,
        on_failed=on_failed,
        after_group=after_group,
        resolve=resolve,
    )
