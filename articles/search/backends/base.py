"""What every search backend answers, and the plain data it answers with.

A backend knows one engine and nothing of Django's models: it is given index
documents (IndexDocument) to store and SearchRequests to answer. The indexer
(search/indexer.py) reads the database and feeds it; the search service
(search/__init__.py) asks it on behalf of views, feeds, the API and exports.
The shape follows Wagtail's search/backends/: one class per engine, chosen once.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils.safestring import SafeString

from ...vocabulary import SEARCH_SORTS
from ..query import ParsedQuery

ENTITY_FACETS = ("person", "organization", "place", "group", "topic")
FACETS = (*ENTITY_FACETS, "source", "year")
SORTS = tuple(value for value, _label in SEARCH_SORTS)


class IndexBusy(Exception):
    """Another process holds this index's writer; try again later."""


class SearchUnavailable(Exception):
    """The index is not built yet and the archive is too big to build it in a request."""


@dataclass
class IndexDocument:
    """One public story as search sees it."""

    id: int
    title: str
    body: str
    names: list[str] = field(default_factory=list)  # its entities' names
    entities: dict[str, list[int]] = field(default_factory=dict)  # kind -> entity ids
    source_id: int | None = None
    section: str = ""
    published_at: datetime | None = None
    language: str = ""
    # Story clusters: which views it is in (VIEW_COPIES, VIEW_COLLAPSED), its cluster,
    # and, for a cluster's collapsed document, its other copies' sources and dates.
    views: tuple[int, ...] = (1, 2)
    cluster_id: int | None = None
    other_sources: list[int] = field(default_factory=list)
    other_dates: list[datetime] = field(default_factory=list)


# A story in no cluster is in both views; a copy only in VIEW_COPIES; a cluster's
# collapsed document (every copy's text, entities, sources and dates) only in
# VIEW_COLLAPSED. A search sees one view, so its counts count a cluster once or every
# copy, exactly either way.
VIEW_COPIES = 1
VIEW_COLLAPSED = 2


@dataclass(frozen=True)
class Filters:
    """Every filter must hold. Entity ids are AND-ed within and across kinds."""

    entities: dict[str, tuple[int, ...]] = field(default_factory=dict)
    source: int | None = None
    section: str = ""
    date_from: date | None = None
    date_to: date | None = None
    year: int | None = None
    has_date: bool | None = None
    every_copy: bool = False  # every copy of a story, rather than each cluster once


@dataclass(frozen=True)
class SearchRequest:
    query: ParsedQuery | None = None  # None: every story the filters let through
    filters: Filters = field(default_factory=Filters)
    sort: str = "relevance"  # relevance falls back to newest without a query
    offset: int = 0
    limit: int = 20
    facets: tuple[str, ...] = ()  # which of FACETS to count over every match
    facet_limit: int = 11
    # Also count every match by month (SearchResponse.months), in the same pass as the
    # facets: a search page's chart then costs no second search.
    months: bool = False


@dataclass
class SearchResponse:
    ids: list[int]  # the window asked for, in order
    total: int  # every match, exactly
    # kind -> [(value, count)]: entity or source ids, or years. Exact counts over every
    # match; years are all listed, newest first, the others the top facet_limit, most
    # first and ties by the smaller id.
    facets: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    months: MonthCounts | None = None  # when the request asked for them


@dataclass
class MonthCounts:
    """How many of a search's matches fall in each month: {year * 100 + month: count},
    exactly, over every match; `undated` counts the matches with no known date."""

    months: dict[int, int] = field(default_factory=dict)
    undated: int = 0

    def by_year(self) -> dict[int, int]:
        years: dict[int, int] = {}
        for month, n in self.months.items():
            years[month // 100] = years.get(month // 100, 0) + n
        return years

    def in_year(self, year: int) -> dict[int, int]:
        """{month 1-12: count} within `year`, the months with none left out."""
        return {m % 100: n for m, n in self.months.items() if m // 100 == year}


@dataclass
class IndexState:
    """How far an index has applied the change log, kept inside the index itself so
    that the documents and the position are committed together."""

    position: int = 0  # every change with an id up to this one is applied...
    holes: dict[int, float] = field(default_factory=dict)  # ...except these, seen missing
    built: bool = False  # whether it was ever built from the database


class BaseSearchBackend(ABC):
    name = "base"

    @abstractmethod
    def search(self, request: SearchRequest) -> SearchResponse: ...

    @abstractmethod
    def snippets(self, query: ParsedQuery, texts: dict[int, str]) -> dict[int, SafeString]:
        """Highlighted fragments of `texts` (story id -> body), escaped, with <mark>."""

    @abstractmethod
    def related(self, document: IndexDocument, limit: int) -> list[int]:
        """Ids of the stories most like `document`, best first, never itself."""

    @abstractmethod
    def respell(self, words: list[str], limit: int = 3) -> dict[str, list[str]]:
        """For each of `words` (lower case) the archive does not hold, the words it holds
        that are spelled most like it, best first."""

    @abstractmethod
    def month_counts(self, request: SearchRequest) -> MonthCounts:
        """Exact story counts of the request's matches by month of publication (its
        window, sort and facets aside), and how many have no known date."""

    @abstractmethod
    def state(self) -> IndexState: ...

    @abstractmethod
    def apply(
        self, *, upserts: list[IndexDocument], deletes: Iterable[int], state: IndexState
    ) -> None:
        """Replace and remove documents and record `state`, in one commit (IndexBusy when
        another writer holds the index)."""

    @abstractmethod
    def rebuild(
        self,
        documents: Iterable[IndexDocument],
        *,
        state: IndexState,
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Replace the whole index with `documents`, in one commit; returns how many."""

    @abstractmethod
    def document_count(self) -> int: ...

    @abstractmethod
    def size_on_disk(self) -> int: ...

    def refresh(self) -> None:  # noqa: B027 - optional: an engine with live readers needs none
        """See what other processes committed since this one last looked."""
