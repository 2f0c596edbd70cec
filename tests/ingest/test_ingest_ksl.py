import pytest

from articles.ingest import detect, parse_bytes

from ..conftest import SEED


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


# Invented pages in the layouts KSL.com has used: the byline line directly under the
# headline or after "Save Story" and "Leer en español", no read time, "Updated" and
# "Posted" both, stamps on lines of their own, a photo credit in the header.
LAYOUTS = {
    "byline_under_headline.txt": {
        "title": "Storm floods low-lying roads across the county",
        "byline": "Marta Quill",
        "source": "The Associated Press",
        "published_at": "2017-01-15T22:47:00-07:00",
        "updated_at": "2017-01-15T22:47:00-07:00",
        "read_time": (2, 3),
        "dateline": "DALLAS",
        "section": "U.S.",
        "topics": ["Weather", "U.S."],
        "disclaimer": True,
        "paragraphs": 3,
        "lede": "DALLAS (AP) — Heavy rain",
    },
    "after_save_story.txt": {
        "title": "Library extends weekend hours for exam season",
        "byline": "Priya Lund",
        "source": "KSL.com",
        "published_at": "2021-11-03T08:15:00-06:00",
        "updated_at": None,
        "read_time": (1, 2),
        "dateline": "PROVO",
        "section": "Utah",
        "topics": ["Education", "Utah"],
        "disclaimer": False,
        "paragraphs": 2,
        "lede": "PROVO — The city library",
    },
    "no_read_time.txt": {
        "title": "Orchard growers count losses after late frost",
        "byline": "Tomas Ferre",
        "source": "KSL.com",
        "published_at": "2020-04-12T18:05:00-06:00",
        "updated_at": None,
        "read_time": None,
        "dateline": "SANTAQUIN",
        "section": "Business",
        "topics": ["Agriculture", "Weather"],
        "disclaimer": True,
        "paragraphs": 2,
        "lede": "SANTAQUIN — A hard frost",
    },
    "updated_and_posted.txt": {
        "title": "Transit agency adds late buses on three routes",
        "byline": "Ada Winslow",
        "source": "KSL.com",
        "published_at": "2018-03-08T21:12:00-07:00",
        "updated_at": "2018-03-09T07:40:00-07:00",
        "read_time": (2, 3),
        "dateline": "SALT LAKE CITY",
        "section": "Utah",
        "topics": ["Transportation", "Utah"],
        "disclaimer": False,
        "paragraphs": 3,
        "lede": "SALT LAKE CITY — Three bus routes",
    },
    "stamps_on_own_lines.txt": {
        "title": "Volunteers plant a thousand trees along the river",
        "byline": "Noor Halden and Eli Park",
        "source": "Deseret News",
        "published_at": "2019-06-01T11:00:00-06:00",
        "updated_at": "2019-06-02T17:30:00-06:00",
        "read_time": (3, 4),
        "dateline": "OGDEN",
        "section": "Outdoors",
        "topics": ["Environment", "Outdoors", "Ogden"],
        "disclaimer": False,
        "paragraphs": 3,
        "lede": "OGDEN — More than two hundred",
    },
    "photo_credit_no_disclaimer.txt": {
        "title": "Museum opens a hall of fossil tracks",
        "byline": "Lena Brook",
        "source": "KSL.com",
        "published_at": "2022-10-19T14:20:00-06:00",
        "updated_at": None,
        "read_time": (2, 2),
        "dateline": "VERNAL",
        "section": "Science",
        "topics": ["Science", "Museums"],
        "disclaimer": False,
        "paragraphs": 2,
        "lede": "VERNAL — Footprints left",
    },
    # Three more, invented after the parser was written: "Posted" before "Updated", a
    # "Listen to this article" line, "Less than a minute", the disclaimer below the story,
    # "Leer en español" before "Save Story", a photo line under a two-author byline.
    "posted_then_updated.txt": {
        "title": "Snowplow crews work through the night on canyon roads",
        "byline": "Rowan Vale",
        "source": "KSL.com",
        "published_at": "2023-02-02T18:05:00-07:00",
        "updated_at": "2023-02-03T09:00:00-07:00",
        "read_time": (1, 2),
        "dateline": "COTTONWOOD HEIGHTS",
        "section": "",
        "topics": ["Weather", "Utah"],
        "disclaimer": False,
        "paragraphs": 2,
        "lede": "COTTONWOOD HEIGHTS — Crews cleared",
    },
    "ap_listen.txt": {
        "title": "Rail strike talks resume as deadline nears",
        "byline": "Jon Marek",
        "source": "The Associated Press",
        "published_at": "2022-09-14T05:30:00-06:00",
        "updated_at": None,
        "read_time": (1, 1),
        "dateline": "WASHINGTON",
        "section": "",
        "topics": ["Business", "U.S."],
        "disclaimer": True,
        "paragraphs": 2,
        "lede": "WASHINGTON (AP) — Talks between",
    },
    "deseret_two_authors.txt": {
        "title": "School board approves later start times",
        "byline": "Kim Ode and Sam Reyes",
        "source": "Deseret News",
        "published_at": "2021-06-29T20:45:00-06:00",
        "updated_at": "2021-06-30T16:10:00-06:00",
        "read_time": (3, 4),
        "dateline": "SANDY",
        "section": "",
        "topics": ["Education", "Utah"],
        "disclaimer": False,
        "paragraphs": 3,
        "lede": "SANDY — High schools in the",
    },
}


def _fields(story) -> dict:
    def stamp(when):
        return when.isoformat() if when else None

    return {
        "title": story.title,
        "byline": story.byline,
        "source": story.source,
        "published_at": stamp(story.published_at),
        "updated_at": stamp(story.updated_at),
        "read_time": story.read_time,
        "dateline": story.dateline,
        "section": story.section,
        "topics": story.topics,
        "disclaimer": bool(story.disclaimer),
        "paragraphs": len(story.paragraphs),
        "lede": story.paragraphs[0][: len(LAYOUTS[story.path]["lede"])] if story.paragraphs else "",
    }


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_every_layout_is_read_field_by_field(name):
    data = (FIXTURES / "layouts" / name).read_bytes()
    assert detect(data.decode()) == "ksl"
    assert _fields(parse_bytes(data, path=name)) == LAYOUTS[name]


def test_the_headline_never_takes_in_the_next_header_line():
    text = (FIXTURES / "layouts" / "stamps_on_own_lines.txt").read_text()
    story = parse_bytes(text.encode(), path="x.txt")
    assert "\n" not in story.title and "By " not in story.title
    assert "Posted" not in story.body and "Photo:" not in story.body


def test_a_hard_wrapped_first_paragraph_starting_with_by_is_story_text():
    text = (
        "Council delays the vote\n\nSave Story\n\nEstimated read time: 1 minute\n\n"
        "By Tuesday the council had still not\nagreed on the budget, members said.\n\n"
        "A second meeting is planned.\n\nCopyright © 2020 KSL.com. All rights reserved.\n"
    )
    story = parse_bytes(text.encode(), path="x.txt")
    assert story.byline == ""
    assert story.paragraphs[0] == (
        "By Tuesday the council had still not agreed on the budget, members said."
    )
