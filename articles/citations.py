"""How to cite a story: APA, Chicago, BibTeX, CSL-JSON and RIS, from one description.

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

_SPLIT_AUTHORS = re.compile(r"\s*(?:,|;|\||&|\band\b)\s*", re.I)
_LEADING_BY = re.compile(r"^by\s+", re.I)
# Words that make a byline part an organization rather than a person's name: kinds of
# outlet and body, in any newsroom's English, not the names of particular ones.
_ORGANIZATION_WORDS = frozenset(
    "agency associated association bureau broadcasting channel company corporation council "
    "daily desk department foundation gazette group herald inc institute journal llc ltd "
    "com magazine media ministry network news newspaper newspapers newsroom office online post "
    "press radio register service services society staff team telegraph television times "
    "tribune tv university weekly wire wires".split()
)
# A part made only of these is a role ("Staff Writer", "Senior Correspondent"), not an author.
_ROLE_WORDS = frozenset(
    "a associate business chief columnist contributing contributor correspondent "
    "correspondents deputy editor editors for of political reporter reporters senior special "
    "sports staff the to writer writers posted updated".split()
)
# Dates that scrapers leave in a byline ("Staff Writer; Tuesday", "Posted Feb").
_DATE_WORDS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april "
    "may june july august september october november december jan feb mar apr jun jul aug "
    "sep sept oct nov dec".split()
)
# Where a family name starts: "Abigail Van Buren", "Marcus De Guzman", "Nicholas St Fleur".
_PARTICLES = frozenset("al bin da de del della der di du el ibn la le st van von".split())
_DOMAIN = re.compile(r"[A-Za-z0-9-]+\.[a-z]{2,}")
_PERSON_MAX_WORDS = 4


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


def _is_organization(words: list[str]) -> bool:
    """A name to cite as written: "Northeast Ohio Media Group", "BBC", "KSL.com",
    "The Plain Dealer"."""
    if len(words) > _PERSON_MAX_WORDS or words[0].casefold() == "the":
        return True
    # In a byline set in capitals ("JANIE HAR") a capital word is no acronym.
    shouting = all(word.isupper() for word in words)
    for word in words:
        bare = word.strip(".,()'’")
        if bare.casefold() in _ORGANIZATION_WORDS:
            return True
        if not shouting and len(bare) >= 2 and bare.isupper() and bare.isalpha():  # AP, BBC
            return True
        if any(ch.isdigit() for ch in bare) or _DOMAIN.fullmatch(bare):  # 9News, KSL.com
            return True
    return False


def parse_authors(byline: str) -> list[Name]:
    """'By Jane Doe and John Smith' -> [Name('Jane', 'Doe'), Name('John', 'Smith')].

    An organization ("Ari Wasserman; Northeast Ohio Media Group") is one literal name,
    with no given name, and a role ("Jane Doe, Staff Writer") is no name at all."""
    names = []
    for part in _SPLIT_AUTHORS.split(_LEADING_BY.sub("", byline.strip())):
        words = part.split()
        if not words or all(w.casefold().rstrip(".") in _ROLE_WORDS | _DATE_WORDS for w in words):
            continue
        if len(words) == 1 or _is_organization(words):
            names.append(Name("", " ".join(words)))
            continue
        family = len(words) - 1
        while family > 1 and words[family - 1].casefold().rstrip(".") in _PARTICLES:
            family -= 1
        names.append(Name(" ".join(words[:family]), " ".join(words[family:])))
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
    """A BibTeX key such as "assinder2005blair-7": author, year, first long title word,
    and the story's id, which alone makes it unique (31 stories were "anonndblair")."""
    who = ""
    if authors:
        # "The Associated Press" gives "associated", not "the".
        words = [w for w in authors[0].family.split() if w.casefold() != "the"]
        who = _ascii_word(words[0]) if words else ""
    year = str(story.published_at.year) if story.published_at else "nd"
    words = [w for w in (_ascii_word(w) for w in story.title.split()) if len(w) > 3]
    return f"{who or 'anon'}{year}{words[0] if words else 'story'}-{story.pk}"


def _dated(citation: Citation) -> datetime | None:
    """When the story was published, if the citation may say so."""
    if citation.precision == Article.DatePrecision.NONE:
        return None
    return citation.published


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
    when = _dated(citation)
    if when is None:
        return "n.d."
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
    when = _dated(citation)
    if when is None:
        return "n.d."
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
    """A @misc entry, which classic BibTeX styles and biblatex both take for a story on
    the web: no field is required, so an undated, anonymous story still formats. Where
    it was published goes in howpublished; url and urldate are read by natbib's and
    biblatex's styles, and the note names the archive copy."""
    fields: list[tuple[str, str]] = []
    if citation.authors:
        fields.append(("author", " and ".join(_bibtex_author(a) for a in citation.authors)))
    fields.append(("title", "{" + bibtex_escape(citation.title) + "}"))
    if citation.container:
        fields.append(("howpublished", bibtex_escape(citation.container)))
    if citation.publisher:
        fields.append(("publisher", bibtex_escape(citation.publisher)))
    when = _dated(citation)
    if when is not None:
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
    return f"@misc{{{citation.key},\n{body}\n}}"


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
    when = _dated(citation)
    if when is not None:
        item["issued"] = _date_parts(when, citation.precision)
    return item


def csl_json(citation: Citation) -> str:
    return json.dumps([csl(citation)], indent=2, ensure_ascii=False)


# RIS (Zotero, EndNote, Mendeley) --------------------------------------------


def _ris_date(when: date, precision: str) -> str:
    """RIS's YYYY/MM/DD/ with what is not known left empty."""
    month = f"{when.month:02d}" if precision != Article.DatePrecision.YEAR else ""
    day = f"{when.day:02d}" if month and precision != Article.DatePrecision.MONTH else ""
    return f"{when.year:04d}/{month}/{day}/"


def _ris_author(name: Name) -> str:
    # "Family, Given" is a person; a name with no comma is kept whole, as an organization.
    return f"{name.family}, {name.given}" if name.is_person else name.family


def ris(citation: Citation) -> str:
    """A newspaper article (TY NEWS) with the site as its publication."""
    lines = [("TY", "NEWS"), ("ID", citation.key), ("TI", citation.title)]
    lines += [("AU", _ris_author(name)) for name in citation.authors]
    when = _dated(citation)
    if when is not None:
        lines.append(("PY", str(when.year)))
        lines.append(("DA", _ris_date(when, citation.precision)))
    if citation.container:
        lines.append(("T2", citation.container))
    if citation.publisher:
        lines.append(("PB", citation.publisher))
    lines.append(("UR", citation.url))
    lines.append(("Y2", _ris_date(citation.accessed, Article.DatePrecision.DAY)))
    lines.append(("DB", "newsarchive"))
    lines.append(("N1", _note(citation)))
    lines.append(("ER", ""))
    # One line per tag: line breaks inside a value would start a bogus one.
    return "".join(f"{tag}  - {' '.join(value.split())}\r\n" for tag, value in lines)


def all_styles(citation: Citation) -> dict[str, str]:
    return {
        "apa": apa(citation),
        "chicago": chicago(citation),
        "bibtex": bibtex(citation),
        "csl_json": csl_json(citation),
    }
