import json

import pytest

from articles.ingest import IngestError, SkipStory, detect, iter_inputs, parse_bytes

STORY = {
    "headline": "China shuts unlicensed net cafes",
    "text": "BEIJING (AP) — Chinese authorities shut thousands of internet cafes.\n"
    "Officials said most of them had no licence.",
    "published": "2005-01-05T11:02:00Z",
    "tags": ["technology", "china"],
    "url": "https://news.example.com/a",
}


def test_a_json_object_is_a_story():
    data = json.dumps(STORY).encode()
    assert detect(data.decode()) == "json"
    story = parse_bytes(data)
    assert story.format == "json"
    assert story.title == "China shuts unlicensed net cafes"
    assert len(story.paragraphs) == 2
    assert story.dateline == "BEIJING"
    assert story.source == "The Associated Press"
    assert story.published_at is not None and story.published_at.year == 2005
    assert story.topics == ["technology", "china"]
    assert story.url == "https://news.example.com/a"


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ('{"title": "x", broken', IngestError),
        ('{"title": "No body"}', SkipStory),
        ('{"body": "No title here."}', SkipStory),
    ],
    ids=["invalid", "no-body", "no-title"],
)
def test_bad_json_stories_say_why(payload, error):
    with pytest.raises(error):
        parse_bytes(payload.encode(), format="json")


def test_json_lines_files_become_one_input_a_line(tmp_path):
    export = tmp_path / "export.jsonl"
    line = json.dumps(STORY)
    export.write_text(f"{line}\n\n{line}\n" + '{"body": "' + "x" * 3000 + '"}\n' + line + "\n")
    inputs = list(iter_inputs([str(export)], max_bytes=2000))
    assert [item.name.rsplit(":", 1)[1] for item in inputs] == ["1", "3", "4", "5"]
    assert "too large" in inputs[2].error
    assert parse_bytes(inputs[3].data).title == STORY["headline"]
    assert inputs[0].path is None
