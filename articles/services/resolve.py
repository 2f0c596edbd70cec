"""Resolution across the archive: one entity per real-world thing, whatever its surface form."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, Min

from .. import tagging
from ..models import Article, Entity, Mention, MergeRecord
from .archive import archive_changed, id_slices
from .curation import entity_merge_unchecked


@dataclass
class ResolveResult:
    merged: list[tuple[str, list[str]]] = field(default_factory=list)  # (kept, removed)
    rescored: int = 0
    # removed entity's pk -> the survivor's (pk, name, kind), after every merge of the run
    moves: dict[int, tuple[int, str, str]] = field(default_factory=dict)
    removed: dict[int, tuple[str, str]] = field(default_factory=dict)  # pk -> (name, kind)


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
    for chunk in id_slices(ids):
        rows = Mention.objects.filter(entity_id__in=chunk).values("entity_id")
        for row in rows.annotate(n=Count("id")).order_by():
            counts[row["entity_id"]] = row["n"]
    return counts


def _merge_group(
    group: list[Entity], counts: dict[int, int], undone: set, result: ResolveResult
) -> tuple[Entity, list[Entity]] | None:
    """Merge a group into its most-mentioned entity, sparing curated ones and undone pairs."""
    group = sorted(group, key=lambda e: (-counts.get(e.pk, 0), len(e.name), e.pk))
    keep, rest = group[0], group[1:]
    remove = [
        e
        for e in rest
        if not e.confirmed and frozenset({keep.name.casefold(), e.name.casefold()}) not in undone
    ]
    if not remove:
        return None
    entity_merge_unchecked(keep=keep, remove=remove, user=None)
    archive_changed(entity_ids=[keep.pk])
    result.merged.append((keep.name, [e.name for e in remove]))
    return keep, remove


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
    for chunk in id_slices([e.pk for e in entities]):
        per_entity: dict[int, list[float]] = {}
        rows = Mention.objects.filter(entity_id__in=chunk).values_list("entity_id", "confidence")
        for pk, confidence in rows:
            per_entity.setdefault(pk, []).append(confidence)
        in_chunk = set(chunk)
        for entity in (e for e in entities if e.pk in in_chunk):
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


class NameIndex:
    """Which entities could join which, by name: the groups every resolution rule looks
    at (same kind and plural key; same name; a lone surname and the full names it ends).

    Built once from the archive's names (one query), then kept up to date by `add` and
    `discard`, so that resolving around a few new entities costs queries for their
    neighbours only, never a pass over the archive.
    """

    def __init__(self) -> None:
        self.names: dict[int, tuple[str, str]] = {}  # pk -> (name, kind)
        self.plural: dict[tuple[str, str], set[int]] = {}
        self.same_name: dict[str, set[int]] = {}  # by plural key, whatever the kind
        self.full_names: dict[str, set[int]] = {}  # surname -> people of several words
        self.surnames: dict[str, set[int]] = {}  # surname -> one-word people

    @classmethod
    def of_names(cls, rows: Iterable[tuple[int, str, str]]) -> NameIndex:
        """From (pk, name, kind) rows; topics are left out."""
        index = cls()
        for pk, name, kind in rows:
            index.add(pk=pk, name=name, kind=kind)
        return index

    @classmethod
    def of_archive(cls) -> NameIndex:
        rows = Entity.objects.exclude(kind=Entity.Kind.TOPIC).values_list("pk", "name", "kind")
        return cls.of_names(rows.iterator(chunk_size=5000))

    def _keys(self, name: str, kind: str) -> list[tuple[dict[Any, set[int]], Any]]:
        keys: list[tuple[dict[Any, set[int]], Any]] = [
            (self.plural, (kind, tagging.plural_key(name))),
            # Any kind: one name, or its plural, tagged with two kinds is one entity.
            (self.same_name, tagging.plural_key(name)),
        ]
        if kind == Entity.Kind.PERSON:
            words = name.split()
            if len(words) > 1:
                keys.append((self.full_names, words[-1].casefold()))
            elif words:
                keys.append((self.surnames, name.casefold()))
        return keys

    def add(self, *, pk: int, name: str, kind: str) -> None:
        if kind == Entity.Kind.TOPIC or self.names.get(pk) == (name, kind):
            return
        self.discard(pk)
        self.names[pk] = (name, kind)
        for table, key in self._keys(name, kind):
            table.setdefault(key, set()).add(pk)

    def discard(self, pk: int) -> None:
        if pk not in self.names:
            return
        name, kind = self.names.pop(pk)
        for table, key in self._keys(name, kind):
            table.get(key, set()).discard(pk)

    def around(self, pks: Iterable[int]) -> set[int]:
        """`pks` and every entity a rule could weigh with them: the whole of each group
        they are in, and each lone surname with all the full names it could stand for."""
        found: set[int] = set()
        for pk in pks:
            if pk not in self.names:
                continue
            found.add(pk)
            for table, key in self._keys(*self.names[pk]):
                found |= table.get(key, set())
                if table is self.full_names:  # the surname, and its rivals
                    found |= self.surnames.get(key, set())
        for pk in list(found):
            name, kind = self.names[pk]
            if kind == Entity.Kind.PERSON and " " not in name:
                found |= self.full_names.get(name.casefold(), set())
        return found


def _entities(pks: set[int] | None) -> list[Entity]:
    if pks is None:
        return list(Entity.objects.exclude(kind=Entity.Kind.TOPIC))
    found: list[Entity] = []
    for chunk in id_slices(sorted(pks)):
        found += Entity.objects.filter(pk__in=chunk).exclude(kind=Entity.Kind.TOPIC)
    return found


def entities_resolve(
    *, around: Iterable[int] | None = None, index: NameIndex | None = None
) -> ResolveResult:
    """Make the archive's entities one per real-world thing.

    - Plural and singular are one entity (Tory and Tories, Lib Dem and Lib Dems).
    - One name tagged with several kinds becomes the kind most of its mentions carry
      (two thirds of them at least; otherwise it waits in the review list), and so does
      a name whose plural or singular has another kind (Tories a group, Tory an
      organization): the two are one entity.
    - A lone surname joins the dominant full name of that surname in the same period
      (see SURNAME_DOMINANCE); when no full name dominates it stays, for the curator.
    - Each entity's confidence is set from its stories.

    With `around` (entity ids, such as those an ingest group just mentioned), only the
    groups those entities are in are looked at, and only their confidences set: the same
    rules, at a cost bounded by the neighbours of the new mentions rather than by the
    archive. `index` (see NameIndex) finds the neighbours and is kept up to date; without
    it one is built.

    Every merge is an ordinary merge, with its record and undo. A curator's decisions
    win: confirmed entities are never merged away, re-kinded ones keep their kind, and
    names whose merge a curator undid are not joined again.
    """
    result = ResolveResult()
    touched: set[int] | None = None
    if around is not None:
        touched = set(around)
        if not touched:
            return result
        if index is None:
            index = NameIndex.of_archive()
    undone = _undone_pairs()

    # The entities the rules weigh and their story counts, read again only after a merge.
    pooled: list[tuple[list[Entity], dict[int, int]]] = []

    def pool() -> tuple[list[Entity], dict[int, int]]:
        if not pooled:
            found = _entities(None if touched is None or index is None else index.around(touched))
            pooled.append((found, _story_counts(found)))
        return pooled[0]

    def concerns(group: Iterable[Entity]) -> bool:
        return touched is None or any(e.pk in touched for e in group)

    def merged(keep: Entity, remove: list[Entity]) -> None:
        pooled.clear()
        survivor = (keep.pk, keep.name, keep.kind)
        gone = {e.pk for e in remove}
        for pk, target in result.moves.items():  # a survivor merged away in turn
            if target[0] in gone:
                result.moves[pk] = survivor
        result.moves.update(dict.fromkeys(gone, survivor))
        result.removed.update({e.pk: (e.name, e.kind) for e in remove})
        if touched is not None:
            touched.add(keep.pk)
            touched.difference_update(e.pk for e in remove)
        if index is not None:
            for e in remove:
                index.discard(e.pk)

    entities, counts = pool()
    groups: dict[tuple[str, str], list[Entity]] = {}
    for e in entities:
        groups.setdefault((e.kind, tagging.plural_key(e.name)), []).append(e)
    for group in groups.values():
        if len(group) > 1 and concerns(group):
            found = _merge_group(group, counts, undone, result)
            if found:
                merged(*found)

    entities, counts = pool()

    def one_kind(same: list[Entity]) -> None:
        """Names of one entity tagged with several kinds become the kind most of their
        mentions carry (two thirds at least), as one entity."""
        if len(same) < 2 or not concerns(same) or any(e.kind_locked or e.confirmed for e in same):
            return
        weight: dict[str, int] = {}
        for e in same:
            weight[e.kind] = weight.get(e.kind, 0) + counts.get(e.pk, 0)
        kind, top = max(weight.items(), key=lambda kv: kv[1])
        if len(weight) < 2 or top * 3 < 2 * sum(weight.values()):
            return
        keep = max((e for e in same if e.kind == kind), key=lambda e: (counts.get(e.pk, 0), -e.pk))
        remove = [
            e
            for e in same
            if e.kind != kind and frozenset({keep.name.casefold(), e.name.casefold()}) not in undone
        ]
        if remove:
            entity_merge_unchecked(keep=keep, remove=remove, user=None)
            archive_changed(entity_ids=[keep.pk])
            result.merged.append((keep.name, [f"{e.name} ({e.kind})" for e in remove]))
            merged(keep, remove)

    # One name tagged with several kinds ("Burisma" an organization, once a place).
    entities, counts = pool()
    by_name: dict[str, list[Entity]] = {}
    for e in entities:
        by_name.setdefault(e.name.casefold(), []).append(e)
    for same in by_name.values():
        one_kind(same)
    # A plural and its singular tagged with two kinds ("Tories" a group in most stories,
    # "Tory" an organization in a few). Not a person's name: "the Blairs" is a family and
    # "Simpsons" a programme, not the person Blair or Simpson.
    entities, counts = pool()
    by_plural: dict[str, list[Entity]] = {}
    for e in entities:
        if e.kind != Entity.Kind.PERSON:
            by_plural.setdefault(tagging.plural_key(e.name), []).append(e)
    for same in by_plural.values():
        one_kind(same)

    entities, counts = pool()
    by_pk = {e.pk: e for e in entities}
    for pk, candidates in surname_candidates(entities, counts).items():
        surname = by_pk[pk]
        if not concerns([surname, *candidates]):
            continue
        full = dominant_full_name(candidates, counts)
        if full is None or surname.confirmed or (full.kind_locked and full.kind != surname.kind):
            continue
        if frozenset({full.name.casefold(), surname.name.casefold()}) in undone:
            continue
        if _same_period(surname, full):
            entity_merge_unchecked(keep=full, remove=[surname], user=None)
            archive_changed(entity_ids=[full.pk])
            result.merged.append((full.name, [surname.name]))
            merged(full, [surname])

    entities, counts = pool()
    if touched is not None:
        entities = [e for e in entities if e.pk in touched]
    result.rescored = _rescore(entities, counts)
    archive_changed()  # confidences moved: what the home page and autocomplete trust
    return result
