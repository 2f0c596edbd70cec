import json
from datetime import UTC, datetime

import pytest

from articles.ingest import (
    IngestError,
    apply_metadata,
    load_manifest,
    parse_text,
    sidecar_for,
)
from articles.ingest.metadata import parse_date

STORY = "A headline\n\nA first paragraph of the story, long enough to read.\n"


def test_sidecar_named_after_the_whole_file_name(tmp_path):
    story = tmp_path / "story.txt"
    story.write_text(STORY)
    (tmp_path / "story.txt.json").write_text(
        json.dumps({"Title": "Better headline", "date": "2019-09-22", "tags": "a; b"})
    )
    meta = sidecar_for(story)
    assert meta["title"] == "Better headline"
    assert meta["published_at"] == datetime(2019, 9, 22, tzinfo=UTC)
    assert meta["topics"] == ["a", "b"]


def test_sidecar_named_after_the_stem(tmp_path):
    story = tmp_path / "story.txt"
    story.write_text(STORY)
    (tmp_path / "story.json").write_text(
        json.dumps({"url": "https://example.com/s", "places": ["usa", "uk"], "author": ["A", "B"]})
    )
    meta = sidecar_for(story)
    assert meta == {"url": "https://example.com/s", "places": ["usa", "uk"], "byline": "A, B"}


def test_no_sidecar_is_an_empty_dict(tmp_path):
    assert sidecar_for(tmp_path / "story.txt") == {}


@pytest.mark.parametrize("content", ["{not json", "[1, 2]"])
def test_bad_sidecar_is_an_ingest_error(tmp_path, content):
    (tmp_path / "story.txt.json").write_text(content)
    with pytest.raises(IngestError, match="sidecar"):
        sidecar_for(tmp_path / "story.txt")


def test_csv_manifest_by_file_name_stem_and_id(tmp_path):
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(
        "filename,published,link,tags,section\n"
        'a.txt,2020-01-02T03:04:05Z,https://x/a,"politics, Health",News\n'
        "00042.txt,02/01/2020,https://x/42,sport;tennis,\n"
    )
    rows = load_manifest(manifest)
    assert len(rows) == 2
    assert rows.lookup(tmp_path / "folder" / "a.txt")["topics"] == ["politics", "Health"]
    assert rows.lookup(tmp_path / "a.html") == {}  # a file name is matched exactly
    assert rows.lookup(tmp_path / "00042.txt")["published_at"] == datetime(2020, 1, 2, tzinfo=UTC)
    assert rows.lookup(tmp_path / "missing.txt") == {}


def test_columns_can_be_named_outright(tmp_path):
    manifest = tmp_path / "m.tsv"
    manifest.write_text("doc\twhen\tkeywords\nx.txt\t1999-12-31\tone,two\n")
    rows = load_manifest(
        manifest, columns={"file": "doc", "published_at": "when", "topics": "keywords"}
    )
    assert rows.lookup(tmp_path / "x.txt")["topics"] == ["one", "two"]
    assert rows.lookup(tmp_path / "x.txt")["published_at"].year == 1999


def test_a_row_broken_by_a_newline_is_joined(tmp_path):
    manifest = tmp_path / "m.tsv"
    manifest.write_text(
        "newid\tdate\ttopics\tplaces\ttitle\tchars\n"
        "7\t26-FEB-1987 15:01:01.79\tcocoa\tusa\tA LONG\nTITLE\t12\n"
        "8\t26-FEB-1987 15:02:20.00\t\tuk\tNEXT\t9\n"
    )
    rows = load_manifest(manifest)
    assert rows.lookup(tmp_path / "00007.txt")["title"] == "A LONG TITLE"
    assert rows.lookup(tmp_path / "00008.txt")["places"] == ["uk"]


def test_reuters_date_format():
    assert parse_date("26-FEB-1987 15:01:01.79") == datetime(
        1987, 2, 26, 15, 1, 1, 790000, tzinfo=UTC
    )


def test_metadata_beats_guesses_and_lists_are_deduplicated():
    story = parse_text(STORY)
    story.topics = ["Cocoa"]
    apply_metadata(
        story,
        {
            "title": "From the manifest",
            "published_at": "1987-02-26T15:01:01+00:00",
            "topics": ["cocoa", "coffee"],
            "places": "el-salvador, usa, usa",
            "source": "Reuters",
        },
    )
    assert story.title == "From the manifest"
    assert story.published_at == datetime(1987, 2, 26, 15, 1, 1, tzinfo=UTC)
    assert story.topics == ["Cocoa", "coffee"]
    assert story.places == ["el-salvador", "usa"]
    assert story.source == "Reuters"


def test_missing_manifest_is_an_ingest_error(tmp_path):
    with pytest.raises(IngestError, match="cannot read the manifest"):
        load_manifest(tmp_path / "nope.csv")


@pytest.mark.corpus
def test_reuters_manifest(corpus):
    rows = load_manifest(corpus / "reuters21578" / "metadata.tsv")
    assert len(rows) == 21578
    folder = corpus / "reuters21578"
    first = rows.lookup(folder / "articles" / "00001.txt")
    assert first["title"] == "BAHIA COCOA REVIEW"
    assert first["published_at"] == datetime(1987, 2, 26, 15, 1, 1, 790000, tzinfo=UTC)
    assert first["topics"] == ["cocoa"]
    assert first["places"] == ["el-salvador", "usa", "uruguay"]
    assert rows.lookup(folder / "articles" / "21578.txt")["places"] == ["usa"]
    # The issue's case: a BBC story is in another folder, so Reuters' row 1 is not its row.
    assert rows.lookup(corpus / "bbc" / "business" / "001.txt") == {}


def _manifest(folder, text, name="meta.csv"):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)
    return load_manifest(folder / name)


def test_a_bare_number_in_another_folder_matches_no_row(tmp_path):
    rows = _manifest(tmp_path / "reuters", "newid,title\n1,BAHIA COCOA REVIEW\n")
    assert rows.lookup(tmp_path / "reuters" / "articles" / "00001.txt")["title"] == (
        "BAHIA COCOA REVIEW"
    )
    assert rows.lookup(tmp_path / "bbc" / "business" / "001.txt") == {}
    assert rows.lookup(tmp_path / "001.txt") == {}


def test_a_row_matches_by_path_relative_to_the_manifest_folder(tmp_path):
    rows = _manifest(
        tmp_path, "file,title\nsport/001.txt,Sport one\nbusiness/001.txt,Business one\n"
    )
    assert rows.lookup(tmp_path / "sport" / "001.txt")["title"] == "Sport one"
    assert rows.lookup(tmp_path / "business" / "001.txt")["title"] == "Business one"


def test_an_ambiguous_match_is_reported_and_not_applied(tmp_path):
    rows = _manifest(tmp_path, "file,title\na/story.txt,One\nb/story.txt,Two\n")
    match = rows.match(tmp_path / "c" / "story.txt")  # listed twice, by name only
    assert match.row == {}
    assert "2 rows of the manifest match this file by file name" in match.problem
    assert rows.lookup(tmp_path / "a" / "story.txt")["title"] == "One"  # the path decides


def test_a_manifest_row_matches_an_archive_member_by_its_path(tmp_path):
    rows = _manifest(tmp_path, "file,title\ninner/a.txt,From the row\n")
    assert rows.lookup(tmp_path / "stories.zip", member="inner/a.txt")["title"] == "From the row"
    assert rows.lookup(tmp_path / "elsewhere" / "x.zip", member="zzz/a.txt")["title"] == (
        "From the row"
    )  # inside the folder, the exact file name is enough
    assert rows.lookup(tmp_path.parent / "x.zip", member="inner/a.txt") == {}
