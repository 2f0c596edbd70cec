"""Plain title-first text: the first line is the headline, then paragraphs."""

from __future__ import annotations

from .common import agency_name, join_paragraphs, paragraphs_of, split_dateline
from .types import ParsedStory, SkipStory


def parse(text: str, *, path: str = "") -> ParsedStory:
    lines = text.strip().split("\n", 1)
    title = lines[0].strip()
    if not title:
        raise SkipStory("no title line")
    body = paragraphs_of(lines[1] if len(lines) > 1 else "")
    if not body:
        raise SkipStory("a title with no story text")
    story = ParsedStory(
        path=path, title=title, body=join_paragraphs(body), format="plain", raw=text
    )
    dateline, agency, _ = split_dateline(body[0])
    story.dateline = dateline
    if agency:
        story.source = agency_name(agency)
    return story
