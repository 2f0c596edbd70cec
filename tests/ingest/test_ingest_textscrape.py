import pytest

from articles.ingest import SkipStory, parse_bytes, textscrape

from ..conftest import FIXTURES, load_bench

PAGE = FIXTURES / "pages" / "scrape.txt"


def parse_page():
    return parse_bytes(PAGE.read_bytes(), path=str(PAGE))


def test_story_fields_from_a_whole_page():
    story = parse_page()
    assert story.format == "textscrape"
    assert story.title == "Council plans longer parental leave"
    assert story.byline == "Jane Doe"
    assert story.published_at is not None
    assert story.published_at.date().isoformat() == "2019-11-20"
    assert story.dateline == "LONDON"
    assert story.source == "Reuters"
    assert story.publisher == "The Example Herald"
    assert story.copyright == "© 2019 The Example Herald. All rights reserved."


def test_body_is_the_four_paragraphs_without_page_furniture():
    story = parse_page()
    assert len(story.paragraphs) == 4
    assert story.paragraphs[0].startswith("LONDON (Reuters) — Parental leave")
    assert story.paragraphs[-1].endswith('now runs to 30 weeks."')
    for chrome in ("Advertisement", "newsletter", "Related stories", "cookies", "Subscribe"):
        assert chrome not in story.body


def test_repeated_share_bars_are_boilerplate():
    lines = ["Headline of the story - Site"] + ["Share Tweet Email"] * 3
    lines += ["A sentence that is long enough to count as prose for the parser here."] * 2
    kinds = [line.kind for line in textscrape._lines("\n".join(lines))]
    assert kinds[1:4] == ["boilerplate"] * 3


def test_a_menu_only_page_is_skipped():
    with pytest.raises(SkipStory):
        textscrape.parse("Home\nNews\nSport\nWeather\nContact us\n")


@pytest.mark.corpus
def test_f1_on_scrapes_page_text(corpus):
    _precision, _recall, f1, count = load_bench().measure("scrapes-text")
    assert count == 102
    # Measured 0.934 (half A 0.942, half B 0.928 by `bench/extraction.py --cv`); the aim the
    # issue set is 0.92 on both halves.
    assert f1 >= 0.93


def test_a_breadcrumb_ending_in_the_title_is_not_the_headline():
    page = (
        "Chelsea sign a new striker - Example Sport\n"
        + "Home\nSport\nFootball\nTeams\nFixtures\nResults\nTables\nTransfers\nVideo\n"
        + "Home Sport News Football Chelsea sign a new striker\n"
        + "Chelsea sign a new striker\n"
        + "The club confirmed the deal on Tuesday after a medical in London, ending weeks of "
        "talks with the player's former side.\n" * 3
    )
    story = textscrape.parse(page)
    assert story.title == "Chelsea sign a new striker"
    assert story.publisher == "Example Sport"


@pytest.mark.parametrize(
    ("line", "who"),
    [
        ("By Jane Doe", "Jane Doe"),
        ("BY MARA QUINTERO and JOEL HASKETT", "MARA QUINTERO and JOEL HASKETT"),
        ("Written by Marta Olsen, MS, RD on October 3, 2019", "Marta Olsen"),
        ("By: Tariq Malik | Published 5 hours ago", "Tariq Malik"),
    ],
)
def test_byline_forms(line, who):
    match = textscrape._BYLINE.match(line)
    assert match and match.group("who") == who


def test_a_table_of_results_is_the_story_not_a_menu():
    menu = "\n".join(["Home", "Racing", "Results", "Drivers", "Teams", "Calendar"] * 3)
    rows = "\n".join(f"{n} Driver{chr(64 + n)} Example {900 - n * 7} {n % 4} {n % 3} {20 - n}"
                     for n in range(1, 16))  # fmt: skip
    page = (
        "Example Series standings | Example Racing\n" + menu + "\n"
        "Example Series standings\n"
        "This page always holds the latest standings of the Example Series.\n"
        "Final standings after the last of twelve rounds:\n"
        "Pos. Driver Points Wins Poles Top 10\n"
        + rows
        + "\n"
        + "\n".join(["Contact", "About", "Advertise", "Archive"] * 3)
        + "\n"
    )
    story = textscrape.parse(page)
    assert "1 DriverA Example 893 1 1 19" in story.paragraphs
    assert "15 DriverO Example 795 3 0 5" in story.paragraphs
    assert "Calendar" not in story.paragraphs and "Advertise" not in story.paragraphs
