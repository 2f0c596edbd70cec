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
    r"^Estimated read time:\s*(?:(?P<low>\d+)(?:\s*(?:-|–|to)\s*(?P<high>\d+))?\s*minutes?"
    r"|(?P<under>less than (?:a|one) minute))$",
    re.I,
)
_SECTION = re.compile(r"^Most recent (?P<section>.+?) stories$", re.I)
# "Jane Doe, KSL.com | Posted Sept. 22, 2019 - 4:37 p.m." and "By Jo Lee | Updated - Jan. 5,
# 2017 at 10:02 a.m. | Posted - Jan. 4, 2017 at 9:00 p.m.": who, then one or more stamps.
_BYLINE = re.compile(r"^(?:By\s+)?(?P<who>[^|]*?)\s*\|\s*(?P<when>(?:Posted|Updated)\b.*)$", re.I)
# A stamp on a line of its own ("Posted - Jan. 5, 2017 at 10:02 a.m.").
_STAMP = re.compile(r"^(?P<when>(?:Posted|Updated)\b.*)$", re.I)
_STAMP_PART = re.compile(r"(?P<kind>Posted|Updated)\b[\s:–—-]*(?P<date>[^|]*)", re.I)
# A byline on a line of its own: "By Jane Doe, KSL.com", "By Jane Doe and Jo Lee".
_BY_LINE = re.compile(r"^By\s+(?P<who>[^|]{2,120})$", re.I)
# The credit under the lead photo: "(Photo: Jane Doe, KSL.com)", "Photo credit: Deseret News",
# "Scott Lee, KSL TV" sits under a picture too but is indistinguishable from a byline, so only
# the labelled forms are read.
_PHOTO_CREDIT = re.compile(
    r"^\(?\s*(?:photos?|images?|video|file photo|illustration)(?:\s+credit)?\s*:.{1,150}$", re.I
)
_HEADER_NOISE = re.compile(
    r"^(save story|saved|leer en español|read in english|listen(?: to this (?:story|article))?|"
    r"share|\d+ photos?|view \d+ photos?|\d+ comments?)$",
    re.I,
)
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
    if not raw_blocks:
        raise SkipStory("no text")
    # The header is read a line at a time: the headline is the first line alone, and a
    # byline, stamp or read time may sit on the very next line with no blank between.
    title, *first_rest = _lines(raw_blocks[0])
    story = ParsedStory(
        path=path, title=title, body="", format="ksl", publisher=PUBLISHER, raw=text
    )
    index, remainder = len(raw_blocks), []
    for number, block in enumerate(raw_blocks):
        lines = first_rest if number == 0 else _lines(block)
        if number and lines[0].startswith(DISCLAIMER_START):
            story.disclaimer = " ".join(lines)  # one paragraph, perhaps hard-wrapped
            continue
        start = next((i for i, line in enumerate(lines) if not _header_line(story, line)), None)
        if start is not None:
            # The story starts here: the rest of this block is its first paragraph.
            index, remainder = number, lines[start:]
            break
    if remainder:
        raw_blocks = [*raw_blocks[:index], "\n".join(remainder), *raw_blocks[index + 1 :]]
    blocks = [paragraphs_of(block)[0] for block in raw_blocks]

    # Body: up to the copyright line or the first piece of page furniture.
    body: list[str] = []
    rest = blocks[index:]
    position = 0
    while position < len(rest):
        block = rest[position]
        if _is_rights_notice(block) or _FOOTER_START.match(block):
            break
        if block.startswith(DISCLAIMER_START):
            story.disclaimer = block  # some pages print it below the story, not above
        else:
            body.append(block)
        position += 1

    # Footer: the copyright line, the section, related topics.
    in_topics = False
    for offset, block in enumerate(rest[position:], index + position):
        section = _SECTION.match(block)
        if _is_rights_notice(block):
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


def _header_line(story: ParsedStory, line: str) -> bool:
    """Read one line of the header into `story`; False when it is not a header line."""
    if len(line) > 300:
        return False
    read_time = _READ_TIME.match(line)
    byline = _BYLINE.match(line)
    stamp = _STAMP.match(line)
    by_line = _BY_LINE.match(line)
    if _HEADER_NOISE.match(line) or _PHOTO_CREDIT.match(line):
        return True
    if read_time:
        low = int(read_time.group("low") or 1)  # "Less than a minute" rounds up to one
        story.read_time = (low, int(read_time.group("high") or low))
    elif line.startswith(DISCLAIMER_START):
        story.disclaimer = line
    elif byline:
        _apply_who(story, byline.group("who"))
        _apply_when(story, byline.group("when"))
    elif stamp and parse_us_date(line):
        _apply_when(story, stamp.group("when"))
    elif by_line and _names_only(by_line.group("who")):
        _apply_who(story, by_line.group("who"))
    else:
        return False
    return True


# A contributor's credit: "Jo Lee, For KSL.com".
_FOR = re.compile(r"^for\s+", re.I)
# A rights notice that does not start with the mark: "The-CNN-Wire™ & © 2024 Cable News
# Network, Inc. All rights reserved."
_RIGHTS = re.compile(r"(?:©|\(c\)|copyright).*\ball rights reserved\b", re.I)

_NAME_JOINERS = {"and", "de", "del", "la", "van", "von", "der", "da", "di", "bin", "al"}


def _names_only(who: str) -> bool:
    """'Jane Doe and Jo Lee, KSL.com', not 'Tuesday the rebels had': every word a name's."""
    words = who.replace(",", " ").split()
    return 0 < len(words) <= 12 and all(
        word[0].isupper() or word.lower() in _NAME_JOINERS for word in words
    )


def _is_rights_notice(block: str) -> bool:
    return is_copyright_line(block) or (len(block) < 400 and bool(_RIGHTS.search(block)))


def _lines(block: str) -> list[str]:
    return [line.strip() for line in block.splitlines() if line.strip()]


def _apply_who(story: ParsedStory, who: str) -> None:
    """'Jane Doe, KSL.com' / 'The Associated Press' / 'Jo Lee and Sam Roe, Deseret News'."""
    names = [_FOR.sub("", part.strip()) for part in who.split(",") if part.strip()]
    credits = [n for n in names if n.lower() in AGENCIES or n.lower() == PUBLISHER.lower()]
    if len(names) > 1 and names[-1] not in credits:
        # The page credits the outlet after the last comma ("Jo Lee, KSL TV"), known or not.
        credits.append(names[-1])
    people = [n for n in names if n not in credits]
    if people:
        story.byline = ", ".join(people)
    if credits:
        story.source = agency_name(credits[-1]) if credits[-1] != PUBLISHER else PUBLISHER


def _apply_when(story: ParsedStory, when: str) -> None:
    """'Posted Sept. 22, 2019 - 4:37 p.m.', 'Updated - Jan. 6 … | Posted - Jan. 5 …': the
    posted time is the publication date; an update alone stands in for it."""
    for part in _STAMP_PART.finditer(when):
        when_at = parse_us_date(part.group("date"))
        if when_at is None:
            continue
        if part.group("kind").lower() == "updated":
            story.updated_at = when_at
            story.published_at = story.published_at or when_at
        else:
            story.published_at = when_at  # a posted stamp read after an update wins over it
