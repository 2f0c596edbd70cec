from articles.ingest import detect, parse_bytes

from .conftest import SEED


def parse_seed():
    return parse_bytes(SEED.read_bytes(), path=str(SEED))


def test_seed_is_detected_as_ksl():
    assert detect(SEED.read_text()) == "ksl"


def test_seed_header_fields():
    story = parse_seed()
    assert story.title == "US criticizes Russia over civilian deaths in Syria"
    assert story.read_time == (4, 5)
    assert story.dateline == "WASHINGTON"
    assert story.source == "The Associated Press"
    assert story.publisher == "KSL.com"
    assert story.section == "U.S."
    assert story.byline == ""
    assert story.published_at is None
    assert story.disclaimer.startswith("This archived news story is available only for your")
    assert story.disclaimer.endswith("does not constitute a republication of the story.")
    assert story.copyright == (
        "Copyright © The Associated Press. All rights reserved. This material may not be "
        "published, broadcast, rewritten or redistributed."
    )


def test_seed_body_is_the_seventeen_story_paragraphs():
    story = parse_seed()
    paragraphs = story.body.split("\n\n")
    assert len(paragraphs) == 17
    assert paragraphs[0].startswith("WASHINGTON (AP) — The United States criticized")
    assert paragraphs[-1].endswith("that would be fought by all.")


def test_seed_body_has_no_page_chrome():
    body = parse_seed().body
    for chrome in (
        "Save Story",
        "Estimated read time",
        "This archived news story",
        "Copyright",
        "Most recent",
        "Related topics",
        "Subscribe to the Trending 5",
        "KSL Weather Forecast",
    ):
        assert chrome not in body
