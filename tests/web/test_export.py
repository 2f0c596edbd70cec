"""CSV and JSON Lines exports of a search: whole, streamed, safe in a spreadsheet."""

import csv
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles import exports
from articles.models import Article

from ..factories import index_now, make_story

pytestmark = pytest.mark.django_db


@pytest.fixture
def archive():
    blair = make_story(
        "Blair wins third term",
        "Tony Blair won a third term.",
        published="2005-05-06",
        entities=[("Tony Blair", "person")],
        topics=["Politics"],
    )
    Article.objects.filter(pk=blair.pk).update(
        byline="Nick Assinder", url="https://news.example/blair", dateline="LONDON"
    )
    make_story("Budget day", "Gordon Brown presents the budget.", published="2004-03-17")
    make_story("Cocoa review", "Showers in Bahia.", published="1987-05-06", source="Reuters")
    hidden = make_story("Hidden Blair story", "Tony Blair, in secret.", published="2006-01-01")
    Article.objects.filter(pk=hidden.pk).update(is_public=False)
    return Article.objects.get(pk=blair.pk)


def content(response) -> str:
    assert response.status_code == 200, response
    assert response.streaming
    return b"".join(response.streaming_content).decode()


def csv_rows(client, **params) -> list[dict]:
    response = client.get(reverse("articles:export-csv"), params)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="newsarchive-search.csv"'
    return list(csv.DictReader(io.StringIO(content(response))))


def jsonl_rows(client, **params) -> list[dict]:
    response = client.get(reverse("articles:export-jsonl"), params)
    assert response["Content-Type"].startswith("application/x-ndjson")
    return [json.loads(line) for line in content(response).splitlines()]


def test_csv_has_the_provenance_columns(client, archive):
    rows = csv_rows(client)
    assert list(rows[0]) == exports.COLUMNS
    assert [r["title"] for r in rows] == ["Blair wins third term", "Budget day", "Cocoa review"]
    blair = rows[0]
    assert blair["id"] == str(archive.pk)
    assert blair["url"] == "https://news.example/blair"
    assert blair["byline"] == "Nick Assinder"
    assert blair["published_at"].startswith("2005-05-06T00:00:00")
    assert blair["source"] == "BBC"
    assert blair["dateline"] == "LONDON"
    assert blair["word_count"] == "6"
    assert blair["permalink"] == "http://testserver" + archive.get_absolute_url()
    assert blair["source_path"] == "test/Blair wins third term.txt"
    assert blair["raw_format"] == "plain"
    assert blair["batch_id"] == ""
    assert blair["created_at"]


def test_jsonl_has_the_same_rows(client, archive):
    rows = jsonl_rows(client)
    assert [list(r) for r in rows] == [exports.COLUMNS] * 3
    assert rows[0]["id"] == archive.pk
    assert rows[0]["word_count"] == 6
    assert rows[0]["batch_id"] is None
    assert rows[0]["publisher"] is None
    assert [r["title"] for r in rows] == [r["title"] for r in csv_rows(client)]


@pytest.mark.parametrize(
    "params",
    [
        {"q": "Blair"},
        {"person": "tony-blair"},
        {"source": "reuters"},
        {"year": "2004"},
        {"sort": "oldest"},
        {"q": "secret"},
    ],
)
def test_export_follows_the_search(client, archive, params):
    page = client.get(reverse("articles:search"), params)
    expected = [story.title for story in page.context["stories"]]
    assert [r["title"] for r in csv_rows(client, **params)] == expected
    assert [r["title"] for r in jsonl_rows(client, **params)] == expected


def test_hidden_stories_are_never_exported(client, archive):
    for rows in (csv_rows(client), jsonl_rows(client), csv_rows(client, q="secret")):
        assert "Hidden Blair story" not in [r["title"] for r in rows]


def test_export_is_not_capped_at_a_page(client, archive):
    for n in range(25):
        make_story(f"Extra {n}", f"Extra story number {n}.")
    assert len(csv_rows(client)) == 28


@pytest.mark.parametrize(
    ("title", "cell"),
    [
        (
            '=HYPERLINK("http://evil.example","click")',
            '\'=HYPERLINK("http://evil.example","click")',
        ),
        ("+1 for the council", "'+1 for the council"),
        ("-2 degrees in Leeds", "'-2 degrees in Leeds"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\tTabbed", "'\tTabbed"),
        ("Plain = fine", "Plain = fine"),
    ],
)
def test_csv_cells_cannot_run_as_formulas(client, db, title, cell):
    story = make_story("A story", "Body of the story.")
    Article.objects.filter(pk=story.pk).update(
        title=title, byline=title, dateline="=cmd|' /C calc'!A0"
    )
    row = csv_rows(client)[0]
    assert row["title"] == cell
    assert row["byline"] == cell
    assert row["dateline"] == "'=cmd|' /C calc'!A0"
    # JSON Lines is data, not a spreadsheet: it keeps the text exactly.
    assert jsonl_rows(client)[0]["title"] == title


@pytest.mark.parametrize(
    "params",
    [{"person": "nobody"}, {"q": "x" * 10_000}, {"q": "a\x00b"}, {"year": "year"}],
)
def test_invalid_filters_are_400(client, archive, params):
    for name in ("articles:export-csv", "articles:export-jsonl"):
        response = client.get(reverse(name), params)
        assert response.status_code == 400
        assert not response.streaming


def test_export_is_read_only(client, archive):
    assert client.post(reverse("articles:export-csv")).status_code == 405


def test_rows_are_read_a_chunk_at_a_time_in_the_search_order(client, archive, monkeypatch):
    """One search gives every id in order; the rows follow a chunk (one query) at a time,
    so queries grow with the rows only by one per CHUNK_SIZE."""
    monkeypatch.setattr(exports, "CHUNK_SIZE", 2)

    def queries() -> tuple[int, int]:
        index_now()
        with CaptureQueriesContext(connection) as captured:
            rows = csv_rows(client)
        return len(captured), len(rows)

    few, rows = queries()
    for n in range(9):
        make_story(f"Extra {n}", f"Extra story number {n}.")
    more, more_rows = queries()
    assert more_rows == rows + 9
    assert more == few + (-(-more_rows // 2) - -(-rows // 2))
