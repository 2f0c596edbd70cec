"""The curator's review list of doubtful entities: reads only (the fixes are services).

Four kinds of doubt, each a short list for the admin's review page:
- low confidence: not confirmed, and below Entity.TRUSTED_CONFIDENCE (kept off the home
  page and out of autocomplete until confirmed);
- one name tagged with different kinds;
- likely duplicates: plural and singular, or a lone surname beside the full names it could
  be, each with a suggested merge (the ordinary merge, with its undo);
- entities seen in one story only.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count

from . import tagging
from .models import Entity
from .services.resolve import surname_candidates

LIMIT = 50


@dataclass
class Suggestion:
    keep: Entity
    remove: Entity
    reason: str


@dataclass
class Review:
    low_confidence: list[Entity]
    mixed_kinds: list[list[Entity]]
    duplicates: list[Suggestion]
    single_story: list[Entity]


def _entities():
    return Entity.objects.exclude(kind=Entity.Kind.TOPIC).annotate(stories=Count("mentions"))


def review(limit: int = LIMIT) -> Review:
    entities = list(_entities())
    counts = {e.pk: e.stories for e in entities}
    by_name: dict[str, list[Entity]] = {}
    plurals: dict[tuple[str, str], list[Entity]] = {}
    for e in entities:
        by_name.setdefault(e.name.casefold(), []).append(e)
        plurals.setdefault((e.kind, tagging.plural_key(e.name)), []).append(e)
    mixed = [sorted(same, key=lambda e: -e.stories) for same in by_name.values() if len(same) > 1]

    duplicates = []
    for group in plurals.values():
        if len(group) > 1:
            keep, *rest = sorted(group, key=lambda e: (-e.stories, e.pk))
            duplicates += [Suggestion(keep, e, "plural and singular") for e in rest]
    by_pk = {e.pk: e for e in entities}
    for pk, candidates in surname_candidates(entities, counts).items():
        for full in sorted(candidates, key=lambda e: -e.stories)[:3]:
            share = f"{full.stories} of {sum(c.stories for c in candidates)} full-name stories"
            duplicates.append(Suggestion(full, by_pk[pk], f"surname; {share}"))

    doubtful = Entity.objects.doubtful().exclude(kind=Entity.Kind.TOPIC)
    single = [e for e in entities if e.stories == 1 and not e.confirmed]
    return Review(
        low_confidence=list(
            doubtful.annotate(stories=Count("mentions")).order_by("-stories", "name")[:limit]
        ),
        mixed_kinds=sorted(mixed, key=lambda g: -sum(e.stories for e in g))[:limit],
        duplicates=sorted(duplicates, key=lambda s: -s.remove.stories)[:limit],
        single_story=sorted(single, key=lambda e: (e.confidence, e.name))[:limit],
    )
