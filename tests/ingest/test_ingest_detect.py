import pytest

from articles.ingest import PARSERS, IngestError, detect, parse_text

from ..conftest import FIXTURES, SEED

BBC_STYLE = (
    "Ad sales lift Brightline profit\n\n"
    "Quarterly profits at the media group Brightline rose 41% to $820m for the three "
    "months to December.\n\n"
    "The company, which now holds a large stake in a search firm, gained from advert sales.\n"
)
REUTERS_STYLE = (
    "LAKESIDE MILLS <LKM> TO FORM FINANCE UNIT\n\n"
    "CLEVELAND, Feb 26 - Lakeside Mills Co and Harbor Steel\n"
    "Inc said they would set up a joint unit to handle the short-term\n"
    "borrowing and cash investments of the two groups.\n"
    " Reuter\n"
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (SEED.read_text(), "ksl"),
        ((FIXTURES / "ksl" / "ap_updated.txt").read_text(), "ksl"),
        ((FIXTURES / "pages" / "story.html").read_text(), "html"),
        ("<p>One paragraph.</p><p>Two.</p><p>Three.</p>", "html"),
        ("<!-- saved page -->\n<html><body><p>x</p></body></html>", "html"),
        ("\ufeff<!doctype html><title>t</title>", "html"),
        (BBC_STYLE, "plain"),
        (REUTERS_STYLE, "plain"),
        ((FIXTURES / "pages" / "scrape.txt").read_text(), "textscrape"),
        ("Just a headline", "plain"),
    ],
    ids=[
        "ksl-seed",
        "ksl-fixture",
        "html-page",
        "html-fragment",
        "html-after-comment",
        "html-bom",
        "bbc",
        "reuters",
        "scrape",
        "title-only",
    ],
)
def test_detect(text, expected):
    assert detect(text) == expected


def test_a_saved_ksl_page_in_html_is_html():
    page = "<!DOCTYPE html><html><body><p>Save Story</p><p>Estimated read time: 2</p>"
    assert detect(page + "<p>KSL Weather Forecast</p></body></html>") == "html"


def test_every_detected_format_has_a_parser():
    assert {"ksl", "html", "plain", "textscrape", "json"} <= PARSERS.keys()


def test_format_override_wins_over_detection():
    story = parse_text(BBC_STYLE, format="textscrape")
    assert story.format == "textscrape"
    assert parse_text(BBC_STYLE).format == "plain"


def test_unknown_format_is_an_ingest_error():
    with pytest.raises(IngestError, match="unknown format 'pdf'"):
        parse_text(BBC_STYLE, format="pdf")


def test_prose_mentioning_tags_is_not_html():
    text = "Tags in prose\n\nThe page used a <p> tag once, which is not markup density at all.\n"
    assert detect(text) == "plain"


@pytest.mark.corpus
def test_detection_on_the_corpus(corpus):
    from collections import Counter

    from articles.ingest.read import decode

    def formats(paths):
        return Counter(detect(decode(p.read_bytes()).text) for p in paths if p.stat().st_size)

    scrapes = formats((corpus / "scrapes" / "page_text").glob("*.txt"))
    assert scrapes["textscrape"] >= 95  # of 102; measured 99, 3 taken for plain text
    reuters = formats(sorted((corpus / "reuters21578" / "articles").glob("*.txt"))[::5])
    assert reuters["plain"] >= 0.999 * sum(reuters.values())
    bbc = formats((corpus / "bbc").glob("*/*.txt"))
    assert bbc["plain"] >= 0.999 * sum(bbc.values())
