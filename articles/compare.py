"""Queries compared over time (`/compare/?q=a&q=b`): each query's exact story counts
by period, and their share of every story in the archive in that period.

The counts come from the search index (search.month_counts), the same engine and the
same query language as the search page, so a bar there and a point here agree."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field

from . import search

MIN_QUERIES = 2
MAX_QUERIES = 5
# With the archive's dated stories in this many years or fewer, periods are months.
MONTHLY_UP_TO_YEARS = 2


class CompareError(ValueError):
    """The queries asked for cannot be compared (too many, or nothing searchable)."""


@dataclass
class Series:
    query: str
    counts: list[int]
    shares: list[float]  # percent of every story in the period
    total: int
    undated: int


@dataclass
class Comparison:
    by: str  # "year" or "month"
    periods: list[tuple[int, int]] = field(default_factory=list)  # (year, month or 0)
    labels: list[str] = field(default_factory=list)
    all_stories: list[int] = field(default_factory=list)
    series: list[Series] = field(default_factory=list)


def queries_from(values: list[str]) -> list[str]:
    """The queries given, stripped, blanks and repeats left out; CompareError when more
    than MAX_QUERIES remain or one of them has nothing searchable in it."""
    queries: list[str] = []
    for value in values:
        value = " ".join(value.split())
        if value and value not in queries:
            queries.append(value)
    if len(queries) > MAX_QUERIES:
        raise CompareError(f"Compare at most {MAX_QUERIES} searches at once.")
    for q in queries:
        if len(q) > search.MAX_QUERY_LENGTH:
            raise CompareError(f"A search is at most {search.MAX_QUERY_LENGTH} characters.")
        if not search.parse(q):
            raise CompareError(f"“{q}” has nothing to search for.")
    return queries


def compare(queries: list[str]) -> Comparison:
    """The series of 2 to 5 queries (queries_from has checked them) over the archive's
    periods, years or (for an archive of two years or less) months."""
    everything = search.month_counts(search.SearchRequest(limit=0))
    found = [
        search.month_counts(search.SearchRequest(query=search.parse(q), limit=0)) for q in queries
    ]
    years = sorted(everything.by_year())
    if not years:
        return Comparison(by="year")
    if years[-1] - years[0] + 1 <= MONTHLY_UP_TO_YEARS:
        by = "month"
        periods = [(y, m) for y in range(years[0], years[-1] + 1) for m in range(1, 13)]
        first = min(everything.months)
        last = max(everything.months)
        periods = [p for p in periods if first <= p[0] * 100 + p[1] <= last]

        def count(months, period):
            return months.months.get(period[0] * 100 + period[1], 0)

        labels = [f"{calendar.month_abbr[m]} {y}" for y, m in periods]
    else:
        by = "year"
        periods = [(y, 0) for y in range(years[0], years[-1] + 1)]
        by_year = {id(c): c.by_year() for c in [everything, *found]}

        def count(months, period):
            return by_year[id(months)].get(period[0], 0)

        labels = [str(y) for y, _ in periods]
    all_stories = [count(everything, p) for p in periods]
    series = []
    for q, months in zip(queries, found, strict=True):
        counts = [count(months, p) for p in periods]
        shares = [
            round(100 * n / a, 2) if a else 0.0 for n, a in zip(counts, all_stories, strict=True)
        ]
        total = sum(months.months.values()) + months.undated
        series.append(Series(q, counts, shares, total, months.undated))
    return Comparison(by, periods, labels, all_stories, series)
