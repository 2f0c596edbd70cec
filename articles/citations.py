"""How to cite a story: APA, Chicago, BibTeX and CSL-JSON, from one description.

Each formatter returns plain text. Templates escape it for HTML; BibTeX's own
special characters are escaped here. Citations point to the original URL when
the archive knows it, else to the archive's permalink, and carry the date the
reader accessed the story.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from .models import Article

_SPLIT_AUTHORS = re.compile(r"\s*(?:,|;|&|\band\b)\s*", re.I)
_LEADING_BY = re.compile(r"^by\s+", re.I)


@dataclass(frozen=True)
class Name:
    given: str
    family: str

    @property
    def is_person(self) -> bool:
        return bool(self.given)

    @property
    def full(self) -> str:
        return f"{self.given} {self.family}".strip()

    @property
    def initials(self) -> str:
        return " ".join(f"{part[0]}." for part in self.given.split())


@dataclass(frozen=True)
class Citation:
    """What every citation style needs to know about one story."""

    key: str
    title: str
    authors: list[Name]
    container: str  # the site or paper it appeared in
    publisher: str
    published: datetime | None
    precision: str
    url: str
    permalink: str
    accessed: date
    disclaimer: str

    @property
    def has_original_url(self) -> bool:
        return self.url != self.permalink


def parse_authors(byline: str) -> list[Name]:
    """'By Jane Doe and John Smith' -> [Name('Jane', 'Doe'), Name('John', 'Smith')]."""
    names = []
    for part in _SPLIT_AUTHORS.split(_LEADING_BY.sub("", byline.strip())):
        words = part.split()
        if len(words) >= 2:
            names.append(Name(" ".join(words[:-1]), words[-1]))
        elif words:
            names.append(Name("", words[0]))
    return names


def citation_for(story: Article, *, permalink: str, accessed: date) -> Citation:
    authors = parse_authors(story.byline)
    if not authors and story.source:
        authors = [Name("", story.source.name)]  # a wire story: the agency is the author
    outlet = story.publisher or story.source
    precision = story.date_precision if story.published_at else Article.DatePrecision.NONE
    return Citation(
        key=_key(story, authors),
        title=story.title,
        authors=authors,
        container=outlet.name if outlet else "",
        publisher=story.publisher.name if story.publisher else "",
        published=story.published_at,
        precision=precision,
        url=story.url or permalink,
        permalink=permalink,
        accessed=accessed,
        disclaimer=story.disclaimer,
    )


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def _key(story: Article, authors: list[Name]) -> str:
    """A BibTeX key such as "assinder2005blair": author, year, first long title word."""
    who = ""
    if authors:
        # "The Associated Press" gives "associated", not "the".
        words = [w for w in authors[0].family.split() if w.casefold() != "the"]
        who = _ascii_word(words[0]) if words else ""
    year = str(story.published_at.year) if story.published_at else "nd"
    words = [w for w in (_ascii_word(w) for w in story.title.split()) if len(w) > 3]
    return f"{who or 'anon'}{year}{words[0] if words else story.pk}"


def _dated(citation: Citation) -> bool:
    return citation.published is not None and citation.precision != Article.DatePrecision.NONE


def _long_date(day: date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


# APA 7 -------------------------------------------------------------------


def _apa_name(name: Name) -> str:
    return f"{name.family}, {name.initials}" if name.is_person else name.family


def _apa_authors(names: list[Name]) -> str:
    parts = [_apa_name(name) for name in names]
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + ", & " + parts[-1]


def _apa_date(citation: Citation) -> str:
    if not _dated(citation):
        return "n.d."
    when = citation.published
    if citation.precision == Article.DatePrecision.YEAR:
        return str(when.year)
    if citation.precision == Article.DatePrecision.MONTH:
        return f"{when.year}, {when:%B}"
    return f"{when.year}, {when:%B} {when.day}"


def _end(text: str) -> str:
    return text if text.endswith((".", "?", "!")) else f"{text}."


def apa(citation: Citation) -> str:
    """Author, A. A. (Year, Month Day). Title. Site. Retrieved Month Day, Year, from URL"""
    parts = []
    if citation.authors:
        parts.append(_end(_apa_authors(citation.authors)))
        parts.append(f"({_apa_date(citation)}).")
        parts.append(_end(citation.title))
    else:
        parts.append(_end(citation.title))
        parts.append(f"({_apa_date(citation)}).")
    if citation.container and citation.container not in [a.full for a in citation.authors]:
        parts.append(_end(citation.container))
    parts.append(f"Retrieved {_long_date(citation.accessed)}, from {citation.url}")
    return " ".join(parts)


# Chicago (notes and bibliography, bibliography entry) ----------------------


def _chicago_authors(names: list[Name]) -> str:
    first = names[0]
    parts = [f"{first.family}, {first.given}" if first.is_person else first.family]
    parts += [name.full for name in names[1:]]
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        return f"{parts[0]}, and {parts[1]}" if first.is_person else " and ".join(parts)
    return ", ".join(parts[:-1]) + ", and " + parts[-1]


def _chicago_date(citation: Citation) -> str:
    if not _dated(citation):
        return "n.d."
    when = citation.published
    if citation.precision == Article.DatePrecision.YEAR:
        return str(when.year)
    if citation.precision == Article.DatePrecision.MONTH:
        return f"{when:%B} {when.year}"
    return _long_date(when)


def chicago(citation: Citation) -> str:
    """Family, Given. "Title." Site, Month Day, Year. Accessed Month Day, Year. URL."""
    title = citation.title.rstrip(".")
    quoted = f"“{title}.”" if not title.endswith(("?", "!")) else f"“{title}”"
    parts = []
    if citation.authors:
        parts.append(_end(_chicago_authors(citation.authors)))
    parts.append(quoted)
    parts.append(_end(", ".join(p for p in (citation.container, _chicago_date(citation)) if p)))
    parts.append(f"Accessed {_long_date(citation.accessed)}.")
    parts.append(f"{citation.url}.")
    return " ".join(parts)


# BibTeX --------------------------------------------------------------------

_BIBTEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "%": r"\%",
    "#": r"\#",
    "_": r"\_",
    "^": r"\^{}",
    "~": r"\~{}",
}
_BIBTEX_RE = re.compile("|".join(re.escape(ch) for ch in _BIBTEX_SPECIAL))


def bibtex_escape(text: str) -> str:
    return _BIBTEX_RE.sub(lambda match: _BIBTEX_SPECIAL[match.group()], " ".join(text.split()))


def _bibtex_url(url: str) -> str:
    # URL fields are read verbatim, but their braces must still balance.
    return url.replace("\\", "%5C").replace("{", "%7B").replace("}", "%7D").replace(" ", "%20")


def _bibtex_author(name: Name) -> str:
    if name.is_person:
        return f"{bibtex_escape(name.family)}, {bibtex_escape(name.given)}"
    return "{" + bibtex_escape(name.family) + "}"  # a corporate author, kept whole


def bibtex(citation: Citation) -> str:
    fields: list[tuple[str, str]] = []
    if citation.authors:
        fields.append(("author", " and ".join(_bibtex_author(a) for a in citation.authors)))
    fields.append(("title", "{" + bibtex_escape(citation.title) + "}"))
    if citation.container:
        fields.append(("journal", bibtex_escape(citation.container)))
    if citation.publisher:
        fields.append(("publisher", bibtex_escape(citation.publisher)))
    if _dated(citation):
        when = citation.published
        fields.append(("year", str(when.year)))
        if citation.precision != Article.DatePrecision.YEAR:
            fields.append(("month", f"{when:%b}".lower()))
        if citation.precision in (Article.DatePrecision.DAY, Article.DatePrecision.MINUTE):
            fields.append(("date", f"{when:%Y-%m-%d}"))
    fields.append(("url", _bibtex_url(citation.url)))
    fields.append(("urldate", citation.accessed.isoformat()))
    fields.append(("note", bibtex_escape(_note(citation))))
    body = ",\n".join(
        f"  {name} = {value}" if name == "month" else f"  {name} = {{{value}}}"
        for name, value in fields
    )
    return f"@article{{{citation.key},\n{body}\n}}"


def _note(citation: Citation) -> str:
    note = "Archived copy"
    if citation.has_original_url:
        note += f" at {citation.permalink}"
    note += "."
    if citation.disclaimer:
        note += f" Publisher's archive notice: {' '.join(citation.disclaimer.split())}"
    return note


# CSL-JSON ------------------------------------------------------------------


def _date_parts(when: date, precision: str) -> dict:
    parts = [when.year]
    if precision != Article.DatePrecision.YEAR:
        parts.append(when.month)
        if precision != Article.DatePrecision.MONTH:
            parts.append(when.day)
    return {"date-parts": [parts]}


def csl(citation: Citation) -> dict:
    item: dict = {
        "id": citation.key,
        "type": "article-newspaper",
        "title": citation.title,
        "author": [
            {"family": a.family, "given": a.given} if a.is_person else {"literal": a.family}
            for a in citation.authors
        ],
        "URL": citation.url,
        "accessed": _date_parts(citation.accessed, Article.DatePrecision.DAY),
        "archive": "newsarchive",
        "archive_location": citation.permalink,
        "note": _note(citation),
    }
    if citation.container:
        item["container-title"] = citation.container
    if citation.publisher:
        item["publisher"] = citation.publisher
    if _dated(citation):
        item["issued"] = _date_parts(citation.published, citation.precision)
    return item


def csl_json(citation: Citation) -> str:
    return json.dumps([csl(citation)], indent=2, ensure_ascii=False)


def all_styles(citation: Citation) -> dict[str, str]:
    return {
        "apa": apa(citation),
        "chicago": chicago(citation),
        "bibtex": bibtex(citation),
        "csl_json": csl_json(citation),
    }
