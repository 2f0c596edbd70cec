"""The metadata validators: boilerplate and fragments are dropped, never stored as fact."""

from datetime import UTC, datetime

import pytest

from articles.ingest import parse_bytes, validate
from articles.ingest.common import copyright_holder, split_dateline
from articles.ingest.types import ParsedStory


@pytest.mark.parametrize(
    "junk",
    [
        "Policy",
        "Copyright",
        "-",
        "-2019 SlashGear",
        "2019 SlashGear",
        "All rights reserved",
        "  ",
        "N/A",
        "https://example.org/x",
        "A sentence that goes on far too long to be the name of anyone",
        "(с) ООО «Пример», 2019",
        "JUNE 2.4 PCT GAIN",
        "Copyright 2014",
        "Copyright 2010 - 2015",
        "© 2019",
    ],
)
def test_a_boilerplate_or_fragment_source_is_dropped(junk):
    assert validate.valid_source(junk) == ""


@pytest.mark.parametrize(
    "name",
    [
        "BBC News",
        "The Associated Press",
        "KSL.com",
        "9to5Mac",
        "20 Minutes",
        "U.S. News & World Report",
        "Reuters",
    ],
)
def test_a_real_source_name_is_kept(name):
    assert validate.valid_source(name) == name


@pytest.mark.parametrize(
    ("printed", "name"),
    [
        ("Copyright 2015 Example Weekly Inc", "Example Weekly Inc"),
        ("Copyright by the Lakeside Herald", "the Lakeside Herald"),
        ("Copyright of Northgate Media Group Limited 2015", "Northgate Media Group Limited"),
        ("by The Example Monthly Group", "The Example Monthly Group"),
        ("Northgate Media 2019", "Northgate Media"),
        ("The Lakeside Blog 2011-2019", "The Lakeside Blog"),
        ("Lakeside Review 2019 - ISSN: 1234-5678", "Lakeside Review"),
        ("Examplepost -", "Examplepost"),
        ("WXYZ 123 Harbor Avenue Lakeside, NY 10001", "WXYZ"),
        ("The Daily Example · Version 3.01", "The Daily Example"),
        ("2015 © U.S. Example & World Report LP.", ""),
    ],
)
def test_a_source_printed_with_a_notice_year_or_address_keeps_only_the_name(printed, name):
    assert validate.valid_source(printed) == name


def test_a_copyright_notice_after_its_year_gives_the_whole_holder():
    line = "Copyright 2015 © U.S. Example & World Report LP."
    assert copyright_holder(line) == "U.S. Example & World Report LP"


def test_a_figure_in_a_datelines_brackets_is_not_an_agency():
    assert split_dateline("OSLO (1.3 PCT FALL) - Factory orders fell.")[1] == ""
    assert split_dateline("JULY (JUNE 2.4 PCT GAIN) - AGENCY")[:2] == ("", "")
    assert split_dateline("OSLO (Reuters) - Factory orders fell.")[:2] == ("OSLO", "Reuters")
    assert split_dateline("MAYFIELD, Ky. (AP) — Storms hit.")[:2] == ("MAYFIELD, Ky.", "AP")


def test_a_copyright_line_with_a_year_range_gives_the_holder_not_a_fragment():
    assert copyright_holder("Copyright 2011-2019 SlashGear. All rights reserved.") == "SlashGear"
    assert copyright_holder("© 2004 – 2020 Example Weekly") == "Example Weekly"


@pytest.mark.parametrize("junk", ["Copyright Policy", "Copyright", "© Privacy", "Policy"])
def test_a_copyright_line_naming_nobody_is_dropped(junk):
    assert validate.valid_copyright(junk) == ""
    assert copyright_holder(junk) == ""


@pytest.mark.parametrize(
    "line",
    [
        "Copyright © 2019 KSL.com. All rights reserved.",
        "© 2021",
        "Copyright © The Associated Press.",
    ],
)
def test_a_real_copyright_line_is_kept(line):
    assert validate.valid_copyright(line) == line


@pytest.mark.parametrize(
    "junk",
    [
        "Uncategorized",
        "Read more",
        "#",
        "x",
        "12",
        "This is a whole sentence someone typed into the tags box",
    ],
)
def test_a_boilerplate_topic_is_dropped(junk):
    assert validate.valid_topic(junk) == ""


def test_a_comma_joined_keyword_list_becomes_topics():
    topics = ["Electronic Arts,EA,Microsoft,MSFT,Xbox", "Washington, D.C.", "games, toys, dolls"]
    assert validate.valid_topics(topics) == [
        "Electronic Arts",
        "EA",
        "Microsoft",
        "MSFT",
        "Xbox",
        "Washington, D.C.",
        "games",
        "toys",
        "dolls",
    ]


def test_entities_left_in_plain_text_are_decoded():
    assert (
        validate.decode_entities("&#163;1.8m fine for R&amp;D at AT&T")
        == "£1.8m fine for R&D at AT&T"
    )
    text = (
        b"Broadcaster gets &#163;1.8m indecency fine\n\n"
        b"The regulator fined the broadcaster &#163;1.8m on Tuesday for a late-night show.\n"
    )
    story = parse_bytes(text, path="x.txt", format="plain")
    assert story.title == "Broadcaster gets £1.8m indecency fine"
    assert "£1.8m on Tuesday" in story.body


@pytest.mark.parametrize(
    "when",
    [
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(1699, 12, 31, tzinfo=UTC),
        datetime(2999, 1, 1, tzinfo=UTC),
    ],
)
def test_an_implausible_date_is_refused_with_a_warning(when):
    story = ParsedStory(path="x", title="T", body="B", published_at=when, updated_at=when)
    warnings = validate.clean(story)
    assert story.published_at is None and story.updated_at is None
    assert any("published_at" in w and "before 1700 or in the future" in w for w in warnings)
    assert story.warnings == warnings


def test_a_plausible_date_is_kept():
    when = datetime(1987, 2, 26, 15, 1, tzinfo=UTC)
    assert validate.plausible_date(when) == when
    assert validate.plausible_date(datetime(1700, 1, 1)) == datetime(1700, 1, 1)


def test_clean_drops_each_kind_and_says_why():
    story = ParsedStory(
        path="x",
        title="T",
        body="B",
        source="-2019 SlashGear",
        publisher="Policy",
        copyright="Copyright Policy",
        topics=["Uncategorized", "Space,NASA,Mars"],
        section="Read more",
    )
    warnings = validate.clean(story)
    assert (story.source, story.publisher, story.copyright, story.section) == ("", "", "", "")
    assert story.topics == ["Space", "NASA", "Mars"]
    assert len(warnings) == 5
    assert validate.clean(story) == []  # nothing left to drop


@pytest.mark.parametrize(
    "junk",
    ["Legal and Licensing Information", "Copyright & Reprints", "Terms, Privacy & Cookies",
     "Example_Gazette_Uk", "Gazette_"],
)  # fmt: skip
def test_a_source_of_notice_words_or_an_account_handle_is_dropped(junk):
    assert validate.valid_source(junk) == ""


@pytest.mark.parametrize(
    ("printed", "name"),
    [
        ("Harbour Press Limited in Scotland No", "Harbour Press Limited"),
        ("Harbour Ltd, company number: 0123 registered office 4 Quay Road", "Harbour Ltd"),
        ("Harbour Press Ltd registered in England and Wales", "Harbour Press Ltd"),
        ("Harbour Press Ltd, Registration No. 99", "Harbour Press Ltd"),
    ],
)  # fmt: skip
def test_a_source_printed_with_its_company_registration_keeps_only_the_name(printed, name):
    assert validate.valid_source(printed) == name


@pytest.mark.parametrize("name", ["Studio 54 in Manhattan", "The Number 23", "Information Week"])
def test_a_name_that_only_looks_like_a_notice_or_registration_is_kept(name):
    assert validate.valid_source(name) == name


@pytest.mark.parametrize("junk", ["Copyright 1998 -", "Copyright © 2003-", "© Copyright 2011,",
                                  "Copyright, Legal and Licensing Information"])  # fmt: skip
def test_a_copyright_line_cut_off_before_its_holder_is_dropped(junk):
    assert validate.valid_copyright(junk) == ""


def test_a_copyright_line_keeps_its_holder_and_loses_a_dangling_bracket():
    line = "© 2012 Harbour Press Ltd, company number: 0123 registered in Scotland"
    assert validate.valid_copyright(line) == line
    assert copyright_holder(line) == "Harbour Press Ltd"
    assert validate.valid_copyright("© 2012 Harbour Press. All rights reserved (") == (
        "© 2012 Harbour Press. All rights reserved"
    )


def test_a_publisher_that_is_the_headline_is_dropped_with_a_warning():
    story = ParsedStory(path="x.html", title="Tide  Rises Over Quay", body="Text.")
    story.publisher = "Tide Rises over Quay"
    story.source = "Harbour Press"
    dropped = validate.clean(story)
    assert (story.publisher, story.source) == ("", "Harbour Press")
    assert dropped == ["publisher 'Tide Rises over Quay' dropped: the story's headline, not a name"]
