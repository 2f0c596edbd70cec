"""Plain title-first text: the first line is the headline, then paragraphs.

Covers one-paragraph-a-line text (BBC) and hard-wrapped wire copy (Reuters-21578), where
an indented line starts a paragraph and a closing "Reuter" line signs the story off.
"""

from __future__ import annotations

import re

from .common import agency_name, join_paragraphs, split_dateline
from .types import ParsedStory, SkipStory

# The wire's sign-off on a line of its own: " Reuter", "REUTER", "Reuters", "AP".
_SIGN_OFF = re.compile(r"^\s*(?P<agency>reuters?|ap|afp|upi)\s*$", re.I)
_INDENT = re.compile(r"^(?: {2,}|\t)\S")


def looks_like(text: str) -> bool:
    """A headline line, a blank line, then a dateline or prose rather than a menu."""
    lines = text.lstrip("\ufeff").split("\n", 60)
    if len(lines) < 3 or not lines[0].strip() or lines[1].strip() or len(lines[0]) > 300:
        return False
    following = [line.strip() for line in lines[2:60] if line.strip()][:40]
    if not following:
        return False
    if split_dateline(following[0])[0]:
        return True
    # A page of menus has many lines of a few words; a story has hardly any.
    menu = sum(1 for line in following if len(line.split()) <= 4)
    return menu <= len(following) // 5 and len(following[0].split()) >= 8


def parse(text: str, *, path: str = "") -> ParsedStory:
    if not text.strip():
        raise SkipStory("no text")
    if not text.split("\n", 1)[0].strip():
        # Title-first text with a blank first line has no title (as Reuters' untitled items).
        raise SkipStory("no title line: the text starts with a blank line")
    head, _, rest = text.partition("\n")
    title = head.strip()

    lines = rest.rstrip().split("\n")
    # A wire headline in capitals wraps onto the next lines, before the blank line that
    # starts the story: "… FALL 2.3 PCT IN YEAR TO" / "JUNE (MAY 1.9 PCT FALL) - OFFICIAL".
    wrapped = next((i for i, line in enumerate(lines) if not line.strip()), len(lines))
    block = [line.strip() for line in lines[:wrapped]]
    # …or in any case, a line that starts in lower case or with a figure, with nothing after.
    ends = not any(line.strip() for line in lines[wrapped:]) and bool(block)
    continues = _shouted(title) or (ends and not block[0][:1].isupper())
    if continues and 0 < wrapped <= 2 and all(len(line) <= 80 for line in block):
        title = " ".join([title, *block])
        lines = lines[wrapped:]
    source = ""
    while lines and not lines[-1].strip():
        lines.pop()
    if lines and (sign_off := _SIGN_OFF.match(lines[-1])):
        source = agency_name(sign_off.group("agency"))
        lines.pop()

    body = rejoin_paragraphs(lines)
    if not body:
        raise SkipStory("a title with no story text")
    story = ParsedStory(path=path, title=title, body=join_paragraphs(body), format="plain")
    dateline, agency, _ = split_dateline(body[0])
    story.dateline = dateline
    story.source = agency_name(agency) if agency else source
    return story


def _shouted(line: str) -> bool:
    letters = [ch for ch in line if ch.isalpha()]
    return len(letters) >= 8 and all(ch.isupper() for ch in letters)


def rejoin_paragraphs(lines: list[str]) -> list[str]:
    """Rejoin hard-wrapped lines: a paragraph ends at a blank line or before an indented one."""
    found: list[str] = []
    current: list[str] = []
    for line in lines:
        if not line.strip() or _INDENT.match(line):
            if current:
                found.append(" ".join(current))
            current = [line.strip()] if line.strip() else []
        else:
            current.append(line.strip())
    if current:
        found.append(" ".join(current))
    return [paragraph for paragraph in found if paragraph]
