"""KSL.com-style text scrapes: a saved archive page with its chrome around the story."""

from __future__ import annotations

import re

from .common import (
    AGENCIES,
    agency_name,
    copyright_holder,
    is_copyright_line,
    join_paragraphs,
    paragraphs_of,
    parse_us_date,
    split_dateline,
)
from .types import ParsedStory, SkipStory

PUBLISHER = "KSL.com"

DISCLAIMER_START = "This archived news story is available only for your personal"
_READ_TIME = re.compile(
    r"^Estimated read time:\s*(?P<low>\d+)(?:\s*(?:-|–|to)\s*(?P<high>\d+))?\s*minutes?$", re.I
)
_SECTION = re.compile(r"^Most recent (?P<section>.+?) stories$", re.I)
_BYLINE = re.compile(r"^(?:By\s+)?(?P<who>.*?)\s*\|\s*(?P<when>(?:Posted|Updated)\b.*)$", re.I)
_HEADER_NOISE = re.compile(r"^(save story|leer en español|read in english|listen|share)$", re.I)
# Lines that end the story: everything after them is the site's page furniture.
_FOOTER_START = re.compile(
    r"^(most recent .+ stories|related topics|related links|related stories|"
    r"get informative articles|by subscribing|ksl weather forecast|"
    r"subscribe to the trending 5|report a correction or typo)",
    re.I,
)
_NEWSLETTER = re.compile(
    r"^(get informative articles|by subscribing|ksl weather forecast|subscribe\b)", re.I
)

MARKERS = (
    "Save Story",
    "Estimated read time:",
    DISCLAIMER_START,
    "KSL Weather Forecast",
    "Subscribe to the Trending 5",
)


def looks_like(text: str) -> bool:
    """Two or more KSL page markers near the top or bottom of the text."""
    head, tail = text[:3000], text[-3000:]
    hits = sum(1 for marker in MARKERS if marker in head or marker in tail)
    return hits >= 2


def parse(text: str, *, path: str = "") -> ParsedStory:
    # Blocks between blank lines, as written (for topic lists) and folded onto one line.
    raw_blocks = [block for block in re.split(r"\n\s*\n", text) if block.strip()]
    blocks = [paragraphs_of(block)[0] for block in raw_blocks]
    if not blocks:
        raise SkipStory("no text")
    title = blocks[0]
    story = ParsedStory(
        path=path, title=title, body="", format="ksl", publisher=PUBLISHER, raw=text
    )

    # Header: between the headline and the first paragraph of the story.
    index = 1
    while index < len(blocks):
        block = blocks[index]
        read_time = _READ_TIME.match(block)
        byline = _BYLINE.match(block)
        if _HEADER_NOISE.match(block):
            pass
        elif read_time:
            low = int(read_time.group("low"))
            story.read_time = (low, int(read_time.group("high") or low))
        elif block.startswith(DISCLAIMER_START):
            story.disclaimer = block
        elif byline and len(block) < 200:
            _apply_byline(story, byline.group("who"), byline.group("when"))
        else:
            break
        index += 1

    # Body: up to the copyright line or the first piece of page furniture.
    body: list[str] = []
    rest = blocks[index:]
    position = 0
    while position < len(rest):
        block = rest[position]
        if is_copyright_line(block) or _FOOTER_START.match(block):
            break
        body.append(block)
        position += 1

    # Footer: the copyright line, the section, related topics.
    in_topics = False
    for offset, block in enumerate(rest[position:], index + position):
        section = _SECTION.match(block)
        if is_copyright_line(block):
            story.copyright = story.copyright or block
            in_topics = False
        elif section:
            story.section = section.group("section").strip()
            in_topics = False
        elif block.lower() == "related topics":
            in_topics = True
        elif _NEWSLETTER.match(block):
            in_topics = False
        elif in_topics:
            # Topics come one to a line or on one line between separators; the folded
            # block has lost the line breaks, so split the raw block again.
            for line in raw_blocks[offset].splitlines():
                story.topics.extend(t.strip() for t in re.split(r"\s*[|•·]\s*", line) if t.strip())

    if body:
        dateline, agency, _ = split_dateline(body[0])
        story.dateline = dateline
        if agency:
            story.source = agency_name(agency)
    if story.copyright and not story.source:
        holder = copyright_holder(story.copyright)
        if holder:
            story.source = agency_name(holder)
    if not story.source:
        story.source = PUBLISHER

    story.body = join_paragraphs(body)
    if not story.body:
        raise SkipStory("the page has a headline but no story text")
    return story


def _apply_byline(story: ParsedStory, who: str, when: str) -> None:
    """'Jane Doe, KSL.com' / 'The Associated Press' + 'Posted Sept. 22, 2019 - 4:37 p.m.'."""
    names = [part.strip() for part in who.split(",") if part.strip()]
    credits = [n for n in names if n.lower() in AGENCIES or n.lower() == PUBLISHER.lower()]
    people = [n for n in names if n not in credits]
    story.byline = ", ".join(people)
    if credits:
        story.source = agency_name(credits[-1]) if credits[-1] != PUBLISHER else PUBLISHER
    when_at = parse_us_date(when)
    if when.lower().startswith("updated"):
        story.updated_at = when_at
        story.published_at = story.published_at or when_at
    else:
        story.published_at = when_at
