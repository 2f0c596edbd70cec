"""A search's whole result set as CSV or JSON Lines, streamed row by row.

The search index gives every match's id in order, at once (a consistent answer
however long the download takes); the rows are read and written a chunk at a time,
so memory stays small however many stories match: there is no cap.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator

from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponseBadRequest, StreamingHttpResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from .filters import ArticleFilter
from .models import Article

CHUNK_SIZE = 2000
COLUMNS = [
    "id",
    "url",
    "title",
    "byline",
    "published_at",
    "source",
    "publisher",
    "section",
    "dateline",
    "word_count",
    "permalink",
    "source_path",
    "cluster",
    "raw_format",
    "batch_id",
    "created_at",
]
_VALUES = {
    "cluster": "cluster_id",
    "source": "source__name",
    "publisher": "publisher__name",
}
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def permalink_prefix(request: HttpRequest) -> str:
    """The absolute URL of a story up to its "<id>-<slug>/": reversing every row's
    URL took most of an export's time."""
    example = reverse("articles:story", kwargs={"pk": 1, "slug": "s"})
    if not example.endswith("/1-s/"):
        raise ImproperlyConfigured(f"Story URLs no longer end in <id>-<slug>/: {example}")
    return request.build_absolute_uri(example.removesuffix("1-s/"))


def export_rows(request: HttpRequest, filterset: ArticleFilter) -> Iterator[dict]:
    fields = [_VALUES.get(column, column) for column in COLUMNS if column != "permalink"]
    found = filterset.results(limit=0, every_copy=True)  # a row for every copy
    ids = found.stories.ids(0, found.total)
    prefix = permalink_prefix(request)
    for start in range(0, len(ids), CHUNK_SIZE):
        chunk = ids[start : start + CHUNK_SIZE]
        rows = {
            row["id"]: row
            for row in filterset.queryset.filter(pk__in=chunk).values(*fields, "slug")
        }
        for pk in chunk:
            row = rows.get(pk)
            if row is None:
                continue  # hidden or deleted since the search
            row["permalink"] = f"{prefix}{row['id']}-{row['slug']}/"
            yield {column: row[_VALUES.get(column, column)] for column in COLUMNS}


def batched(lines: Iterable[str], size: int = 200) -> Iterator[str]:
    """Lines joined in groups: one write per row costs more than the row."""
    group: list[str] = []
    for line in lines:
        group.append(line)
        if len(group) >= size:
            yield "".join(group)
            group = []
    if group:
        yield "".join(group)


def spreadsheet_safe(value) -> str:
    """The cell as text, quoted so a spreadsheet shows it rather than runs it."""
    if value is None:
        return ""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


class _Echo:
    """A file-like object whose write() hands back what csv.writer wrote."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[dict]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(COLUMNS)
    for row in rows:
        yield writer.writerow([spreadsheet_safe(row[column]) for column in COLUMNS])


def jsonl_lines(rows: Iterable[dict]) -> Iterator[str]:
    for row in rows:
        yield json.dumps(row, cls=DjangoJSONEncoder, ensure_ascii=False) + "\n"


FORMATS = {
    "csv": ("text/csv; charset=utf-8", csv_lines),
    "jsonl": ("application/x-ndjson; charset=utf-8", jsonl_lines),
}


@require_safe
def export(request: HttpRequest, fmt: str) -> StreamingHttpResponse | HttpResponseBadRequest:
    """/search/export.csv and .jsonl: what /search/ would find, every row of it."""
    filterset = ArticleFilter(request.GET, queryset=Article.objects.published(), request=request)
    if not filterset.is_valid():
        lines = [f"{field}: {' '.join(msgs)}" for field, msgs in filterset.errors.items()]
        return HttpResponseBadRequest(
            "Invalid search parameters.\n" + "\n".join(lines),
            content_type="text/plain; charset=utf-8",
        )
    content_type, render = FORMATS[fmt]
    response = StreamingHttpResponse(
        batched(render(export_rows(request, filterset))), content_type=content_type
    )
    response["Content-Disposition"] = f'attachment; filename="newsarchive-search.{fmt}"'
    return response
