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


FIXTURES = SEED.parent.parent / "tests" / "fixtures" / "ksl"


def parse_fixture(name: str, *, crlf_bom: bool = False):
    data = (FIXTURES / name).read_bytes()
    if crlf_bom:
        data = b"\xef\xbb\xbf" + data.replace(b"\n", b"\r\n")
    return parse_bytes(data, path=name)


def test_staff_byline_with_posted_date_and_spanish_link():
    story = parse_fixture("posted_byline.txt")
    assert story.title == "Council plans longer parental leave"
    assert story.byline == "Jane Doe"
    assert story.source == "KSL.com"
    assert story.published_at is not None
    assert story.published_at.isoformat() == "2019-09-22T16:37:00-06:00"
    assert story.read_time == (2, 3)
    assert story.dateline == "SALT LAKE CITY"
    assert story.section == "Utah"
    assert story.topics == ["Politics", "Family", "Utah"]
    assert story.copyright.startswith("Copyright © 2019 KSL.com")
    assert "Leer en español" not in story.body
    assert len(story.paragraphs) == 3


def test_agency_byline_updated_without_disclaimer():
    story = parse_fixture("ap_updated.txt")
    assert story.source == "The Associated Press"
    assert story.byline == ""
    assert story.disclaimer == ""
    assert story.updated_at is not None and story.updated_at.year == 2005
    assert story.dateline == "BEIJING"
    assert story.section == "Tech"
    assert story.topics == ["Technology", "China", "Internet"]
    assert story.paragraphs[0].startswith("BEIJING (AP) — Chinese authorities")


def test_reuters_dateline_names_the_source():
    story = parse_fixture("wire_agency_dateline.txt")
    assert story.source == "Reuters"
    assert story.dateline == "CLEVELAND"
    assert story.section == "Business"
    assert story.topics == ["Business", "Oil"]
    assert story.paragraphs[-1].endswith("55 pct stake in Lakeside Mills.")


def test_crlf_and_bom_parse_the_same():
    plain = parse_fixture("posted_byline.txt")
    dressed = parse_fixture("posted_byline.txt", crlf_bom=True)
    assert detect((FIXTURES / "posted_byline.txt").read_text()) == "ksl"
    assert dressed.to_json() | {"path": ""} == plain.to_json() | {"path": ""}
    assert "\r" not in dressed.body
