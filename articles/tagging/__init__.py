"""Tagging: ParsedStory -> entities and topics. Pure Python: no Django models.

Filled in by the entities issue; until then stories carry only the topics their
parser found (a section, related topics, manifest topics).
"""

from __future__ import annotations

from ..ingest.types import ParsedStory, TaggedEntity

TAGGER_VERSION = "0"


def tag(story: ParsedStory) -> list[TaggedEntity]:
    """The entities a story mentions, main subjects first."""
    return []
