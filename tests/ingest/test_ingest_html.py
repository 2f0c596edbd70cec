import socket
from datetime import UTC, datetime

import pytest

from articles.ingest import SkipStory, html, parse_bytes, parse_text
from articles.ingest.html import (
    _after_headline,
    _beside,
    _continued,
    _own_article,
    _past_header,
    _prune,
    _tree,
    page_metadata,
)

from ..conftest import FIXTURES, load_bench

PAGE = FIXTURES / "pages" / "story.html"


def test_metadata_from_json_ld_open_graph_and_canonical_link():
    story = parse_bytes(PAGE.read_bytes(), path=str(PAGE))
    assert story.format == "html"
    assert story.title == "China shuts unlicensed net cafes"
    assert story.byline == "Li Wei"
    assert story.published_at is not None
    assert story.published_at.astimezone(UTC) == datetime(2005, 1, 5, 3, 2, tzinfo=UTC)
    assert story.updated_at == datetime(2005, 1, 6, 9, 30, tzinfo=UTC)
    assert story.url == "https://news.example.com/tech/china-net-cafes"
    assert story.section == "Technology"
    assert story.publisher == "Example News"
    assert story.language == "en"
    assert story.dateline == "BEIJING"
    assert story.source == "The Associated Press"
    assert story.copyright == "Copyright 2005 Example News. All rights reserved."


def test_body_keeps_the_story_paragraphs_only():
    story = parse_bytes(PAGE.read_bytes())
    assert len(story.paragraphs) == 4
    assert story.paragraphs[0].startswith("BEIJING (AP) — Chinese authorities")
    for chrome in ("Home", "Related", "Ad sales lift", "Copyright"):
        assert chrome not in story.body


def test_parsing_a_page_again_gives_the_same_body():
    # trafilatura's deduplication cache outlives a call unless it is given one per page: the
    # third parse of the same page used to drop its long paragraphs, then the whole story.
    first = parse_bytes(PAGE.read_bytes()).body
    for _ in range(3):
        assert parse_bytes(PAGE.read_bytes()).body == first


def test_gallery_chrome_that_only_recall_mode_keeps_is_dropped():
    page = FIXTURES / "pages" / "gallery.html"
    story = parse_bytes(page.read_bytes())
    assert len(story.paragraphs) == 4
    assert story.paragraphs[0].startswith("SPRINGFIELD — The city council voted")
    for chrome in ("Photo: Staff", "Image 1 of 3", "Back to gallery"):
        assert chrome not in story.body


PROSE = [
    f"Paragraph {n} of the story runs on for well over twenty words, so that it reads as a "
    "sentence of prose and not as a caption, a byline or a link."
    for n in range(1, 5)
]


def test_the_precise_pass_may_drop_short_lines():
    lines = ["Photo: Staff", *PROSE, "Share this story"]
    assert _prune(lines, keep=set(PROSE)) == PROSE


def test_the_precise_pass_may_not_drop_the_story_prose():
    lines = ["Photo: Staff", *PROSE]
    assert _prune(lines, keep={PROSE[0]}) == lines
    assert _prune(lines, keep=set()) == lines


def test_prose_the_precise_pass_drops_inside_the_story_stays_but_not_around_it():
    story = [line.replace("Paragraph", f"Part {n}, paragraph") for n in (1, 2, 3) for line in PROSE]
    inside = (
        "A paragraph dense with links to the council's papers, which the precise pass drops, "
        "still reads as a sentence of the story."
    )
    teaser = (
        "A teaser after the story, for another story entirely, also reads as a sentence of "
        "twenty words or more."
    )
    lines = ["Photo: Staff", *story[:4], inside, *story[4:], teaser]
    assert _prune(lines, keep=set(story)) == [*story[:4], inside, *story[4:]]


BESIDE = FIXTURES / "pages" / "beside.html"


def _beside_lines() -> tuple[list[str], list[str]]:
    """The invented page's blocks in page order, as a recall-minded pass gives them, and the
    story's own ones among them."""
    tree = _tree(BESIDE.read_text())
    lines = [" ".join(e.text_content().split()) for e in tree.iter("p", "h2", "figcaption")]
    furniture = ("Photo: Staff", "Get our app", "Copyright")
    return lines, [line for line in lines if not any(f in line for f in furniture)]


def test_cuts_between_kept_lines_in_the_story_template_are_put_back():
    recall, story = _beside_lines()
    assert "Nobody waited long." in story and "A new timetable" in story
    # The precise pass kept only the long paragraphs; the short one and the subheading sit in
    # the story's own blocks, the caption in a figure and the promotion is a link.
    long_ones = [line for line in recall if len(line.split()) >= 20]
    assert _beside(_tree(BESIDE.read_text()), recall, long_ones) == story


def test_cuts_before_the_first_or_after_the_last_kept_line_stay_cut():
    recall, story = _beside_lines()
    middle = story[2:-1]
    assert _beside(_tree(BESIDE.read_text()), recall, middle) == middle
    assert _beside(None, recall, middle) == middle
    assert _beside(_tree(BESIDE.read_text()), recall, []) == []


def test_a_story_with_a_wrapper_per_paragraph_gets_its_short_paragraphs_back():
    long = " ".join(["A sentence of the story that runs on for long enough to read as prose."] * 2)
    page = (
        '<html><body><div class="story">'
        f'<div class="card"><p>{long}</p></div>'
        '<div class="card"><p>Nobody waited long.</p></div>'
        f'<div class="card"><p>{long.replace("A sentence", "Another sentence")}</p></div>'
        '<div class="promo"><p>Our newsletter, every morning.</p></div>'
        f'<div class="card"><p>{long.replace("A sentence", "A last sentence")}</p></div>'
        "</div></body></html>"
    )
    tree = _tree(page)
    lines = [" ".join(p.text_content().split()) for p in tree.iter("p")]
    pruned = [line for line in lines if len(line.split()) >= 20]
    assert _beside(tree, lines, pruned) == [line for line in lines if "newsletter" not in line]


HEADLINE = "Harbour ferry returns after a winter ashore"


def test_a_teaser_above_the_headline_is_not_the_story():
    teaser = "An earlier story about the boatyard, whose excerpt the page shows in a side column."
    lines = [teaser, f"{HEADLINE}!", *PROSE]
    assert _after_headline(lines, headings=("Other", HEADLINE)) == lines[1:]


def test_a_headline_repeated_near_the_end_does_not_cut_the_story():
    lines = [*PROSE[:3], HEADLINE, PROSE[3]]
    assert _after_headline(lines, headings=(HEADLINE,)) == lines
    assert _after_headline(PROSE, headings=(HEADLINE,)) == PROSE
    assert _after_headline([HEADLINE, *PROSE], headings=("",)) == [HEADLINE, *PROSE]


SPLIT = FIXTURES / "pages" / "split.html"


def test_a_story_split_by_an_advertisement_goes_on_in_the_next_block_of_its_kind():
    story = parse_bytes(SPLIT.read_bytes()).paragraphs
    assert len(story) == 5
    # trafilatura takes both blocks here; on some pages it stops at the first one.
    assert _continued(_tree(SPLIT.read_text()), story[:3]) == story


def test_only_later_blocks_of_the_same_kind_with_prose_join_the_story():
    page = (
        "<html><body>"
        '<div class="body"><p>An earlier block of the same kind is not the story going on, '
        "however long and well formed its sentences happen to be in the end.</p></div>"
        '<div class="body"><p>Story.</p></div>'
        '<div class="body"><p>Share</p><p>Email</p></div>'
        '<div class="teaser"><p>A later block of another kind is left out, however long and '
        "well formed its sentences happen to be in the end.</p></div>"
        "</body></html>"
    )
    assert _continued(_tree(page), ["Story."]) == ["Story."]


def test_excerpts_in_other_articles_than_the_headlines_are_dropped():
    story = parse_bytes((FIXTURES / "pages" / "teasers.html").read_bytes())
    assert story.paragraphs[-1].startswith("The port board agreed on Tuesday")
    for teaser in ("lighthouse", "fish market", "regatta"):
        assert teaser not in story.body


STORY_LINE = "The pier reopens on Monday after a winter of repairs to its deck and railings."


def test_the_headlines_article_keeps_its_lines_inside_a_page_wide_article():
    page = (
        "<html><body><article class='page'>"
        f"<article><h1>Pier reopens</h1><p>{STORY_LINE}</p>"
        "<article class='card'><p>A card inside the story.</p></article></article>"
        "<p>Page text.</p>"
        "<article class='card'><p>A card beside it.</p></article>"
        "</article></body></html>"
    )
    lines = [STORY_LINE, "A card inside the story.", "Page text.", "A card beside it."]
    assert _own_article(_tree(page), lines, title="Pier reopens") == [STORY_LINE, "Page text."]


def test_lines_stand_without_a_headline_in_an_article_or_when_another_holds_more_of_them():
    lines = [STORY_LINE, "A card."]
    no_heading = f"<html><body><h1>Pier</h1><p>{STORY_LINE}</p><article><p>A card.</p></article>"
    assert _own_article(_tree(no_heading), lines, title="Pier") == lines
    # Some templates give the headline an article of its own, and the story another.
    own_article = (
        "<html><body><article><h1>Pier</h1><p>A card.</p></article>"
        f"<article><p>{STORY_LINE}</p></article>"
    )
    assert _own_article(_tree(own_article), lines, title="Pier") == lines


def test_the_headline_is_not_kept_as_a_paragraph_when_the_title_names_the_site():
    story = parse_bytes((FIXTURES / "pages" / "teasers.html").read_bytes())
    assert story.title == "Harbour ferry gets a second boat | Bayside Gazette"
    assert story.paragraphs[0].startswith("The harbour ferry will run a second boat")


def _story_page(*closing: str) -> str:
    paragraphs = [
        "Night buses will run again on the three busiest routes from Friday, the transit "
        "board said, a year after the service was cut to save money.",
        "Riders who work late shifts had asked for the buses back at every board meeting "
        "since the cut, and the board found the money in this year's budget.",
        *closing,
    ]
    return (
        "<html><head><title>Night buses return</title></head><body><article>"
        "<h1>Night buses return</h1>" + "".join(f"<p>{p}</p>" for p in paragraphs) + "</article>"
        "</body></html>"
    )


def test_calls_to_subscribe_or_listen_that_close_the_page_are_dropped():
    page = _story_page(
        "Listen: https://podcasts.example.org/episode-12",
        "Get the day's news in your inbox: sign up for our morning newsletter.",
        "Copyright 2024 The Valley Ledger. All rights reserved.",
        "Comments",
    )
    story = parse_text(page, format="html")
    assert story.paragraphs[-1].startswith("Riders who work late shifts")
    assert story.copyright == "Copyright 2024 The Valley Ledger. All rights reserved."


def test_a_list_of_links_that_closes_the_page_is_dropped():
    others = [
        "Tram line extension opens a month early after the contractor finished ahead of time",
        "Cycle lanes planned for the high street: what the five options mean for traders",
    ]
    links = "".join(f"<li><a href='/{n}'>{text}</a></li>" for n, text in enumerate(others))
    page = _story_page().replace(
        "</article>",
        f"<p>More from the Ledger:&#160;</p> <ul> {links} </ul> <p>&#160;</p>"
        "<div class='follow'><p><a href='/social'><span>+ Follow</span> the Ledger</a></p></div>"
        "</article>",
    )
    body = parse_text(page, format="html").body
    assert "Riders who work late shifts" in body
    for text in others:
        assert text not in body


def test_a_story_line_about_a_newsletter_stays_when_the_story_goes_on():
    line = "The board will send a newsletter to every rider's inbox before the buses run."
    page = _story_page(
        line, "Drivers for the new routes are being hired this week, the board said."
    )
    assert line in parse_text(page, format="html").paragraphs


def test_a_label_and_a_link_between_the_paragraphs_is_not_part_of_the_story():
    pointer = "See also: <a href='/trams'>Tram line extension opens a month early</a>"
    bullet = "<ul><li>Pictures: <a href='/p'>The night bus depot through the years</a></li></ul>"
    page = _story_page().replace("</h1><p>", f"</h1><p>{pointer}</p>{bullet}<p>", 1)
    body = parse_text(page, format="html").body
    assert "Tram line extension" not in body and "depot through the years" not in body
    assert body.startswith("Night buses will run again")


def test_a_line_with_a_label_and_more_than_a_link_stays():
    kept = [
        "Update: the board <a href='/vote'>voted</a> on Tuesday to add a fourth route.",
        "Note: <a href='/map'>route maps</a> are posted at each stop and on the board's site.",
    ]
    page = _story_page(*kept)
    paragraphs = parse_text(page, format="html").paragraphs
    assert paragraphs[-2:] == [
        "Update: the board voted on Tuesday to add a fourth route.",
        "Note: route maps are posted at each stop and on the board's site.",
    ]


def test_the_deck_in_the_stories_header_is_not_its_first_paragraph():
    deck = (
        "The county will pay for the three new routes from what it saves on fuel, on repairs "
        "and on the old depot it is selling."
    )
    page = _story_page().replace(
        "<article><h1>Night buses return</h1>",
        f"<section><header><h1>Night buses return</h1><h2>{deck}</h2></header>",
    )
    page = page.replace("</article>", "</section>")
    # The pass is off (it changed nothing on one half of the sites, bench/extraction.py --cv),
    # but it stays measurable.
    assert "past_header" not in html.PASSES
    story = html.parse_with(page, passes=(*html.PASSES, "past_header"))
    assert story.paragraphs[0].startswith("Night buses will run again")
    assert deck not in story.body


def test_only_leading_lines_found_in_a_header_alone_are_dropped_and_never_all_of_them():
    page = "<html><body><header><h1>Pier</h1><p>Deck.</p></header><p>Story.</p></body></html>"
    assert _past_header(_tree(page), ["Pier", "Deck.", "Story.", "Deck."]) == ["Story.", "Deck."]
    assert _past_header(_tree(page), ["Deck."]) == ["Deck."]
    repeated = page.replace("<p>Story.</p>", "<p>Deck.</p><p>Story.</p>")
    assert _past_header(_tree(repeated), ["Deck.", "Story."]) == ["Deck.", "Story."]


def test_a_timestamp_above_the_story_is_not_its_first_line():
    stamp = "9:30 AM EST 11/3/2024 by Ana Ruiz"
    page = _story_page().replace("</h1>", f"</h1><p>{stamp}</p>")
    story = parse_text(page, format="html")
    assert story.paragraphs[0].startswith("Night buses will run again")
    assert stamp not in story.body
    lede = "The first bus left the depot at 11:45 on Friday night."
    story = parse_text(_story_page().replace("</h1>", f"</h1><p>{lede}</p>"), format="html")
    assert story.paragraphs[0] == lede


def test_a_leading_date_in_figures_with_labels_is_a_stamp_not_the_first_line():
    stamp = "03/11/2024 - Posted by: Ana Ruiz - Section: Transit - Tags: buses night service"
    story = parse_text(_story_page().replace("</h1>", f"</h1><p>{stamp}</p>"), format="html")
    assert story.paragraphs[0].startswith("Night buses will run again")
    assert "Posted by" not in story.body
    lede = "On 03/11/2024 the first bus left the depot, and riders cheered the driver."
    story = parse_text(_story_page().replace("</h1>", f"</h1><p>{lede}</p>"), format="html")
    assert story.paragraphs[0] == lede


def test_truncated_html_still_parses():
    text = PAGE.read_text()
    cut = text[: text.index("The closures follow a year")]
    story = parse_text(cut, format="html")
    assert story.paragraphs[0].startswith("BEIJING (AP)")


def test_html_without_a_story_is_skipped():
    with pytest.raises(SkipStory):
        parse_text("<html><body><nav><a href='/'>Home</a></nav></body></html>", format="html")


def test_broken_json_ld_is_ignored():
    meta = page_metadata(
        '<html><head><script type="application/ld+json">{not json</script>'
        '<meta property="og:title" content="A headline"></head><body></body></html>'
    )
    assert meta["headline"] == "A headline"


@pytest.mark.corpus
def test_f1_on_scrapes_html(corpus):
    *_, f1, count = load_bench().measure("scrapes-html")
    assert count == 102
    # Measured 0.977 with the passes that pay for themselves under cross-validation by site
    # (0.979 with every pass, fitted on these very pages; issue #21 aims at 0.975).
    assert f1 >= 0.975


@pytest.mark.corpus
def test_f1_on_newspaper4k(corpus):
    bench = load_bench()
    *_, f1, count = bench.measure("newspaper4k")
    assert count >= 150
    assert f1 >= 0.80  # measured 0.8095; about 20 expected texts are notes, not articles
    *_, f1_articles, _ = bench.measure("newspaper4k", skip_notes=True)
    assert f1_articles >= 0.92  # measured 0.9234


def test_metadata_keeps_non_ascii_text_and_undoes_double_escaping():
    meta = page_metadata(
        '<html><head><meta property="og:title" content="Three Ways to Stream…and Save">'
        '<meta name="author" content="Zoë O&amp;#8217;Brien"></head><body></body></html>'
    )
    assert meta["headline"] == "Three Ways to Stream…and Save"
    assert meta["author"] == "Zoë O’Brien"


@pytest.mark.corpus
def test_ours_beats_trafilatura_precision_on_both_halves_of_the_sites(corpus):
    """The passes on top of trafilatura pay for themselves on sites split by host: ours is
    at least trafilatura's precision mode on each half (bench/extraction.py --cv)."""
    bench = load_bench()
    split = bench.halves("scrapes-html")
    assert {len(split["A"]), len(split["B"])} == {45, 57}
    for half in "AB":
        rows = split[half]
        ours = bench._score(rows, lambda page: bench.predict(page, "html"))
        precise = bench._score(rows, lambda page: bench._trafilatura(page, favor_precision=True))
        assert ours >= precise, half


CONTINUED = FIXTURES / "pages" / "continued_elsewhere.html"
GOES_ON = "The board's chair said the contractor would keep one berth open at all times"


def test_the_rest_of_a_story_after_an_advertisement_comes_back_when_two_extractors_agree():
    page = CONTINUED.read_text()
    # trafilatura and the other passes stop at the advertisement; jusText and newspaper4k
    # both go on into the second block, so its sentences join the story, in their place.
    assert GOES_ON not in html.parse_with(page, passes=tuple(set(html.PASSES) - {"agreed"})).body
    story = parse_bytes(CONTINUED.read_bytes())
    assert story.paragraphs[0].startswith("The harbour board voted on Tuesday")
    assert story.paragraphs[-2].startswith(GOES_ON)
    assert story.paragraphs[-1].startswith("A public meeting about the plans")
    assert story.title == "Harbour board votes to rebuild the pier"
    assert "Advertisement" not in story.body and "Copyright" not in story.body


def test_parsing_html_reads_nothing_from_the_network(monkeypatch):
    tried = []

    def refuse(*args, **kwargs):
        tried.append(args[:2])
        raise OSError("no network in this test")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    # The page links an image on another host, which newspaper4k would fetch to size it.
    assert GOES_ON in parse_bytes(CONTINUED.read_bytes()).body
    assert tried == []


LINES = [
    "The harbour board voted on Tuesday to rebuild the old stone pier after the storm.",
    "Engineers said the work would take eighteen months and cost about four million pounds.",
]
MISSING = "Fishermen said they were relieved, although some worried about the spring months."


def _agree(monkeypatch, first: str, second: str, lines=LINES) -> list[str]:
    monkeypatch.setattr(html, "_justext_text", lambda text: first)
    monkeypatch.setattr(html, "_newspaper_text", lambda text: second)
    return html._agreed("<html></html>", list(lines))


def test_a_sentence_both_second_opinions_keep_is_placed_after_the_one_before_it(monkeypatch):
    both = f"{LINES[0]} {MISSING}\n{LINES[1]}"
    assert _agree(monkeypatch, both, both) == [LINES[0], MISSING, LINES[1]]
    # One before anything the story holds goes first.
    assert _agree(monkeypatch, f"{MISSING}\n{LINES[0]}", MISSING) == [MISSING, *LINES]


def test_a_sentence_only_one_second_opinion_keeps_is_not_added(monkeypatch):
    assert _agree(monkeypatch, f"{LINES[0]}\n{MISSING}", LINES[0]) == LINES
    assert _agree(monkeypatch, LINES[0], f"{LINES[0]}\n{MISSING}") == LINES
    assert _agree(monkeypatch, "", MISSING) == LINES


def test_short_sentences_copyright_lines_calls_to_subscribe_and_repeats_are_not_added(
    monkeypatch,
):
    extras = [
        "Share this story with friends.",
        "Copyright 2024 Harbour Times Limited. All rights reserved in every country of the world.",
        "Sign up for our newsletter to get the best of the Harbour Times every single morning.",
        # Already in the story, with other punctuation and case.
        "ENGINEERS said the work would take eighteen months, and cost about four million pounds!",
    ]
    text = "\n".join([LINES[0], *extras, LINES[1]])
    assert _agree(monkeypatch, text, text) == LINES


def test_newspaper4k_is_not_asked_when_jusText_has_nothing_to_add(monkeypatch):
    asked = []
    monkeypatch.setattr(html, "_justext_text", lambda text: "\n".join(LINES))
    monkeypatch.setattr(html, "_newspaper_text", lambda text: asked.append(text) or MISSING)
    assert html._agreed("<html></html>", LINES) == LINES
    assert asked == []


def test_the_agreed_pass_is_left_out_of_a_page_longer_than_any_story(monkeypatch):
    asked = []
    monkeypatch.setattr(html, "_justext_text", lambda text: asked.append(text) or MISSING)
    monkeypatch.setattr(html, "_newspaper_text", lambda text: asked.append(text) or MISSING)
    long = [f"{LINES[0]} {n}" for n in range(html._AGREED_MAX_CHARS // len(LINES[0]) + 1)]
    assert html._agreed("<html></html>", long) == long
    assert asked == []
