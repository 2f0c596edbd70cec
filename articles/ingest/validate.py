"""Metadata that never lies: what a parser or a manifest found is checked before it is stored.

Each kind of field has a validator that returns the value cleaned, or "" / None when it
is boilerplate ("Policy", "Copyright Policy"), a fragment ("-2019 SlashGear", "-") or
implausible (a date in year 1). `clean(story)` runs them all on a parsed story and says
what it dropped, so a person sees why a field is blank.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

from .types import ParsedStory

# Words that sit where a source or a copyright holder should be, but name nobody.
_NOT_A_NAME = {
    "policy", "copyright", "copyright policy", "copyrights", "privacy", "privacy policy",
    "terms", "terms of use", "terms of service", "all rights reserved", "rights reserved",
    "reserved", "rights", "notice", "information", "info", "home", "unknown", "none", "null",
    "n/a", "na", "undefined", "anonymous", "admin", "administrator", "contact", "contact us",
    "about", "about us", "source", "publisher", "author", "website", "site", "web", "page",
    "staff", "editor", "editorial", "by", "the", "and", "of", "inc", "ltd", "llc",
}  # fmt: skip
_NOT_A_TOPIC = {
    "uncategorized", "uncategorised", "general", "home", "more", "read more", "share",
    "advertisement", "sponsored", "featured", "main", "index", "default", "none", "null",
    "undefined", "untitled", "misc", "other", "others", "tags", "topics", "categories",
    "related", "related topics", "article", "articles", "story", "stories", "page", "post",
}  # fmt: skip
# Words of a page's legal links and notices: a "name" made of nothing else names nobody
# ("Trademark and Patent Information", "Copyright and Reprint", "Terms & Privacy").
_NOTICE_WORDS = {
    "copyright", "copyrights", "trademark", "trademarks", "patent", "patents", "reprint",
    "reprints", "permission", "permissions", "licensing", "license", "licence", "legal",
    "information", "info", "policy", "policies", "privacy", "terms", "conditions", "notice",
    "notices", "rights", "reserved", "all", "use", "cookie", "cookies", "disclaimer",
}  # fmt: skip
_JOINERS = {"and", "&", "of", "the", "our", "for", "to", "+", "/"}
_YEAR_START = re.compile(r"^(?:1[6-9]|20)\d{2}(?:\b|$)")
_LETTERS = re.compile(r"[^\W\d_]")
_URL = re.compile(r"https?://|\bwww\.\S+/", re.I)
# An entity as plain text keeps it when HTML was flattened carelessly: "&#163;1.8m", "&amp;".
_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9a-f]{1,6}|[a-z][a-z0-9]{1,31});", re.I)

EARLIEST = datetime(1700, 1, 1, tzinfo=UTC)
# A page's clock may run a little ahead of ours; a date later than this is not yet.
_FUTURE_SLACK = timedelta(days=2)
MAX_TOPIC_WORDS = 6
MAX_TOPIC_CHARS = 60
MAX_NAME_WORDS = 8
MAX_NAME_CHARS = 100


def _squash(value: str) -> str:
    return " ".join(decode_entities(value).split())


def decode_entities(text: str) -> str:
    """'&#163;1.8m' -> '£1.8m' and 'R&amp;D' -> 'R&D'; a lone '&' (AT&T) is left alone."""
    if "&" not in text:
        return text
    return _ENTITY.sub(lambda match: unescape(match.group(0)), text)


def _is_fragment(name: str) -> bool:
    """Not a whole name: no letters, a leading mark or year (what a copyright line left)."""
    return (
        len(_LETTERS.findall(name)) < 2
        or not (name[0].isalnum() or name[0] in "\"'“‘(")
        or bool(_YEAR_START.match(name))
        or bool(re.match(r"^\((?:c|с)\)", name, re.I))  # "(c) 2019 …", Latin or Cyrillic c
        or bool(_URL.search(name))
    )


# What a name is printed with but is not part of it: "by"/"of" before it ("Copyright by the
# Herald"), a year or a year range after it ("Condé Nast 2015", "Blog 2011-2019 - ISSN …"),
# a street address after it ("WNET 825 Eighth Avenue New York, NY 10019"), a trailing dash,
# a site title's tail after a separator ("Example Daily · Version 3.01").
_LEADING_WORD = re.compile(r"^(?:by|of|from)\s+", re.I)
_TRAILING_YEARS = re.compile(
    r"[\s,]+(?:1[6-9]|20)\d{2}(?:\s*[-–]\s*(?:1[6-9]|20)\d{2})?(?:\s*[-–|:,].*)?$"
)
# A company's registration printed after its name: "… Limited in England No. 679215",
# "… Ltd, registered in England and Wales"; the number itself may already be cut off.
_REGISTRATION = re.compile(
    r"[\s,]+(?i:company\s+)?(?i:registered)\s+in\s+[A-Z][a-z]+.*$"
    r"|\s+in\s+[A-Z][a-z]+(?:\s+and\s+[A-Z][a-z]+)?\s+(?:No|Number|Reg)\b.*$"
    r"|(?:,\s*|\s+(?=(?i:company|registration)\b))(?i:company\s+)?(?i:registration\s+)?"
    r"(?i:no|number)\b\.?\s*[:.]?\s*\d.*$"
)
_ADDRESS = re.compile(
    r"[\s,]+\d{1,5}\s+(?:[A-Z][\w.]*\s+){1,3}"
    r"(?:Avenue|Ave|Street|St|Road|Rd|Boulevard|Blvd|Drive|Dr|Lane|Plaza|Square)\b.*$"
)
# A figure is a statistic, not a name: "MARCH 0.7 PCT RISE" is a headline's aside that a
# dateline pattern took for an agency credit.
_STATISTIC = re.compile(
    r"%|\b(?:pct|per\s?cent|percent)\b|\b\d+[.,]\d+\s*(?:mln|bln|billion|million)\b", re.I
)


def valid_source(value: str) -> str:
    """A source or publisher name, cleaned of what it was printed with, or "" when it is
    boilerplate, a fragment or a figure."""
    name = _squash(value).strip(" ,;:|")
    if is_copyright_line_start(name):
        from .common import copyright_holder

        return copyright_holder(name)  # "Copyright 2015 Onion Inc" credits Onion Inc
    name = _LEADING_WORD.sub("", re.split(r"\s[·|•]\s", name, maxsplit=1)[0])
    name = _ADDRESS.sub("", _TRAILING_YEARS.sub("", name))
    name = _REGISTRATION.sub("", name).rstrip(" ,;:|-–—(")
    if not name or name.casefold() in _NOT_A_NAME or _is_fragment(name) or _is_notice(name):
        return ""
    if "_" in name:
        return ""  # an account handle or a file's slug ("Example_Co_Uk"), not a printed name
    if _STATISTIC.search(name):
        return ""
    if len(name) > MAX_NAME_CHARS or len(name.split()) > MAX_NAME_WORDS:
        return ""  # a sentence, not a name
    return name


def _is_notice(name: str) -> bool:
    """Only the words of legal links and notices, and the words that join them."""
    words = [w for w in re.split(r"[\s,;]+", name.casefold()) if w and w not in _JOINERS]
    return bool(words) and all(word in _NOTICE_WORDS for word in words)


def is_copyright_line_start(name: str) -> bool:
    """'Copyright …', '© …', '(c) …': a rights notice, not a name on its own."""
    return bool(re.match(r"^(?:copyright\b|©|\((?:c|с)\))", name, re.I))


def valid_copyright(value: str) -> str:
    """A printed rights notice, or "" when it names nobody and no year ("Copyright Policy")."""
    from .common import copyright_holder, is_copyright_line

    line = _squash(value).rstrip(" (")  # "All rights reserved (" lost what followed
    if not line or not is_copyright_line(line):
        return ""
    if copyright_holder(line):
        return line
    if _OPEN_YEARS.search(line):
        return ""  # "Copyright 2001 -", "© Copyright 2015,": cut off before the holder
    if re.search(r"\b(?:1[6-9]|20)\d{2}\b", line):
        return line
    return ""


# Years, then a dash or a comma, then nothing: the holder was cut off.
_OPEN_YEARS = re.compile(r"\b(?:1[6-9]|20)\d{2}\s*[-–,]\s*$")


def valid_topic(value: str) -> str:
    """A topic name, or "" when it is boilerplate, a fragment or a sentence."""
    name = _squash(value).strip(" ,;:|#")
    if not name or name.casefold() in _NOT_A_TOPIC or len(_LETTERS.findall(name)) < 2:
        return ""
    if len(name) > MAX_TOPIC_CHARS or len(name.split()) > MAX_TOPIC_WORDS or _URL.search(name):
        return ""
    return name


def split_topics(values: list[str]) -> list[str]:
    """Topics, with comma-joined keyword lists ("Electronic Arts,EA,Microsoft") split apart.

    A comma is a list's when it has no space after it or joins three or more parts;
    "Washington, D.C." stays one topic."""
    found: list[str] = []
    for value in values:
        parts = [part.strip() for part in re.split(r"[,;|]", value)]
        tight = re.search(r"[,;|]\S", value)
        found.extend(parts if len(parts) >= 3 or tight else [value])
    return found


def valid_topics(values: list[str]) -> list[str]:
    """Valid topics, split and without repeats (case aside), in order."""
    seen: set[str] = set()
    kept: list[str] = []
    for value in split_topics(values):
        name = valid_topic(value)
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            kept.append(name)
    return kept


def plausible_date(value: datetime | None, *, now: datetime | None = None) -> datetime | None:
    """The date, or None when it cannot be a story's: before 1700, or in the future."""
    if value is None:
        return None
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    latest = (now or datetime.now(UTC)) + _FUTURE_SLACK
    return value if EARLIEST <= aware <= latest else None


def _same_text(first: str, second: str) -> bool:
    return bool(first) and first.casefold() == " ".join(second.split()).casefold()


def clean(story: ParsedStory, *, now: datetime | None = None) -> list[str]:
    """Check every metadata field of `story` in place; return what was dropped, for a person."""
    dropped: list[str] = []

    def note(field: str, value: object, why: str) -> None:
        dropped.append(f"{field} {value!r} dropped: {why}")

    for name in ("title", "byline", "dateline", "section", "disclaimer"):
        setattr(story, name, _squash(getattr(story, name)))
    story.body = decode_entities(story.body)
    for name in ("source", "publisher"):
        value = getattr(story, name)
        if value and not valid_source(value):
            note(name, value, "boilerplate or a fragment, not a name")
        elif value and _same_text(valid_source(value), story.title):
            note(name, value, "the story's headline, not a name")
            value = ""
        setattr(story, name, valid_source(value) if value else "")
    if story.copyright and not valid_copyright(story.copyright):
        note("copyright", story.copyright, "names no holder and no year")
    story.copyright = valid_copyright(story.copyright) if story.copyright else ""
    if story.section and not valid_topic(story.section):
        note("section", story.section, "boilerplate or not a section name")
        story.section = ""
    topics = valid_topics(story.topics)
    for topic in split_topics(story.topics):
        if not valid_topic(topic) and topic.strip():
            note("topic", topic, "boilerplate, a fragment or a sentence")
    story.topics = topics
    story.places = valid_topics(story.places)
    for name in ("published_at", "updated_at"):
        value = getattr(story, name)
        if value is not None and plausible_date(value, now=now) is None:
            note(name, value.date().isoformat(), "before 1700 or in the future")
            setattr(story, name, None)
    story.warnings.extend(w for w in dropped if w not in story.warnings)
    return dropped
