import pytest

from articles.ingest import SkipStory, parse_bytes, parse_text

# Stories of our own in the shape of Reuters-21578 and BBC News files.
WIRE = (
    "LAKESIDE MILLS <LKM> TO FORM FINANCE UNIT\n"
    "\n"
    "CLEVELAND, Feb 26 - Lakeside Mills Co and Harbor Steel\n"
    "Inc said they would set up a joint unit to handle the short-term\n"
    "borrowing and cash investments of the two groups.\n"
    "    Harbor Steel is a unit of Northgate Holdings Co\n"
    "Plc <NGH>, which also holds a 55 pct stake in Lakeside Mills.\n"
    "    The unit will be called Lakeside/Harbor Treasury Services.\n"
    " Reuter\n"
)
BBC = (
    "Ad sales lift Brightline profit\n"
    "\n"
    "Quarterly profits at the media group Brightline rose 41% to $820m (£440m).\n"
    "\n"
    "The company, which now holds a large stake in a search firm, gained from advert sales.\n"
)


def test_wire_copy_is_rejoined_into_paragraphs():
    story = parse_text(WIRE)
    assert story.format == "plain"
    assert story.title == "LAKESIDE MILLS <LKM> TO FORM FINANCE UNIT"  # kept as printed
    assert story.paragraphs == [
        "CLEVELAND, Feb 26 - Lakeside Mills Co and Harbor Steel Inc said they would set up "
        "a joint unit to handle the short-term borrowing and cash investments of the two "
        "groups.",
        "Harbor Steel is a unit of Northgate Holdings Co Plc <NGH>, which also holds a "
        "55 pct stake in Lakeside Mills.",
        "The unit will be called Lakeside/Harbor Treasury Services.",
    ]


def test_reuter_sign_off_is_dropped_and_names_the_source():
    story = parse_text(WIRE)
    assert "Reuter" not in story.body
    assert story.source == "Reuters"
    assert story.dateline == "CLEVELAND"


def test_one_paragraph_a_line_text():
    story = parse_bytes(BBC.replace("\n", "\r\n").encode("utf-8"))
    assert story.title == "Ad sales lift Brightline profit"
    assert len(story.paragraphs) == 2
    assert story.source == ""


def test_title_less_item_is_skipped_with_a_reason():
    with pytest.raises(SkipStory, match="no title"):
        parse_text("\n\nFEDERAL RESERVE WEEKLY REPORT - FEB 26\n Net free reserves 644\n")


@pytest.mark.parametrize("text", ["A TITLE ALONE\n", "A TITLE ALONE\n\n Reuter\n"])
def test_title_only_item_is_skipped_with_a_reason(text):
    with pytest.raises(SkipStory, match="no story text"):
        parse_text(text, format="plain")


@pytest.mark.parametrize(
    "text",
    [
        # A capitals headline wrapped onto a second line, whose aside in brackets looks
        # like a dateline's agency credit: it named a source "JUNE 2.4 PCT GAIN".
        "NORTHLAND FACTORY ORDERS FALL 1.3 PCT IN MONTH TO\nJULY (JUNE 2.4 PCT GAIN) - AGENCY\n",
        "GLENVIEW TRUST RAISES QUARTERLY DIVIDEND TO\nSEVEN CTS\n",
        "Harbor Steel first quarter profit 12.1 mln dlrs\nvs 9.8 mln\n",
    ],
)
def test_a_wrapped_headline_with_no_story_is_skipped_not_stored(text):
    with pytest.raises(SkipStory, match="no story text"):
        parse_text(text)


def test_a_wrapped_capitals_headline_is_one_title_above_its_story():
    story = parse_text(
        "NORTHLAND FACTORY ORDERS FALL 1.3 PCT IN MONTH TO\nJULY - AGENCY\n\n"
        "OSLO, Aug 3 - Factory orders in Northland fell 1.3 pct in July,\n"
        "the statistics agency said.\n Reuter\n"
    )
    assert story.title == "NORTHLAND FACTORY ORDERS FALL 1.3 PCT IN MONTH TO JULY - AGENCY"
    assert story.dateline == "OSLO" and story.source == "Reuters"


@pytest.mark.corpus
def test_reuters_sample_parses_or_skips_cleanly(corpus):
    """Every tenth Reuters item: a story or a SkipStory, never a crash."""
    files = sorted((corpus / "reuters21578" / "articles").glob("*.txt"))[::10]
    parsed = skipped = 0
    for path in files:
        data = path.read_bytes()
        if not data.strip():
            continue
        try:
            story = parse_bytes(data, path=str(path), format="plain")
        except SkipStory:
            skipped += 1
            continue
        parsed += 1
        assert story.title and story.body
        assert not story.body.rstrip().endswith("Reuter")
    assert parsed > 0.8 * len(files)
    assert skipped > 0.05 * len(files)


@pytest.mark.corpus
def test_bbc_stories_parse_as_plain(corpus):
    files = sorted((corpus / "bbc").glob("*/*.txt"))[::25]
    for path in files:
        story = parse_bytes(path.read_bytes(), path=str(path))
        assert story.format == "plain"
        assert story.title and len(story.paragraphs) >= 2
