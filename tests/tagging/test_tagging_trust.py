"""The tagging failures a reader saw (issue 15), each on an invented story.

The model's spans are given by hand (span()), so each test reproduces the model's own
mistake exactly and shows the clean-up, coreference and kind rules fixing it.
"""

from __future__ import annotations

from articles.tagging import TopicPattern, match_topics
from articles.tagging.aliases import merged_aliases
from articles.tagging.entities import entities_from_spans

from ..factories import parsed_story, span


def tagged(s, *spans, aliases=None):
    return {(e.name, e.kind): e for e in entities_from_spans(s, spans, merged_aliases(aliases))}


def names(found, kind):
    return {name for name, k in found if k == kind}


def test_parties_and_clubs_the_model_calls_people_are_organizations():
    # An invented party: the word "Dems" decides, not the alias table.
    s = parsed_story(
        "Poll news",
        "The Harbour Dems said the Harbour Dem plan works.",
        "Manchester United beat Rovers, and United stayed top.",
    )
    found = tagged(
        s,
        span(s, "Harbour Dems", "PERSON"),
        span(s, "Harbour Dem", "PERSON", nth=1),
        span(s, "Manchester United", "PERSON"),
        span(s, "United", "ORG", nth=1),
    )
    assert names(found, "person") == set()
    # One entity for the plural and the singular; the short form joins the full name.
    assert names(found, "organization") == {"Harbour Dems", "Manchester United"}
    assert found[("Manchester United", "organization")].count == 2


def test_awards_are_not_people():
    s = parsed_story("Awards night", "She won an Oscar and then a Tony Award for the play.")
    found = tagged(s, span(s, "Oscar", "PERSON"), span(s, "Tony Award", "PERSON"))
    assert found == {}


def test_headline_entities_are_the_bodys_never_title_case_guesses():
    s = parsed_story(
        "Blair Labour Rally Draws Crowds",
        "Tony Blair spoke to party members in Leeds on Friday.",
    )
    spans = [span(s, "Blair Labour", "PERSON"), span(s, "Tony Blair", "PERSON")]
    found = tagged(s, *spans, span(s, "Leeds", "GPE"))
    assert ("Blair Labour", "person") not in found
    blair = found[("Tony Blair", "person")]
    assert blair.in_headline and blair.count == 2


def test_run_on_spans_are_cut_back_to_the_name():
    s = parsed_story(
        "Wire",
        "A report by the Associated Press that was published on Monday.",
        "Envoy to Ukraine Kurt Volker resigned. Alexander Vindman testified.",
        "Questioning Vindman took hours, and questioning went on.",
    )
    found = tagged(
        s,
        span(s, "Associated Press that", "ORG"),
        span(s, "Ukraine Kurt Volker", "PERSON"),
        span(s, "Alexander Vindman", "PERSON"),
        span(s, "Questioning Vindman", "PERSON"),
    )
    assert ("Associated Press", "organization") in found
    assert {("Kurt Volker", "person"), ("Ukraine", "place")} <= set(found)
    assert found[("Alexander Vindman", "person")].count == 2  # the questioning resolved
    assert not any("Questioning" in name or "that" in name for name, _ in found)


def test_a_generational_suffix_keeps_its_full_stop():
    s = parsed_story("March", "Martin Luther King Jr. led the march. King spoke.")
    found = tagged(s, span(s, "Martin Luther King Jr.", "PERSON"), span(s, "King", "PERSON", 1))
    assert found[("Martin Luther King Jr.", "person")].count == 2
    s = parsed_story("March", "Martin Luther King Jr. led it.")
    found = tagged(s, span(s, "Martin Luther King", "PERSON"))  # the model left it out
    assert set(found) == {("Martin Luther King Jr.", "person")}


def test_titles_and_positions_are_not_part_of_a_name():
    s = parsed_story("Match", "Keeper Tony Bullock saved twice.")
    assert set(tagged(s, span(s, "Keeper Tony Bullock", "PERSON"))) == {("Tony Bullock", "person")}


def test_a_surname_resolves_to_the_full_name_in_the_story():
    s = parsed_story(
        "Court",
        "Agent Robert Carlineo testified on Tuesday.",
        "Carlineo said the files were kept. Senator Ann Kennedy asked; Kennedy left.",
    )
    found = tagged(
        s,
        span(s, "Robert Carlineo", "PERSON"),
        span(s, "Carlineo", "ORG", 1),
        span(s, "Ann Kennedy", "PERSON"),
        span(s, "Kennedy", "GPE", 1),
    )
    assert names(found, "person") == {"Robert Carlineo", "Ann Kennedy"}
    assert found[("Robert Carlineo", "person")].count == 2
    assert found[("Ann Kennedy", "person")].count == 2


def test_the_kind_comes_from_all_the_storys_evidence():
    s = parsed_story(
        "Gas deal",
        "Burisma paid the fee. Burisma denied it. Later Burisma agreed.",
        "Mr Davey said so. Davey left.",
    )
    found = tagged(
        s,
        span(s, "Burisma", "GPE"),
        span(s, "Burisma", "ORG", 1),
        span(s, "Burisma", "ORG", 2),
        span(s, "Davey", "ORG"),
        span(s, "Davey", "ORG", 1),
    )
    assert ("Burisma", "organization") in found and len(names(found, "place")) == 0
    assert ("Davey", "person") in found  # the honorific outvotes two ORG labels


def test_the_gazetteer_repairs_a_countrys_name_and_kind():
    s = parsed_story(
        "Trial", "He was jailed in the Kingdom of Cambodia.", "Cambodia deported him to Togo."
    )
    found = tagged(
        s,
        span(s, "Kingdom of Cambodia", "GPE"),
        span(s, "Cambodia", "GPE", 1),
        span(s, "Togo", "PERSON"),
    )
    assert found[("Cambodia", "place")].count == 2
    assert ("Togo", "place") in found


def test_an_unbacked_lone_word_is_no_person_and_one_with_evidence_is_trusted():
    s = parsed_story("Film", "Shrek returns. Mr Smith said the film was long.", "Jane Doe agreed.")
    found = tagged(
        s, span(s, "Shrek", "PERSON"), span(s, "Smith", "PERSON"), span(s, "Jane Doe", "PERSON")
    )
    assert "Shrek" not in {name for name, _ in found}
    assert found[("Smith", "person")].confidence >= 0.5
    assert found[("Jane Doe", "person")].confidence >= 0.5


ELECTIONS = TopicPattern("Elections", phrases=("general election",))


def test_a_passing_mention_is_no_topic():
    passing = parsed_story(
        "New phone launched",
        "The phone has a bigger screen.",
        "Sales rose. Shops expect a rush.",
        "One buyer said it beat the one he bought before the general election.",
    )
    assert match_topics(passing, [ELECTIONS]) == []


def test_a_topic_in_the_headline_lede_or_repeated_is_central():
    headline = parsed_story("General election called", "The vote is in May.")
    lede = parsed_story("Vote in May", "A general election is called.", "More later.")
    repeated = parsed_story(
        "Vote",
        "Parties prepare.",
        "The general election campaign. A general election costs money.",
        "After the general election, talks.",
    )
    for s in (headline, lede, repeated):
        assert match_topics(s, [ELECTIONS]) == ["Elections"]


def test_known_parties_are_organizations_even_where_the_model_misses_them():
    s = parsed_story(
        "Campaign chief named",
        "The Lib Dems have appointed Orla Quade to run their campaign.",
        "Labour said the Lib Dem plan would fail.",
    )
    found = tagged(s, span(s, "Orla Quade", "PERSON"), span(s, "Labour", "PERSON"))
    assert names(found, "person") == {"Orla Quade"}
    assert names(found, "organization") == {"Liberal Democrats", "Labour"}
    assert found[("Liberal Democrats", "organization")].count == 2  # "Lib Dems" and "Lib Dem"


def test_a_legal_suffix_or_a_ticker_makes_a_company():
    s = parsed_story(
        "NORVALE AB 1986 RESULTS",
        "Norvale said profits rose. Shares of Quintrex Infra (QTRX.NS) fell.",
    )
    found = tagged(s, span(s, "Norvale", "PERSON"), span(s, "Quintrex Infra", "PERSON"))
    assert names(found, "person") == set()
    assert names(found, "organization") == {"Norvale", "Quintrex Infra"}


def test_an_acronym_no_gazetteer_knows_is_no_place():
    s = parsed_story(
        "New chief",
        "She joins from KPX, the phone company, and lives in Elkton, MD.",
    )
    found = tagged(s, span(s, "KPX", "GPE"), span(s, "Elkton", "GPE"), span(s, "MD", "GPE"))
    assert names(found, "organization") == {"KPX"}
    assert {"Elkton", "Maryland"} <= names(found, "place")  # "Elkton, MD": the state


def test_an_acronym_or_a_hyphenated_head_joins_the_name_it_stands_for():
    s = parsed_story(
        "Vote news",
        "The Northern Reform Party won seats. NRP leaders were pleased.",
        "Valdor-Benz sold more cars, and Valdor said so.",
    )
    found = tagged(
        s,
        span(s, "Northern Reform Party", "ORG"),
        span(s, "NRP", "ORG"),
        span(s, "Valdor-Benz", "ORG"),
        span(s, "Valdor", "ORG", nth=1),
    )
    assert names(found, "organization") == {"Northern Reform Party", "Valdor-Benz"}
    assert found[("Valdor-Benz", "organization")].count == 2


def test_a_credit_rating_is_no_name_but_an_acronym_title_is():
    s = parsed_story(
        "Ratings",
        "The agency affirmed the BB-plus rating. She won the AAA 800m title.",
    )
    found = tagged(s, span(s, "BB", "GPE"), span(s, "AAA", "ORG"))
    assert names(found, "organization") == {"AAA"}
    assert names(found, "place") == set()


def test_a_role_after_a_country_is_no_organization():
    s = parsed_story("Court", "U.S. Magistrate Pell Ardwin set bail on Monday.")
    found = tagged(s, span(s, "U.S. Magistrate", "ORG"), span(s, "Pell Ardwin", "PERSON"))
    assert names(found, "organization") == set()
    assert names(found, "person") == {"Pell Ardwin"}


def test_a_full_name_settles_before_its_short_forms_look_for_it():
    s = parsed_story(
        "Offer made",
        "Ardent made an offer for <Halden Brightwell Plc>. Each Halden share is worth more.",
        "Halden Brightwell shares rose.",
    )
    found = tagged(
        s,
        span(s, "Halden Brightwell Plc", "PERSON"),
        span(s, "Halden", "PERSON", nth=1),
        span(s, "Halden Brightwell", "PERSON", nth=1),
    )
    assert names(found, "person") == set()
    assert names(found, "organization") == {"Halden Brightwell Plc"}
    assert found[("Halden Brightwell Plc", "organization")].count == 3


def test_the_words_around_a_name_decide_its_kind():
    s = parsed_story(
        "Busy week",
        "The song was praised by rapper Lil Quarry, and Nadia Ortez Lunar, 20, was charged.",
        "Shares in Volkner fell, and Harbury manager Tom Penn said his side had lost.",
    )
    found = tagged(
        s,
        span(s, "Lil Quarry", "ORG"),
        span(s, "Nadia Ortez", "ORG"),
        span(s, "Volkner", "PERSON"),
        span(s, "Harbury", "PERSON"),
        span(s, "Tom Penn", "PERSON"),
    )
    assert names(found, "person") == {"Lil Quarry", "Nadia Ortez Lunar", "Tom Penn"}
    assert names(found, "organization") == {"Volkner", "Harbury"}


def test_a_state_code_after_a_town_is_the_state():
    s = parsed_story("Show", "The finals are in Gladwell, NJ, in October.")
    found = tagged(s, span(s, "Gladwell", "GPE"), span(s, "NJ", "ORG"))
    assert names(found, "place") == {"Gladwell", "New Jersey"}
    assert names(found, "organization") == set()


def test_a_verb_opening_a_sentence_is_no_name():
    s = parsed_story("Events", "ATTEND a two-day clinic.", "Like us online.\n\nFollow us for news.")
    found = tagged(s, span(s, "ATTEND", "ORG"), span(s, "Follow", "ORG"))
    assert found == {}


def test_a_team_is_a_place_and_a_plural():
    s = parsed_story("Match", "The Green Bay Haulers lost at home.", "Fans in Green Bay wept.")
    found = tagged(s, span(s, "Green Bay Haulers", "GPE"), span(s, "Green Bay", "GPE", nth=1))
    assert names(found, "organization") == {"Green Bay Haulers"}
    assert names(found, "place") == {"Green Bay"}


def test_a_party_the_model_missed_is_found_by_its_member():
    s = parsed_story(
        "MP to stand down",
        "Veteran Labour MP Jo Tarrant will stand down.",
        "Her party, Labour, said it would miss her. Kestrel Party MP Ann Dale agreed.",
    )
    found = tagged(s, span(s, "Jo Tarrant", "PERSON"), span(s, "Ann Dale", "PERSON"))
    assert names(found, "organization") == {"Labour", "Kestrel Party"}
    assert names(found, "person") == {"Jo Tarrant", "Ann Dale"}


def test_a_piece_of_a_ministers_title_is_no_organization():
    s = parsed_story("Plant", "Details came from Greek Industry Undersecretary Yannis Dorr.")
    found = tagged(s, span(s, "Greek Industry", "ORG"), span(s, "Yannis Dorr", "PERSON"))
    assert names(found, "organization") == set()


def test_a_band_is_an_organization_and_a_title_is_no_person():
    s = parsed_story(
        "Awards night",
        "Scottish band Fenwick Argyle won, and the Tommy Marsh films took three prizes.",
        "Fenwick Argyle played twice. Tommy Marsh author Jo Lyle was there.",
    )
    found = tagged(
        s,
        span(s, "Fenwick Argyle", "PERSON"),
        span(s, "Tommy Marsh", "PERSON"),
        span(s, "Fenwick Argyle", "PERSON", nth=1),
        span(s, "Tommy Marsh", "PERSON", nth=1),
        span(s, "Jo Lyle", "PERSON"),
    )
    assert names(found, "organization") == {"Fenwick Argyle"}
    assert names(found, "person") == {"Jo Lyle"}


def test_places_a_story_names_by_colon_dateline_possessive_and_abbreviation():
    s = parsed_story(
        "",
        "NEW DELHI: The flight landed.",
        "He comes from Punjab's Kotwala, and Sen. Ann Dale, R-Ky., met him.",
    )
    found = tagged(
        s,
        span(s, "Punjab's Kotwala", "PERSON"),
        span(s, "Ann Dale", "PERSON"),
        span(s, "Ky", "GPE"),
    )
    assert names(found, "place") == {"New Delhi", "Punjab", "Kotwala", "Kentucky"}
    assert names(found, "person") == {"Ann Dale"}


def test_an_owner_with_an_organizations_word_is_kept():
    s = parsed_story("", "I went to the Harbour Care International's Summer Fair.")
    found = tagged(s, span(s, "the Harbour Care International's Summer Fair", "ORG"))
    assert "Harbour Care International" in names(found, "organization")


def test_a_name_in_a_list_takes_the_kind_its_neighbours_agree_on():
    s = parsed_story(
        "",
        "The nominees are Wilma Quist, Tobias Venn and Orla Brindle.",
        "Bids came from Quillshop, Nettlebox and Dunmore Foods.",
        "The side: Fenwick, Marsh, Ottery.",
        "It has offices in Paris, Lyon and Marseille, and plants in Brest, Rennes and Quorndale.",
    )
    found = tagged(
        s,
        span(s, "Wilma Quist", "PERSON"),
        span(s, "Tobias Venn", "PERSON"),
        span(s, "Orla Brindle", "ORG"),  # two people beside it outvote the label
        span(s, "Quillshop", "ORG"),
        span(s, "Nettlebox", "GPE"),
        span(s, "Dunmore Foods", "ORG"),
        span(s, "Fenwick", "ORG"),
        span(s, "Marsh", "ORG"),
        span(s, "Ottery", "PERSON"),
        span(s, "Paris", "GPE"),
        span(s, "Lyon", "GPE"),
        span(s, "Marseille", "ORG"),
        span(s, "Brest", "GPE"),
        span(s, "Rennes", "GPE"),
        span(s, "Quorndale", "ORG"),
    )
    assert {"Wilma Quist", "Tobias Venn", "Orla Brindle"} <= names(found, "person")
    assert {"Quillshop", "Nettlebox", "Dunmore Foods"} <= names(found, "organization")
    # A person's reading stays (the team sheet's surnames), and a list makes a place
    # only of a name the gazetteer knows.
    assert "Ottery" not in names(found, "organization")
    assert {"Paris", "Lyon", "Marseille"} <= names(found, "place")
    assert names(found, "organization") & {"Marseille", "Quorndale"} == {"Quorndale"}


def test_a_pair_keeps_the_models_kinds():
    # Two names only: neither outvotes the other.
    s = parsed_story("", "Sellers include Quillshop and Nettlebox Brindle.")
    found = tagged(s, span(s, "Quillshop", "ORG"), span(s, "Nettlebox Brindle", "PERSON"))
    assert names(found, "person") == {"Nettlebox Brindle"}
    assert names(found, "organization") == {"Quillshop"}


def test_a_business_named_by_its_trade_is_an_organization():
    s = parsed_story(
        "",
        "The film's distributor Quillmoor expects a hit, and rival carmaker Dunvale agreed.",
        "The film-maker Orla Brindle spoke.",
    )
    found = tagged(
        s,
        span(s, "Quillmoor", "PERSON"),
        span(s, "Dunvale", "GPE"),
        span(s, "Orla Brindle", "PERSON"),
    )
    assert names(found, "organization") == {"Quillmoor", "Dunvale"}
    assert names(found, "person") == {"Orla Brindle"}


def test_the_town_a_side_beat_or_lost_to_is_its_club():
    s = parsed_story(
        "",
        "Quorn Vale's 3-1 home win came after a win at Marseille.",
        "They lost to Brindle Heath, then drew at Fenwick Field, and beat Ottery.",
    )
    found = tagged(
        s,
        span(s, "Quorn Vale", "ORG"),
        span(s, "Marseille", "GPE"),
        span(s, "Brindle Heath", "GPE"),
        span(s, "Fenwick Field", "GPE"),  # the ground, not the side
        span(s, "Ottery", "GPE"),  # one word no gazetteer knows: maybe a player
    )
    assert {"Marseille", "Brindle Heath"} <= names(found, "organization")
    assert {"Fenwick Field", "Ottery"} <= names(found, "place")


def test_without_a_result_a_town_stays_a_place():
    s = parsed_story("", "The campaign against Marseille planners won over Brindle Heath.")
    found = tagged(s, span(s, "Marseille", "GPE"), span(s, "Brindle Heath", "GPE"))
    assert names(found, "place") == {"Marseille", "Brindle Heath"}


def test_a_list_closed_by_a_kind_of_place_names_places():
    s = parsed_story("", "Cases were found in Quorn, Dunmore, Ottery and Fenwick Vale counties.")
    found = tagged(
        s,
        span(s, "Quorn", "GPE"),
        span(s, "Dunmore", "PERSON"),
        span(s, "Ottery", "PERSON"),
        span(s, "Fenwick Vale", "ORG"),
    )
    assert names(found, "place") == {"Quorn", "Dunmore", "Ottery", "Fenwick Vale"}
    assert names(found, "person") == names(found, "organization") == set()


def test_a_size_before_a_name_makes_it_a_product():
    s = parsed_story(
        "",
        "Quillsoft will sell a 13-inch Brindlebook Air and a 64GB Nettlephone.",
        "The Brindlebook Air sold well, and the 6ft 4in Orla Dunmore joined Quillsoft.",
    )
    found = tagged(
        s,
        span(s, "Quillsoft", "ORG"),
        span(s, "Brindlebook Air", "ORG"),
        span(s, "Nettlephone", "ORG"),
        span(s, "Brindlebook Air", "ORG", nth=1),
        span(s, "Orla Dunmore", "PERSON"),
        span(s, "Quillsoft", "ORG", nth=1),
    )
    assert names(found, "organization") == {"Quillsoft"}
    assert names(found, "person") == {"Orla Dunmore"}  # a height is no size of a product


def test_a_newspaper_named_for_its_town_is_an_organization():
    s = parsed_story(
        "",
        "The Quorn Vale Tribune, citing witnesses, named him.",
        "A report in the Dunmore Herald agreed, and the Brindle Times Square shop shut.",
    )
    found = tagged(
        s,
        span(s, "Dunmore", "GPE"),  # the model read only the town
        span(s, "Brindle Times Square", "FAC"),  # a name running past the paper's word
    )
    assert {"Quorn Vale Tribune", "Dunmore Herald"} <= names(found, "organization")
    assert "Dunmore" not in names(found, "place")
    assert "Brindle Times" not in names(found, "organization")  # the model's longer name stays


def test_a_name_ending_in_a_places_word_is_a_place():
    s = parsed_story(
        "",
        "It happened at Quorn Vale State Park, by the Dunmore Tunnel.",
        "Brindle Park Authority and Fenwick and Canal, a bank, said so.",
    )
    found = tagged(
        s,
        span(s, "Quorn Vale State Park", "ORG"),
        span(s, "Dunmore Tunnel", "ORG"),
        span(s, "Brindle Park Authority", "ORG"),  # its own organization's word
        span(s, "Fenwick and Canal", "ORG"),  # a firm of two names
    )
    assert names(found, "place") == {"Quorn Vale State Park", "Dunmore Tunnel"}
    assert names(found, "organization") == {"Brindle Park Authority", "Fenwick and Canal"}


def test_an_acronym_the_model_calls_a_nationality_is_an_organization():
    s = parsed_story("", "He surrendered to the QVPD. A firm Quornish pledge followed.")
    found = tagged(s, span(s, "QVPD", "NORP"), span(s, "Quornish", "NORP"))
    assert names(found, "organization") == {"QVPD"}  # "a firm Quornish pledge" is no firm
    assert names(found, "group") == {"Quornish"}


def test_an_athletes_event_before_a_name_makes_a_person():
    s = parsed_story("", "Quorn Vale diver Orla Brindle won, ahead of hurdler Tobias Venn.")
    found = tagged(s, span(s, "Orla Brindle", "ORG"), span(s, "Tobias Venn", "GPE"))
    assert names(found, "person") == {"Orla Brindle", "Tobias Venn"}


def test_evidence_for_a_kind_that_lost_the_vote_backs_nothing():
    # "oil firm Quornex" argues organization once; the model's person labels outvote it,
    # and the lone word left as a person is as unbacked as it would be without the phrase.
    s = parsed_story(
        "",
        "The oil firm Quornex sued. Quornex said so. Quornex won. Quornex paid. Quornex left.",
    )
    found = tagged(
        s,
        span(s, "Quornex", "PERSON"),
        span(s, "Quornex", "PERSON", nth=1),
        span(s, "Quornex", "PERSON", nth=2),
        span(s, "Quornex", "PERSON", nth=3),
        span(s, "Quornex", "PERSON", nth=4),
    )
    assert names(found, "person") == set()
