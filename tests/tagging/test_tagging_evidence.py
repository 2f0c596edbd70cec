"""Tagging rules that read a name's kind (or that it is no name) from the story around it,
on invented stories and hand-made spans (no model)."""

from __future__ import annotations

from articles.ingest.types import ParsedStory, TaggedEntity
from articles.tagging.aliases import merged_aliases
from articles.tagging.entities import entities_from_spans

from ..factories import parsed_story, span


def entities(s: ParsedStory, *spans) -> dict[tuple[str, str], TaggedEntity]:
    return {(e.name, e.kind): e for e in entities_from_spans(s, spans, merged_aliases(None))}


def test_a_capitalised_phrase_the_story_also_writes_in_lower_case_is_no_name():
    s = parsed_story(
        "Ward alarms",
        "Nurses were trained in Alarm Handling by the Ridgeway Trust.",
        "Good alarm handling saves lives, the Ridgeway Trust said.",
    )
    found = entities(
        s,
        span(s, "Alarm Handling", "ORG"),
        span(s, "Ridgeway Trust", "ORG"),
        span(s, "Ridgeway Trust", "ORG", nth=1),
    )
    assert set(found) == {("Ridgeway Trust", "organization")}
