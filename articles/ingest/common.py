"""Helpers shared by the parsers: datelines, wire agencies, dates, paragraphs."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from .validate import valid_source

# Wire-agency credits as they appear in datelines, bylines and copyright lines.
AGENCIES = {
    "ap": "The Associated Press",
    "associated press": "The Associated Press",
    "the associated press": "The Associated Press",
    "reuters": "Reuters",
    "reuter": "Reuters",
    "thomson reuters": "Reuters",
    "afp": "Agence France-Presse",
    "agence france-presse": "Agence France-Presse",
    "agence france presse": "Agence France-Presse",
    "upi": "United Press International",
    "united press international": "United Press International",
    "cnn": "CNN",
    "bloomberg": "Bloomberg",
    "dpa": "Deutsche Presse-Agentur",
    "xinhua": "Xinhua",
    "efe": "EFE",
    "ians": "IANS",
    "pti": "Press Trust of India",
    "cp": "The Canadian Press",
    "the canadian press": "The Canadian Press",
    "aap": "Australian Associated Press",
    "pa": "PA Media",
    "ansa": "ANSA",
    "kyodo": "Kyodo News",
    "yonhap": "Yonhap",
    "tass": "TASS",
    "the washington post": "The Washington Post",
    "the new york times": "The New York Times",
    "deseret news": "Deseret News",
}


def agency_name(code: str) -> str:
    """The full name of a wire agency credit, or the credit itself when unknown."""
    cleaned = code.strip().strip(".").strip()
    return AGENCIES.get(cleaned.lower(), cleaned)


# "WASHINGTON (AP) — ", "SALT LAKE CITY — ", "BEIRUT, Lebanon (AP) — ",
# "CLEVELAND, Feb 26 - " (Reuters), "LONDON (Reuters) - ".
_DATELINE = re.compile(
    r"""^(?P<place>[A-Z][A-Z.'’\- ]{1,40}?[A-Z.])          # the place, in capitals
        (?:,\s*(?P<region>[A-Z][A-Za-z.'’ ]{1,30}?))?      # an optional region or state
        (?:,\s*(?P<date>(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2}))?
        \s*(?:\((?P<agency>[^)]{1,40})\))?
        \s*(?:—|–|--|-)\s+""",
    re.VERBOSE,
)


def split_dateline(paragraph: str) -> tuple[str, str, str]:
    """Return (dateline, agency credit, date text) from a story's first paragraph."""
    match = _DATELINE.match(paragraph)
    if not match:
        return "", "", ""
    place = match.group("place").strip()
    # A dateline place is short; a run of capitals longer than that is a shouted headline.
    if len(place.split()) > 5:
        return "", "", ""
    # A month is no place: "APRIL (MARCH 0.7 PCT RISE) - OFFICIAL" ends a wrapped headline.
    if place.rstrip(".").lower() in _MONTH_NAMES:
        return "", "", ""
    region = (match.group("region") or "").strip()
    dateline = f"{place}, {region}" if region else place
    return dateline, _credit(match.group("agency") or ""), (match.group("date") or "").strip()


def _credit(text: str) -> str:
    """The agency named in a dateline's brackets, or "" when the brackets hold something
    else: a figure ("MARCH 0.7 PCT RISE"), a sentence, a ticker of digits."""
    credit = text.strip()
    if not credit or credit.strip(".").lower() in AGENCIES:
        return credit
    if any(ch.isdigit() for ch in credit) or len(credit.split()) > 4:
        return ""
    return credit if valid_source(credit) else ""


_COPYRIGHT = re.compile(r"^\s*(?:Copyright\s*)?(?:©|\(c\)|Copyright)\s*(.*)$", re.I)


def copyright_holder(line: str) -> str:
    """'Copyright © The Associated Press. All rights reserved.' -> 'The Associated Press'."""
    match = _COPYRIGHT.match(line)
    if not match:
        return ""
    # "© 2011-2019 SlashGear", "Copyright (c) 2019, Deseret News": the years are not the holder.
    # "2015 © U.S. News": marks and years in either order; "U.S." does not end the name.
    rest = re.sub(
        r"^(?:(?:\(c\)|©|copyright)\s*|\d{4}(?:\s*[-–]\s*\d{4})?[\s,.]*)+",
        "",
        match.group(1).strip(),
        flags=re.I,
    )
    holder = re.split(
        r"(?<!\b[A-Z])\.\s|\.$|,\s*all rights|\ball rights reserved",
        rest,
        maxsplit=1,
        flags=re.I,
    )
    return valid_source(holder[0].strip(" .,"))


def is_copyright_line(line: str) -> bool:
    stripped = line.strip()
    return bool(re.match(r"^(copyright\b|©|\(c\)\s*\d{4})", stripped, re.I) and len(stripped) < 400)


_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}

_MONTH_NAMES = {
    *_MONTHS, "sept", "january", "february", "march", "april", "june", "july", "august",
    "september", "october", "november", "december",
}  # fmt: skip

_US_DATE = re.compile(
    r"(?P<month>Jan|Feb|Mar|Apr|May|June?|July?|Aug|Sept?|Oct|Nov|Dec)[a-z]*\.?\s+"
    r"(?P<day>\d{1,2}),?\s+(?P<year>\d{4})"
    r"(?:\s*(?:-|–|—|at|,)?\s*(?P<hour>\d{1,2}):(?P<minute>\d{2})\s*(?P<ampm>[ap])\.?\s*m\.?)?",
    re.I,
)


def parse_us_date(text: str, tz: str = "America/Denver") -> datetime | None:
    """Parse 'Sept. 22, 2019 - 4:37 p.m.' style dates, in the site's local time zone."""
    match = _US_DATE.search(text)
    if not match:
        return None
    month = _MONTHS[match.group("month")[:3].lower()]
    hour = int(match.group("hour") or 0)
    minute = int(match.group("minute") or 0)
    if match.group("ampm"):
        if hour == 12:
            hour = 0
        if match.group("ampm").lower() == "p":
            hour += 12
    try:
        return datetime(
            int(match.group("year")),
            month,
            int(match.group("day")),
            hour,
            minute,
            tzinfo=ZoneInfo(tz),
        )
    except ValueError:
        return None


def paragraphs_of(text: str) -> list[str]:
    """Blocks separated by blank lines, each folded onto one line."""
    blocks = re.split(r"\n\s*\n", text)
    return [
        " ".join(line.strip() for line in block.splitlines()).strip()
        for block in blocks
        if block.strip()
    ]


def join_paragraphs(paragraphs: list[str]) -> str:
    return "\n\n".join(p.strip() for p in paragraphs if p.strip())


# Day-first dates ("20 November 2019") and ISO dates ("2019-11-20", "2019-11-20T08:30:00Z").
_DAY_FIRST = re.compile(
    r"\b(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+(?P<month>Jan|Feb|Mar|Apr|May|June?|July?|Aug|Sept?|Oct"
    r"|Nov|Dec)[a-z]*\.?,?\s+(?P<year>\d{4})\b",
    re.I,
)
_ISO_DATE = re.compile(
    r"\b(?P<year>(?:19|20)\d{2})-(?P<month>\d{2})-(?P<day>\d{2})"
    r"(?:[T ](?P<hour>\d{2}):(?P<minute>\d{2}))?"
)


def find_date(text: str, tz: str = "UTC") -> datetime | None:
    """The first date written in a line of page text, in `tz` when the page does not say."""
    found = parse_us_date(text, tz=tz)
    if found:
        return found
    zone = ZoneInfo(tz)
    for pattern in (_DAY_FIRST, _ISO_DATE):
        match = pattern.search(text)
        if not match:
            continue
        month = match.group("month")
        month_number = int(month) if month.isdigit() else _MONTHS[month[:3].lower()]
        groups = match.groupdict()
        try:
            return datetime(
                int(match.group("year")),
                month_number,
                int(match.group("day")),
                int(groups.get("hour") or 0),
                int(groups.get("minute") or 0),
                tzinfo=zone,
            )
        except ValueError:
            continue
    return None
