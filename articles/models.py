"""The archive's data: stories, who published them, what they mention, how they arrived."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Least, Lower
from django.utils.text import slugify

from .addresses import address
from .querysets import (
    CENTRAL_COUNT_CAP,
    ArticleQuerySet,
    EntityQuerySet,
    SourceQuerySet,
    UTCDatePart,
)
from .vocabulary import KIND_URL_PREFIX, TRUSTED_CONFIDENCE, EntityKind


def unique_slug(model: type[models.Model], text: str, *, max_length: int = 200, **scope) -> str:
    """A slug for `text` not yet used in `model` (within `scope`), with -2, -3… appended."""
    return free_slug(
        text,
        lambda slug: model._default_manager.filter(slug=slug, **scope).exists(),
        max_length=max_length,
    )


def free_slug(text: str, taken: Callable[[str], bool], *, max_length: int = 200) -> str:
    """The slug of `text`, with -2, -3… appended until `taken` says it is free."""
    base = (slugify(text) or "item")[: max_length - 8].strip("-") or "item"
    slug, n = base, 1
    while taken(slug):
        n += 1
        slug = f"{base}-{n}"
    return slug


class Source(models.Model):
    """A credited outlet or wire agency: who wrote a story, or the site it was archived from."""

    name = models.CharField(max_length=200, unique=True)
    short_name = models.CharField(max_length=50, blank=True)
    slug = models.SlugField(max_length=200, unique=True)
    homepage = models.URLField(blank=True)

    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return address("articles:source", slug=self.slug)


class IngestBatch(models.Model):
    """One run of `manage.py ingest`: what it read, what it stored, what it refused."""

    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    paths = models.JSONField(default=list)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    duplicate = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    parser_version = models.CharField(max_length=20, blank=True)
    tagger_version = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name_plural = "ingest batches"

    def __str__(self) -> str:
        return f"Batch {self.pk} ({self.started_at:%Y-%m-%d %H:%M})"


class Entity(models.Model):
    """A person, organization, place, group or topic that stories are about.

    Topics are a kind of Entity rather than a model of their own: they need the
    same pages, aliases, merging, facets and per-story mentions as people do, and
    one table keeps the faceting and search code single.
    """

    Kind = EntityKind  # articles/vocabulary.py, with each kind's URL prefix

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, db_index=True)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # How sure the tagger is that this is one real thing of this kind (0..1). Below
    # TRUSTED_CONFIDENCE an entity stays off the home page and out of autocomplete until a
    # curator confirms it.
    confidence = models.FloatField(default=1.0)
    confirmed = models.BooleanField(
        default=False, help_text="A curator checked the name and kind; the tagger keeps them."
    )
    kind_locked = models.BooleanField(
        default=False, editable=False, help_text="A curator set the kind; re-tagging keeps it."
    )

    TRUSTED_CONFIDENCE = TRUSTED_CONFIDENCE  # articles/vocabulary.py

    objects = EntityQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "entities"
        constraints = [
            models.UniqueConstraint(Lower("name"), "kind", name="entity_unique_name_per_kind"),
            models.UniqueConstraint(fields=["kind", "slug"], name="entity_unique_slug_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"

    def get_absolute_url(self) -> str:
        return address("articles:entity", kind=KIND_URL_PREFIX[self.kind], slug=self.slug)


class EntityAlias(models.Model):
    """Another name for an entity ("Assad", "U.S."), used when tagging new stories."""

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200)
    normalized = models.CharField(max_length=200, db_index=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "entity aliases"
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "normalized"], name="alias_unique_per_entity"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.normalized = normalize_alias(self.name)
        super().save(*args, **kwargs)


def normalize_alias(name: str) -> str:
    return " ".join(name.split()).casefold()


class StoryCluster(models.Model):
    """The copies of one syndicated story, as the sites that ran it printed them.

    Each copy is an Article with its own source, publisher, date and URL. The cluster's
    original is its copy of rank 0: the earliest dated, then the most complete
    (services/clusters.py keeps the ranks). Lists show a cluster once, by the best
    ranked of its copies they include (ArticleQuerySet.collapsed)."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"Story cluster {self.pk}"

    def get_absolute_url(self) -> str:
        return address("articles:cluster", pk=self.pk)


class Article(models.Model):
    """One news story, as published, with the raw input it was parsed from."""

    class DatePrecision(models.TextChoices):
        NONE = "none", "unknown"
        YEAR = "year", "year"
        MONTH = "month", "month"
        DAY = "day", "day"
        MINUTE = "minute", "minute"

    title = models.CharField(max_length=500)
    slug = models.SlugField(max_length=200)
    byline = models.CharField(max_length=300, blank=True)
    dateline = models.CharField(max_length=200, blank=True)
    section = models.CharField(max_length=200, blank=True, db_index=True)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # The month and day of published_at in UTC, month * 100 + day (506 for 6 May), for
    # "On this day": the database computes and stores it on every write, whoever makes
    # it, and an index on it answers a day in any year without reading every story.
    month_day = models.GeneratedField(
        expression=UTCDatePart("published_at", "month_day"),
        output_field=models.IntegerField(null=True),
        db_persist=True,
    )
    date_precision = models.CharField(
        max_length=10, choices=DatePrecision.choices, default=DatePrecision.NONE
    )
    updated_at_source = models.DateTimeField(
        null=True, blank=True, help_text="When the publisher last updated the story."
    )
    body = models.TextField(help_text="Paragraphs separated by a blank line.")
    summary = models.TextField(blank=True)
    word_count = models.PositiveIntegerField(default=0)
    read_time_min = models.PositiveSmallIntegerField(null=True, blank=True)
    read_time_max = models.PositiveSmallIntegerField(null=True, blank=True)
    disclaimer = models.TextField(blank=True, help_text="The publisher's archive disclaimer.")
    copyright = models.CharField(max_length=500, blank=True)
    url = models.URLField(max_length=2000, blank=True, db_index=True)
    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.PROTECT, related_name="articles"
    )
    publisher = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.PROTECT, related_name="published_articles"
    )
    content_hash = models.CharField(max_length=64, unique=True, editable=False)
    is_public = models.BooleanField(default=True, db_index=True)
    batch = models.ForeignKey(
        IngestBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="articles"
    )
    source_path = models.CharField(max_length=1000, blank=True, db_index=True)
    raw_format = models.CharField(max_length=20, blank=True)
    raw_input = models.TextField(blank=True, help_text="The exact text the parser read.")
    given_metadata = models.JSONField(
        default=dict,
        blank=True,
        help_text="What the ingest batch said of the file beside its text: its defaults "
        "(--source, --publisher, --language), sidecar and manifest row. Re-parse applies "
        "it again.",
    )
    language = models.CharField(
        max_length=8,
        blank=True,
        help_text="ISO 639-1 code of the story's language; blank when unknown.",
    )
    entities = models.ManyToManyField(Entity, through="Mention", related_name="articles")
    cluster = models.ForeignKey(
        StoryCluster, null=True, blank=True, on_delete=models.SET_NULL, related_name="copies"
    )
    cluster_rank = models.PositiveIntegerField(
        default=0, editable=False, help_text="0 for the cluster's original; then by date."
    )
    cluster_locked = models.BooleanField(
        default=False,
        editable=False,
        help_text="A curator placed this story in (or out of) its cluster; rebuilds keep it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        # What the site calls it, and so the admin too.
        verbose_name = "story"
        verbose_name_plural = "stories"
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["is_public", "-published_at", "-id"], name="article_latest"),
            models.Index(fields=["source", "published_at"], name="article_source_date"),
            # A source's page walks its stories as publisher too, newest first: without
            # this, SQLite walked the whole archive by date to find them.
            models.Index(fields=["publisher", "published_at"], name="article_publisher_date"),
            # When the archive last changed: the API's Last-Modified, on every answer.
            models.Index(fields=["updated_at"], name="article_updated"),
            # "On this day": a day's public stories newest first, read in the index's
            # order as far as the page goes, and every day's count from the index
            # alone. Partial, since SQLite cannot search an index by a bare boolean
            # (Django's "WHERE is_public"): one on it first could not be searched.
            models.Index(
                fields=["month_day", "published_at"],
                condition=models.Q(is_public=True),
                name="article_month_day",
            ),
            models.Index(fields=["cluster", "cluster_rank"], name="article_cluster_rank"),
            # Counting a collapsed archive (one per cluster) from the index alone: the
            # rows themselves hold the bodies, and reading 100k of them took 140 ms.
            models.Index(
                fields=["is_public", "cluster", "cluster_rank"], name="article_public_cluster"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return address("articles:story", pk=self.pk, slug=self.slug)

    @property
    def paragraphs(self) -> list[str]:
        return [p for p in self.body.split("\n\n") if p.strip()]

    @property
    def read_time(self) -> tuple[int, int] | None:
        if self.read_time_min is None:
            return None
        return (self.read_time_min, self.read_time_max or self.read_time_min)


class ClusterKey(models.Model):
    """One of a story's LSH keys (articles/clusters): stories that share a key are
    compared exactly at ingest, so finding a story's copies costs one indexed lookup."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="cluster_keys")
    key = models.BigIntegerField(db_index=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.key} of {self.article_id}"


class ClusterEdit(models.Model):
    """A curator's split or join of story clusters, with what it changed, for undo.

    `snapshot` maps each story it moved to its [cluster id, rank, locked] before, and
    lists the clusters it created (undo deletes them once empty)."""

    class Action(models.TextChoices):
        SPLIT = "split", "split a copy out"
        JOIN = "join", "join two clusters"

    action = models.CharField(max_length=10, choices=Action.choices)
    summary = models.CharField(max_length=300)
    snapshot = models.JSONField()
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    made_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-made_at", "-id"]

    def __str__(self) -> str:
        return self.summary


class ArticleVersion(models.Model):
    """What a story said before a changed file for the same URL or path replaced it."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    title = models.CharField(max_length=500)
    body = models.TextField()
    content_hash = models.CharField(max_length=64)
    raw_input = models.TextField(blank=True)
    batch = models.ForeignKey(IngestBatch, null=True, blank=True, on_delete=models.SET_NULL)
    replaced_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "story version"
        ordering = ["-replaced_at"]

    def __str__(self) -> str:
        return f"{self.title} (until {self.replaced_at:%Y-%m-%d})"


class Mention(models.Model):
    """How one story mentions one entity."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="mentions")
    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="mentions")
    count = models.PositiveIntegerField(default=1)
    first_offset = models.PositiveIntegerField(default=0)
    surface = models.CharField(max_length=200, blank=True)
    in_headline = models.BooleanField(default=False)
    in_lede = models.BooleanField(default=False)
    salience = models.PositiveIntegerField(default=0, help_text="1 is the story's main subject.")
    in_section = models.BooleanField(
        default=False, help_text="The story's section has the entity's name, when tagged."
    )
    confidence = models.FloatField(default=1.0)
    # How central the entity is to the story, which its page ranks by: named in the
    # headline (4), in the lede (2), how often (1 a mention, up to CENTRAL_COUNT_CAP) and
    # the section (3). The database keeps it in step with the flags on every write, and
    # its index gives an entity's most central stories without reading all of them.
    centrality = models.GeneratedField(
        expression=(
            models.Case(models.When(in_headline=True, then=4), default=0)
            + models.Case(models.When(in_lede=True, then=2), default=0)
            + Least(models.F("count"), models.Value(CENTRAL_COUNT_CAP))
            + models.Case(models.When(in_section=True, then=3), default=0)
        ),
        output_field=models.PositiveSmallIntegerField(),
        db_persist=True,
    )

    class Meta:
        ordering = ["salience", "-count"]
        constraints = [
            models.UniqueConstraint(fields=["article", "entity"], name="mention_unique"),
        ]
        indexes = [
            models.Index(fields=["entity", "article"], name="mention_entity_article"),
            models.Index(fields=["entity", "-centrality"], name="mention_entity_central"),
        ]

    def __str__(self) -> str:
        return f"{self.entity.name} in {self.article_id}"


class EntityRedirect(models.Model):
    """An entity URL that moved: a merged entity's slug, or the old kind of a re-kinded one.

    The public entity page answers an unknown slug that matches one of these with a
    301 to the entity it points at. Merges repoint older redirects, so there is one hop.
    """

    kind = models.CharField(max_length=20, choices=Entity.Kind.choices)
    old_slug = models.SlugField(max_length=200)
    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="redirects")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "old_slug"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "old_slug"], name="entity_redirect_unique"),
        ]

    def __str__(self) -> str:
        return f"/{KIND_URL_PREFIX[self.kind]}/{self.old_slug}/ → {self.entity.name}"

    @classmethod
    def target(cls, *, kind: str, slug: str) -> Entity | None:
        moved = cls.objects.select_related("entity").filter(kind=kind, old_slug=slug).first()
        return moved.entity if moved else None


class TopicRule(models.Model):
    """Terms that tag a story with a topic.

    A story matches when its title or body contains every one of `all_terms` and,
    if any are given, at least one of `any_terms` or `phrases`. Matching is a
    case-insensitive substring test. The tagging module applies the same rule at
    ingest; `matching_articles()` is the database form of it, for previews.
    """

    topic = models.ForeignKey(
        Entity,
        on_delete=models.CASCADE,
        related_name="topic_rules",
        limit_choices_to={"kind": Entity.Kind.TOPIC},
    )
    all_terms = models.TextField(
        blank=True, help_text="Every one of these must appear. One per line or comma-separated."
    )
    any_terms = models.TextField(
        blank=True, help_text="At least one of these (or a phrase) must appear."
    )
    phrases = models.TextField(
        blank=True, help_text="Exact phrases, one per line; each counts as one of the any terms."
    )
    is_active = models.BooleanField(default=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["topic__name", "id"]

    def __str__(self) -> str:
        return f"Rule {self.pk or 'new'} for {self.topic.name}"

    def clean(self) -> None:
        if self.topic_id and self.topic.kind != Entity.Kind.TOPIC:
            raise ValidationError({"topic": "Choose a topic."})
        if not (split_terms(self.all_terms) or self.any_alternatives()):
            raise ValidationError("Give at least one term or phrase.")

    def any_alternatives(self) -> list[str]:
        phrases = [" ".join(p.split()) for p in self.phrases.splitlines()]
        return split_terms(self.any_terms) + [p for p in phrases if p]

    def matching_articles(self) -> models.QuerySet[Article]:
        """The stories this rule would tag (none for a rule with no terms)."""
        all_terms, alternatives = split_terms(self.all_terms), self.any_alternatives()
        if not (all_terms or alternatives):
            return Article.objects.none()
        condition = models.Q()
        for term in all_terms:
            condition &= models.Q(title__icontains=term) | models.Q(body__icontains=term)
        if alternatives:
            any_of = models.Q()
            for term in alternatives:
                any_of |= models.Q(title__icontains=term) | models.Q(body__icontains=term)
            condition &= any_of
        return Article.objects.filter(condition)


def split_terms(text: str) -> list[str]:
    """Terms given one per line or comma-separated, whitespace tidied, blanks dropped."""
    terms = (" ".join(t.split()) for line in text.splitlines() for t in line.split(","))
    return [t for t in terms if t]


class MergeRecord(models.Model):
    """What an entity merge changed, so that it can be undone.

    `snapshot` holds the removed entities with their aliases, mentions, topic rules
    and redirects, and the survivor's mentions and aliases before the merge.
    """

    keep = models.ForeignKey(
        Entity, null=True, blank=True, on_delete=models.SET_NULL, related_name="merge_records"
    )
    keep_name = models.CharField(max_length=200)
    removed_names = models.TextField()
    snapshot = models.JSONField()
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    merged_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-merged_at", "-id"]

    def __str__(self) -> str:
        return f"{self.removed_names} → {self.keep_name}"


class SearchChange(models.Model):
    """One entry of the ordered log of what search must read again: a story that was
    created, changed, hidden or deleted, or whose entities or source changed.

    Written in the same transaction as the change itself (articles/search/changes.py),
    so the log never misses a committed write. Each node's indexer applies the log in
    order to its own copy of the index (articles/search/indexer.py) and keeps its
    position inside that index."""

    article_id = models.BigIntegerField(help_text="The story's id (it may be gone).")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"change {self.pk}: story {self.article_id}"


class SearchNode(models.Model):
    """What one app server's index reported last: for `search_index status` and for
    knowing which changes every node has applied (and may be pruned)."""

    name = models.CharField(max_length=200, unique=True)
    position = models.BigIntegerField(default=0)
    documents = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
