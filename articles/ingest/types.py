"""Plain data passed between the ingest stages. No Django here."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime


class IngestError(Exception):
    """A file that cannot become a story. The message says why, for a person."""


class SkipStory(IngestError):
    """Not an error in the file so much as nothing worth storing (no title, no body)."""


@dataclass
class TaggedEntity:
    name: str
    kind: str  # person, organization, place, group, topic
    count: int = 1
    first_offset: int = 0
    surface: str = ""
    in_headline: bool = False
    in_lede: bool = False
    salience: int = 0  # 1 = the story's main subject
    confidence: float = 1.0  # 0..1: how sure the tagger is of the name and its kind


@dataclass
class ParsedStory:
    """One story as a parser understood it."""

    path: str
    title: str
    body: str  # paragraphs separated by one blank line
    format: str = ""
    byline: str = ""
    published_at: datetime | None = None
    updated_at: datetime | None = None
    dateline: str = ""
    source: str = ""  # who wrote it: an agency or the outlet
    publisher: str = ""  # the site it was archived from
    section: str = ""
    read_time: tuple[int, int] | None = None
    disclaimer: str = ""
    copyright: str = ""
    url: str = ""
    language: str = ""
    topics: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)  # from metadata, not NER
    entities: list[TaggedEntity] = field(default_factory=list)
    raw: str = ""  # the exact text the parser read, kept for re-parsing
    # What the batch said of the file beside its text, kept so that a re-parse applies it
    # again (pipeline.apply_given): {"defaults": {...}, "rows": [sidecar, manifest row]}.
    given: dict = field(default_factory=dict)
    encoding: str = ""
    # What was dropped or repaired on the way in (a date in year 1, a mojibake byte), for a person.
    warnings: list[str] = field(default_factory=list)

    @property
    def paragraphs(self) -> list[str]:
        return [p for p in self.body.split("\n\n") if p.strip()]

    def to_json(self) -> dict:
        """The public contract of `ingest --json`: the README lists its keys."""
        return {
            "path": self.path,
            "title": self.title,
            "byline": self.byline,
            "published_at": self.published_at.isoformat() if self.published_at else None,
            "dateline": self.dateline,
            "source": self.source,
            "publisher": self.publisher,
            "section": self.section,
            "read_time": list(self.read_time) if self.read_time else None,
            "disclaimer": self.disclaimer,
            "copyright": self.copyright,
            "body": self.body,
            "url": self.url,
            "topics": list(self.topics),
            "entities": [{"name": e.name, "kind": e.kind, "count": e.count} for e in self.entities],
            "language": self.language,
            "warnings": list(self.warnings),
        }

    def as_dict(self) -> dict:
        return asdict(self)
