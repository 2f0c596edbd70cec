"""One story as a JSON object, such as a line of a JSON-lines export.

sources.iter_inputs splits `.jsonl`/`.ndjson` files into one input a line, so each line
arrives here alone. The object's keys are read as metadata would be (title, date, url,
topics, ...), and its body from the first of "body", "text", "content", "article".
"""

from __future__ import annotations

import json

from .common import agency_name, join_paragraphs, split_dateline
from .metadata import apply_metadata, normalise
from .types import IngestError, ParsedStory, SkipStory

BODY_KEYS = ("body", "text", "content", "article", "story")


def looks_like(text: str) -> bool:
    stripped = text.strip()
    return stripped.startswith("{") and stripped.endswith("}")


def parse(text: str, *, path: str = "") -> ParsedStory:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise IngestError(f"not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise IngestError("a JSON story must be an object")
    lowered = {str(key).lower(): value for key, value in data.items()}
    body_text = next((lowered[key] for key in BODY_KEYS if isinstance(lowered.get(key), str)), "")
    # A JSON string is not hard-wrapped: each line of it is a paragraph.
    body = [" ".join(line.split()) for line in body_text.splitlines() if line.strip()]
    if not body:
        raise SkipStory("the JSON object has no story text (body, text or content)")
    story = ParsedStory(path=path, title="", body=join_paragraphs(body), format="json")
    dateline, agency, _ = split_dateline(body[0])
    story.dateline = dateline
    story.source = agency_name(agency) if agency else ""
    apply_metadata(story, normalise(data))
    if not story.title:
        raise SkipStory("the JSON object has no title")
    return story
