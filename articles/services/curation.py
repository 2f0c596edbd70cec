"""Curation: the edits the admin makes (hides, merges and their undo, kind changes, alias
splits, source merges, redirects, confirmations, and its plain form saves and deletes).
Each is one transaction; the admin logs who did it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import models, transaction
from django.db.models import (
    Case,
    Exists,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce, Least
from django.utils import timezone

from ..models import (
    Article,
    Entity,
    EntityAlias,
    EntityRedirect,
    Mention,
    MergeRecord,
    Source,
    TopicRule,
    normalize_alias,
    unique_slug,
)
from .archive import archive_changed, id_slices

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class CurationError(Exception):
    """A curation request that cannot be carried out. The message says why, for a person."""


def article_set_public(*, article: Article, is_public: bool) -> None:
    """Hide a story from readers, or show it again: its pages, feeds and search follow."""
    with transaction.atomic():
        article.is_public = is_public
        article.save(update_fields=["is_public", "updated_at"])
        archive_changed(article_ids=[article.pk])


def _touched(objects: Iterable[models.Model]) -> dict[str, list[int]]:
    """What readers see of these objects, as archive_changed's arguments: a story itself,
    a mention's story, every story mentioning an entity or credited to a source. Other
    models (aliases, redirects, a story's old versions) change pages only."""
    touched: dict[str, list[int]] = {"article_ids": [], "entity_ids": [], "source_ids": []}
    for obj in objects:
        if isinstance(obj, Article):
            touched["article_ids"].append(obj.pk)
        elif isinstance(obj, Mention):
            touched["article_ids"].append(obj.article_id)
        elif isinstance(obj, Entity):
            touched["entity_ids"].append(obj.pk)
        elif isinstance(obj, Source):
            touched["source_ids"].append(obj.pk)
    return touched


_UNSEEN = (TopicRule,)  # a rule changes what readers see only when stories are re-tagged


@transaction.atomic
def admin_save(
    *,
    obj: models.Model,
    save_related: Callable[[], None] | None = None,
    initial: Mapping[str, object] | None = None,
) -> models.Model:
    """Save what an admin form edited, with every effect of the write, in one transaction.

    `save_related` saves the form's many-to-many fields and inlines, after the object;
    `initial` holds the changed fields' values before the edit: an entity whose slug or
    kind changed keeps its old address as a redirect. Then search reads again the
    stories the object touches and the page cache moves on (archive_changed).
    """
    obj.save()
    if save_related is not None:
        save_related()
    if isinstance(obj, Entity) and initial and {"slug", "kind"} & initial.keys():
        entity_redirect_add(
            entity=obj,
            kind=str(initial.get("kind", obj.kind)),
            old_slug=str(initial.get("slug", obj.slug)),
        )
    if not isinstance(obj, _UNSEEN):
        archive_changed(**_touched([obj]))
    return obj


@transaction.atomic
def admin_delete(*, objects: QuerySet | Iterable[models.Model]) -> int:
    """Delete what an admin page chose (one object, or a changelist's selection), with
    every effect of the write, in one transaction: search is told while the mentions
    still exist, so a deleted entity's name leaves the text of every story that had it.
    Returns how many objects were chosen."""
    chosen = list(objects)
    seen = [obj for obj in chosen if not isinstance(obj, _UNSEEN)]
    if seen:
        archive_changed(**_touched(seen))
    if isinstance(objects, QuerySet):
        objects.delete()  # one statement per table, as the admin's own bulk delete
    else:
        for obj in chosen:
            obj.delete()
    return len(chosen)


_MENTION_FIELDS = [
    "count",
    "first_offset",
    "surface",
    "in_headline",
    "in_lede",
    "in_section",
    "salience",
]


def _mention_values(mention: Mention) -> dict:
    values = {name: getattr(mention, name) for name in _MENTION_FIELDS}
    return {"article_id": mention.article_id, **values}


def entity_merge(*, keep: Entity, remove: list[Entity], user: User | None = None) -> Entity:
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
        survivor = entity_merge_unchecked(keep=keep, remove=remove, user=user)
        archive_changed(entity_ids=[survivor.pk])
    return survivor


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
        in_section=Case(
            When(Q(in_section=True) | Exists(theirs.filter(in_section=True)), then=True),
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
def entity_merge_unchecked(*, keep: Entity, remove: list[Entity], user: User | None) -> Entity:
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
def entity_merge_undo(*, record: MergeRecord, user: User | None = None) -> UndoResult:
    """Restore the entities a merge removed, with their aliases, mentions, rules and URLs.

    Stories deleted since the merge are skipped (and counted). Raises CurationError,
    having changed nothing, when the merge was undone already, the survivor is gone,
    or an entity of a restored name exists again.
    """
    record = MergeRecord.objects.select_for_update().get(pk=record.pk)
    if record.undone_at:
        raise CurationError("This merge was undone already.")
    keep = record.keep
    if keep is None:
        raise CurationError("The surviving entity was deleted or merged since; cannot undo.")
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
    for pks in id_slices(sorted(wanted)):
        live |= set(Article.objects.filter(pk__in=pks).values_list("pk", flat=True))
    # The survivor's mentions of those stories go back to what they were before the merge.
    for pks in id_slices(snapshot["keep_gained"] + [values["article_id"] for values in before]):
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
    archive_changed(entity_ids=[keep.pk, *(entity.pk for entity in restored)])
    return UndoResult(restored=restored, skipped_stories=len(wanted - live))


@transaction.atomic
def entity_change_kind(*, entity: Entity, kind: str, user: User | None = None) -> Entity:
    """Make an entity another kind; if one of that kind has its name, merge into that one.

    The old URL redirects permanently. Returns the entity that now carries the name.
    """
    if kind not in Entity.Kind.values:
        raise CurationError(f"Unknown kind {kind!r}.")
    locked = Entity.objects.select_for_update().filter(pk=entity.pk).first()
    if locked is None:
        raise CurationError("The entity was deleted meanwhile.")
    entity = locked
    if entity.kind == kind:
        Entity.objects.filter(pk=entity.pk).update(kind_locked=True)
        archive_changed()
        return entity
    if entity.topic_rules.exists():
        raise CurationError(f"{entity.name} has topic rules; delete or move them first.")
    clash = Entity.objects.filter(kind=kind, name__iexact=entity.name).first()
    if clash:
        Entity.objects.filter(pk=clash.pk).update(kind_locked=True)
        survivor = entity_merge_unchecked(keep=clash, remove=[entity], user=user)
        archive_changed(entity_ids=[survivor.pk])  # the stories it gained change facet
        return survivor
    old_kind, old_slug = entity.kind, entity.slug
    entity.kind = kind
    entity.kind_locked = True
    if Entity.objects.filter(kind=kind, slug=entity.slug).exists():
        entity.slug = unique_slug(Entity, entity.name, kind=kind)
    entity.save(update_fields=["kind", "slug", "kind_locked"])
    EntityRedirect.objects.update_or_create(
        kind=old_kind, old_slug=old_slug, defaults={"entity": entity}
    )
    archive_changed(entity_ids=[entity.pk])  # its facet moves
    return entity


@transaction.atomic
def alias_split(*, alias: EntityAlias) -> Entity:
    """Make an alias an entity of its own, of the same kind, taking the mentions written so."""
    locked = EntityAlias.objects.select_for_update().filter(pk=alias.pk).first()
    if locked is None:
        raise CurationError("The alias was deleted meanwhile.")
    alias = locked
    parent = alias.entity
    if Entity.objects.filter(kind=parent.kind, name__iexact=alias.name).exists():
        raise CurationError(f"A {parent.kind} named {alias.name!r} exists already.")
    entity = Entity.objects.create(
        name=alias.name, kind=parent.kind, slug=unique_slug(Entity, alias.name, kind=parent.kind)
    )
    Mention.objects.filter(entity=parent, surface__iexact=alias.name).update(entity=entity)
    alias.delete()
    archive_changed(entity_ids=[parent.pk, entity.pk])
    return entity


@transaction.atomic
def source_merge(*, keep: Source, remove: list[Source]) -> Source:
    """Credit the stories of `remove` (as source or publisher) to `keep`, then delete them."""
    remove = [source for source in remove if source.pk != keep.pk]
    if not remove:
        raise CurationError("Choose at least one source besides the one to keep.")
    remove_ids = [source.pk for source in remove]
    archive_changed(source_ids=remove_ids)  # while the stories still name them
    Article.objects.filter(source_id__in=remove_ids).update(source=keep)
    Article.objects.filter(publisher_id__in=remove_ids).update(publisher=keep)
    for source in remove:
        keep.short_name = keep.short_name or source.short_name
        keep.homepage = keep.homepage or source.homepage
    keep.save(update_fields=["short_name", "homepage"])
    Source.objects.filter(pk__in=remove_ids).delete()
    return keep


def entity_redirect_add(*, entity: Entity, kind: str, old_slug: str) -> None:
    """Send an entity's former address (its old kind and slug) to its page, permanently."""
    if (kind, old_slug) != (entity.kind, entity.slug):
        EntityRedirect.objects.update_or_create(
            kind=kind, old_slug=old_slug, defaults={"entity": entity}
        )
        archive_changed()


def entity_confirm(*, entities: Iterable[Entity]) -> int:
    """A curator vouches for these entities: shown everywhere, and kept by the tagger."""
    count = Entity.objects.filter(pk__in=[e.pk for e in entities]).update(
        confirmed=True, kind_locked=True
    )
    archive_changed()
    return count
