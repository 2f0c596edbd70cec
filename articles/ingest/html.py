"""Saved HTML pages: trafilatura finds the body; page metadata gives the rest."""

from __future__ import annotations

import json
import re
import warnings
from datetime import UTC, datetime
from html import unescape
from typing import Any

from lxml import html as lxml_html

from .common import (
    agency_name,
    copyright_holder,
    is_copyright_line,
    join_paragraphs,
    split_dateline,
)
from .types import IngestError, ParsedStory, SkipStory

# Measured with bench/extraction.py, F1 on scrapes/html and newspaper4k, comments left out:
#   favor_recall 0.956/0.796, + deduplicate 0.956/0.799 (chosen); neither 0.955/0.794;
#   favor_precision 0.955/0.804; include_tables=False 0.949/0.794. Raw trafilatura with
#   include_comments=False scored 0.954 on the scrapes against 0.950 with them.
# Deduplication is scoped to one page (see _extract): trafilatura's default cache lives for the
# whole process, so a page parsed twice lost its repeated lines, or all its text, the second time.
EXTRACT_OPTIONS = {
    "include_comments": False,
    "include_tables": True,
    "favor_recall": True,
}
# A second, precision-minded pass (its own algorithm only, no fallbacks) is a second opinion on
# which lines are boilerplate: recall mode keeps captions, decks, bylines and teasers around the
# story. Its cuts are taken only when the lines it drops hold little prose (see _prune).
PRECISE_OPTIONS = {
    "include_comments": False,
    "include_tables": True,
    "favor_precision": True,
    "fast": True,
}
# Prose: a line of this many words or more that ends as a sentence does.
_PROSE_WORDS = 20
_SENTENCE_END = re.compile(r"[.!?…\"'”’)]$")
# The precise pass's cuts stand when the dropped lines hold at most this share of the prose
# that both passes keep. Chosen on the even-numbered half of each corpus and confirmed on the
# odd half: scrapes/html 0.957 -> 0.961 and newspaper4k 0.911 -> 0.916 (notes left out).
_DROPPED_PROSE_SHARE = 0.2

_PARSER = lxml_html.HTMLParser(encoding="utf-8")
_NEWS_TYPES = {"newsarticle", "article", "reportagenewsarticle", "blogposting", "report"}
_HTML_START = re.compile(r"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head)\b", re.I | re.S)
_BY = re.compile(r"^by\s+", re.I)
# Page furniture that closes a story: a comments heading, a newsletter or subscription pitch,
# "Listen: <url>". Calls to follow the author on social media are left alone: some expected
# bodies keep them and some do not.
_CALL = re.compile(
    r"""^\W*(?:\d+\s+)?comments?\W*$
    |^(?:leave|post|add|show|view|read)\s+(?:a\s+|your\s+|all\s+)?(?:\d+\s+)?comments?\b
    |^tell\s+us\s+what\s+you\s+think
    |\b(?:subscribe|sign\s+up)\s+(?:to|for)\b.*\bnewsletters?\b
    |\b(?:in|to)\s+your\s+inbox\b
    |^if\s+you\s+(?:enjoyed|liked)\s+this\s+(?:article|story)
    |^(?:\w+\s*){1,3}:\s*https?://\S+$""",
    re.I | re.X,
)
# A time of day ("5:45 PM", "20:13", "9h30") or a date in figures ("03/11/2024", "03.11.24",
# "2024-03-11"), in a line of at most this many words.
_TIME_OR_DATE = re.compile(
    r"\b\d{1,2}[:h]\d{2}\b|\b\d{1,2}([/.-])\d{1,2}\1(?:\d{4}|\d{2})\b|\b\d{4}-\d{2}-\d{2}\b"
)
_STAMP_WORDS = 20
# A block is a link when its links hold this share of its characters.
_LINK_SHARE = 0.9
# A label before a link ("See also:") has at most this many words.
_LABEL_WORDS = 3
# The "agreed" pass adds a sentence of this many words or more (chosen in docs/extraction.md).
_AGREED_WORDS = 10
# A sentence ends with . ! ? or …, perhaps a closing quote or bracket, then a space and a
# capital or a figure, perhaps after an opening quote.
_SENTENCE_BREAK = re.compile(
    r"(?<=[.!?…][\"'”’)])\s+(?=[\"'“‘(]?[A-Z0-9])|(?<=[.!?…])\s+(?=[\"'“‘(]?[A-Z0-9])"
)
_PUNCTUATION = re.compile(r"[^\w\s]")
# The pass compares each of jusText's sentences with the whole story, so its cost grows with
# the product of the two: it is left out for a story longer than any news story (the
# longest of the research corpora's 24,000 stories is 53,000 characters, 8,000 words).
_AGREED_MAX_CHARS = 200_000
# Elements whose text trafilatura gives as one line.
_BLOCKS = ("p", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "td", "dd", "figcaption")


def looks_like(text: str) -> bool:
    """An HTML document, or a fragment dense with paragraph tags."""
    head = text[:5000]
    if _HTML_START.match(head):
        return True
    lowered = text[:50000].lower()
    return "<body" in lowered or lowered.count("<p>") + lowered.count("<p ") >= 3


# The passes that may run on top of trafilatura's lines, by name. Each one is kept only if it
# pays for itself under cross-validation by site (bench/extraction.py): chosen on one half of
# the sites, checked on the other, and the other way round.
ALL_PASSES = (
    "prune",  # a recall base's lines, cut to a precise pass's where little prose is lost
    "continued",  # later blocks of the story's own template, split off by an advertisement
    "own_article",  # lines in another <article> than the headline's (teasers)
    "past_header",  # leading lines inside a <header> (deck, byline, date)
    "closing",  # closing calls to comment or subscribe, and lists of links
    "heading",  # the headline repeated as the first line
    "timestamp",  # a leading "5:45 PM EST | By Jo Lee" or "03/11/2024 - Posted by" line
    "label_link",  # short lines that are a label, a colon and a link: "See also: <a>…</a>"
    "beside",  # prune's cuts between kept lines undone for blocks beside the kept ones
    "after_headline",  # lines above the headline's own line (another story's teaser)
    "agreed",  # sentences ours lacks that two extractors of other designs both keep
)
BASES = {
    "default": {"include_comments": False, "include_tables": True},
    "precision": {"include_comments": False, "include_tables": True, "favor_precision": True},
    "recall": EXTRACT_OPTIONS,
}
# Chosen by `bench/extraction.py --cv` (figures in docs/extraction.md): the recall base cut to
# the precise pass's lines ("prune") and passes that each helped the half of the sites they
# were not chosen on ("label_link": chosen on half A, +0.0013 there and +0.0008 on half B).
# "continued" and "past_header" changed nothing on one half or gained less than 0.001 where
# chosen, so they are off. "beside" (chosen on half A, +0.0012 there and +0.0007
# on half B) puts back prune's cuts that sit in the story's own template; "after_headline"
# (chosen on half A, +0.0025 there and +0.0006 on half B) drops what stands above the headline.
# "timestamp", once it also took a date in figures for a stamp, was chosen on half B (+0.0014
# there) and helped half A (+0.0001). "agreed" (chosen on half A, second of seven, and
# confirmed on half B) adds what jusText and newspaper4k both keep: 0.978 -> 0.980 on A,
# 0.965 -> 0.975 on B.
BASE = "recall"
PASSES: tuple[str, ...] = (
    "prune",
    "own_article",
    "heading",
    "closing",
    "label_link",
    "beside",
    "after_headline",
    "timestamp",
    "agreed",
)


def parse(text: str, *, path: str = "") -> ParsedStory:
    return parse_with(text, path=path, base=BASE, passes=PASSES)


def parse_with(
    text: str, *, path: str = "", base: str = BASE, passes: tuple[str, ...] = PASSES
) -> ParsedStory:
    """parse() with a chosen trafilatura base and set of passes, for measuring them."""
    on = set(passes)
    try:
        with warnings.catch_warnings():
            # htmldate's dateutil warns on zone names such as "EST"; the date is kept anyway.
            warnings.filterwarnings("ignore", message="tzname")
            extracted = _extract(text, with_metadata=True, **BASES[base])
            precise = (
                _extract(text, **PRECISE_OPTIONS)
                if extracted and "prune" in on and base != "precision"
                else None
            )
    except Exception as exc:  # lxml raises many kinds on broken markup
        raise IngestError(f"could not read the HTML: {exc}") from None
    if extracted is None:
        raise SkipStory("no story text found in the HTML")
    paragraphs = _lines(extracted)
    tree = _tree(text)
    if precise is not None:
        pruned = _prune(paragraphs, keep=set(_lines(precise)))
        if "beside" in on and pruned != paragraphs:
            pruned = _beside(tree, paragraphs, pruned)
        paragraphs = pruned
    if "continued" in on:
        paragraphs = _continued(tree, paragraphs)
    meta = _metadata(tree)
    title = meta.get("headline") or extracted.get("title") or ""
    if "own_article" in on:
        paragraphs = _own_article(tree, paragraphs, title=title)
    if "past_header" in on:
        paragraphs = _past_header(tree, paragraphs)

    if "label_link" in on:
        teasers = _label_links(tree)
        kept = [p for p in paragraphs if p.removeprefix("- ") not in teasers or _prose_words([p])]
        paragraphs = kept or paragraphs

    copyright_line = ""
    # A closing copyright notice belongs to the page, not to the story; so do the calls to
    # comment, subscribe or listen, and the lists of links to other pages, that close many.
    links = _link_lines(tree) if "closing" in on else set()
    while paragraphs:
        if is_copyright_line(paragraphs[-1]):
            copyright_line = paragraphs.pop()
        elif "closing" in on and _closing_furniture(paragraphs[-1], links=links):
            paragraphs.pop()
        else:
            break
    if "after_headline" in on:
        paragraphs = _after_headline(paragraphs, headings=(title, *_h1s(tree)))
    if (
        "heading" in on
        and paragraphs
        and any(_same(paragraphs[0], heading) for heading in (title, *_h1s(tree)))
    ):
        # trafilatura sometimes keeps the heading as the first line; the page title may carry
        # the site's name ("Headline | Site"), so the page's own h1 counts too.
        paragraphs.pop(0)
    while "timestamp" in on and len(paragraphs) > 1 and _is_timestamp(paragraphs[0]):
        paragraphs.pop(0)  # when the story was posted, and often by whom: not its first line
    if "agreed" in on:
        paragraphs = _agreed(text, paragraphs)
    if not paragraphs:
        raise SkipStory("no story text found in the HTML")
    if not title:
        raise SkipStory("the page has story text but no headline")

    story = ParsedStory(path=path, title=title.strip(), body=join_paragraphs(paragraphs))
    story.format = "html"
    story.byline = _BY.sub("", meta.get("author") or extracted.get("author") or "").strip()
    story.published_at = _when(meta.get("published") or extracted.get("date"))
    story.updated_at = _when(meta.get("modified"))
    story.url = meta.get("url") or extracted.get("url") or ""
    story.section = meta.get("section") or ""
    story.language = meta.get("language") or extracted.get("language") or ""
    story.publisher = meta.get("publisher") or extracted.get("sitename") or ""
    story.copyright = copyright_line or meta.get("copyright", "")
    tags = extracted.get("tags") or []
    for tag in tags.split(",") if isinstance(tags, str) else tags:
        if tag.strip() and tag.strip() not in story.topics:
            story.topics.append(tag.strip())

    dateline, agency, _ = split_dateline(paragraphs[0])
    story.dateline = dateline
    if agency:
        story.source = agency_name(agency)
    elif story.copyright and (holder := copyright_holder(story.copyright)):
        story.source = agency_name(holder)
    else:
        story.source = story.publisher
    return story


def _extract(text: str, **options: Any) -> dict | None:
    """trafilatura's extraction, with repeated segments counted within this page only."""
    # Imported here: it takes a second, and every web process imports this module
    # (through services) without ever reading an HTML page.
    import trafilatura
    from trafilatura.deduplication import LRU_SIZE, LRUCache

    document = trafilatura.bare_extraction(
        text, output_format="python", deduplicate=LRUCache(maxsize=LRU_SIZE), **options
    )
    if document is None:
        return None
    return document if isinstance(document, dict) else document.as_dict()


def _lines(extracted: dict) -> list[str]:
    return [line.strip() for line in (extracted.get("text") or "").splitlines() if line.strip()]


def _prune(lines: list[str], *, keep: set[str]) -> list[str]:
    """The lines the precise pass also keeps, if the others carry little of the story's prose.

    A paragraph of prose between two kept lines stays even so: the precise pass also drops
    story paragraphs dense with links, and a caption or teaser is seldom a long sentence
    inside the story."""
    kept = [i for i, line in enumerate(lines) if line in keep]
    dropped = [line for line in lines if line not in keep]
    prose = _prose_words([lines[i] for i in kept])
    if dropped and prose and _prose_words(dropped) <= _DROPPED_PROSE_SHARE * prose:
        first, last = kept[0], kept[-1]
        return [
            line
            for i, line in enumerate(lines)
            if line in keep or (first < i < last and _prose_words([line]))
        ]
    return lines


def _beside(tree: lxml_html.HtmlElement | None, lines: list[str], pruned: list[str]) -> list[str]:
    """The pruned lines, with those cut between two kept lines put back when their block sits
    in an element built like (same tag, same class) one that holds a kept line, and is more
    than a link.

    The precise pass drops a story's short paragraphs and subheadings along with captions and
    promotions. The story's own lines sit in the story's template, while captions, galleries
    and teasers sit in containers of their own, and promotions are links."""
    if tree is None:
        return pruned
    containers: dict[str, set[tuple[str, str | None]]] = {}
    for element in tree.iter(*_BLOCKS):
        parent = element.getparent()
        if parent is not None:
            text = " ".join(element.text_content().split())
            containers.setdefault(text, set()).add((parent.tag, parent.get("class")))
    kept = set(pruned)
    positions = [i for i, line in enumerate(lines) if line in kept]
    if not positions:
        return pruned
    story = set().union(*(containers.get(line.removeprefix("- "), set()) for line in kept))
    links = _link_lines(tree)

    def in_story(line: str) -> bool:
        text = line.removeprefix("- ")
        return text not in links and bool(containers.get(text, set()) & story)

    first, last = positions[0], positions[-1]
    return [
        line
        for i, line in enumerate(lines)
        if line in kept or (first < i < last and in_story(line))
    ]


def _continued(tree: lxml_html.HtmlElement | None, lines: list[str]) -> list[str]:
    """The lines, plus the paragraphs of later blocks built like the ones they came from.

    A story split by an advertisement or a newsletter box often goes on in a second block of
    the same template (same tag, same class), which trafilatura leaves out. A later block of
    that kind joins the story when it has a paragraph of prose not already in it."""
    if tree is None or not lines:
        return lines
    have = set(lines)
    blocks = {
        block
        for p in tree.iter("p")
        if (block := p.getparent()) is not None
        and block.get("class")
        and " ".join(p.text_content().split()) in have
    }
    if not blocks:
        return lines
    kinds = {(block.tag, block.get("class")) for block in blocks}
    unseen = set(blocks)
    added: list[str] = []
    for element in tree.iter(*{tag for tag, _ in kinds}):
        if element in unseen:
            unseen.discard(element)
            continue
        if unseen or (element.tag, element.get("class")) not in kinds:
            continue  # only blocks after the story's own ones
        texts = [" ".join(p.text_content().split()) for p in element.iterchildren("p")]
        new = [t for t in texts if t and t not in have]
        if any(_prose_words([t]) for t in new):
            added.extend(new)
            have.update(new)
    return lines + added


def _own_article(tree: lxml_html.HtmlElement | None, lines: list[str], *, title: str) -> list[str]:
    """The lines, less those that sit in another <article> than the headline's.

    An <article> is one self-contained story: teasers and "more stories" cards are often
    articles of their own beside (or inside) the story's, and recall mode takes their excerpts
    for paragraphs of the story. Nothing is dropped when another article holds more of the
    lines' words than the headline's: some templates give the headline an article of its own."""
    if tree is None or not lines:
        return lines
    headings = list(tree.iter("h1"))
    heading = next((h for h in headings if _same(h.text_content(), title)), None)
    if heading is None and len(headings) == 1:
        heading = headings[0]
    main = next(heading.iterancestors("article"), None) if heading is not None else None
    if main is None:
        return lines
    enclosing = set(main.iterancestors("article"))
    home: dict[str, lxml_html.HtmlElement] = {}  # a line's text -> the article it sits in
    for element in tree.iter(*_BLOCKS):
        article = next(element.iterancestors("article"), None)
        if article is not None and article not in enclosing:
            line = " ".join(element.text_content().split())
            if home.get(line) is not main:
                home[line] = article
    words: dict[lxml_html.HtmlElement, int] = {}
    for line in lines:
        if line in home:
            words[home[line]] = words.get(home[line], 0) + len(line.split())
    if words.get(main, 0) < max(words.values(), default=0):
        return lines  # another article holds more of the story: the headline's is not the story's
    return [line for line in lines if home.get(line, main) is main]


def _past_header(tree: lxml_html.HtmlElement | None, lines: list[str]) -> list[str]:
    """The lines, less the leading ones that sit in a <header>: the deck, the byline and the
    date that introduce a story are not its first paragraphs. Text that the page also prints
    outside a header (a lede repeated as the summary) stays."""
    if tree is None:
        return lines
    inside: set[str] = set()
    outside: set[str] = set()
    for element in tree.iter("h1", *_BLOCKS):
        in_header = next(element.iterancestors("header"), None) is not None
        (inside if in_header else outside).add(" ".join(element.text_content().split()))
    introduction = inside - outside
    start = 0
    while start < len(lines) and lines[start] in introduction:
        start += 1
    return lines[start:] or lines


def _label_links(tree: lxml_html.HtmlElement | None) -> set[str]:
    """The text of blocks that are a short label, a colon and a link to another page
    ("See also: <a>Another story</a>"): a pointer placed between the story's paragraphs."""
    if tree is None:
        return set()
    found = set()
    for element in tree.iter(*_BLOCKS):
        text = " ".join(element.text_content().split())
        label, colon, rest = text.partition(":")
        if not colon or not rest.strip() or len(label.split()) > _LABEL_WORDS:
            continue
        linked = sum(len("".join(a.text_content().split())) for a in element.iter("a"))
        if linked and linked >= _LINK_SHARE * len(rest.replace(" ", "")):
            found.add(text)
    return found


def _closing_furniture(line: str, *, links: set[str]) -> bool:
    return line.removeprefix("- ") in links or (
        len(line.split()) <= _PROSE_WORDS * 2 and bool(_CALL.search(line))
    )


def _link_lines(tree: lxml_html.HtmlElement | None) -> set[str]:
    """The text of the blocks that are links and little else, as in a list of other stories;
    not the text of any block that is more than a link."""
    if tree is None:
        return set()
    links: set[str] = set()
    prose: set[str] = set()
    for element in tree.iter(*_BLOCKS):
        text = " ".join(element.text_content().split())
        linked = sum(len("".join(a.text_content().split())) for a in element.iter("a"))
        (links if linked >= _LINK_SHARE * len(text.replace(" ", "")) else prose).add(text)
    return links - prose


def _after_headline(lines: list[str], *, headings: tuple[str, ...]) -> list[str]:
    """The lines from the headline's own line on, when the lines before it are fewer words
    than those after: a story starts under its headline, so what trafilatura took from above
    it is another story's teaser or the page's furniture."""
    at = next((i for i, line in enumerate(lines) if any(_same(line, h) for h in headings)), 0)
    before, after = lines[:at], lines[at + 1 :]
    if before and _words(before) < _words(after):
        return lines[at:]
    return lines


def _agreed(text: str, lines: list[str]) -> list[str]:
    """The lines, plus the sentences of _AGREED_WORDS words or more that jusText and
    newspaper4k both keep and the lines lack. Each is placed after the line that holds the
    sentence jusText gives before it, and sentences from one of jusText's paragraphs stay one
    paragraph.

    Both are built otherwise than trafilatura (jusText classifies each block by its stop words
    and link density, newspaper4k scores the nodes under the best-scoring parent), so what they
    agree on and trafilatura lacks is mostly the story's own text: the rest of a story split
    by an advertisement, a paragraph thick with links. Neither is asked alone, since each keeps
    teasers and comments that the other does not."""
    if sum(len(line) for line in lines) > _AGREED_MAX_CHARS:
        return lines
    first = _justext_text(text)
    if len(first) > _AGREED_MAX_CHARS:
        return lines
    have = [_comparable(line) for line in lines]
    whole = " ".join(have)
    # (line index, -1 before the first; jusText's paragraph number; sentence; comparable form)
    candidates: list[tuple[int, int, str, str]] = []
    at = -1
    for number, paragraph in enumerate(first.splitlines()):
        for sentence in _SENTENCE_BREAK.split(paragraph.strip()):
            key = _comparable(sentence)
            if not key:
                continue
            found = next((i for i, line in enumerate(have) if key in line), None)
            if found is not None:
                at = found
            elif (
                len(sentence.split()) >= _AGREED_WORDS
                and key not in whole
                and not is_copyright_line(sentence)
                and not _CALL.search(sentence)
            ):
                candidates.append((at, number, sentence.strip(), key))
    # newspaper4k is the dearer of the two (about 80 ms a page against 15), so it is asked
    # only when jusText has something to add.
    confirming = _comparable(_newspaper_text(text)) if candidates else ""
    added: dict[int, list[tuple[int, list[str]]]] = {}  # line index -> paragraphs after it
    for at, number, sentence, key in candidates:
        if key in confirming:
            runs = added.setdefault(at, [])
            if runs and runs[-1][0] == number:
                runs[-1][1].append(sentence)
            else:
                runs.append((number, [sentence]))
    if not added:
        return lines
    out = [" ".join(run) for _, run in added.get(-1, [])]
    for i, line in enumerate(lines):
        out.append(line)
        out.extend(" ".join(run) for _, run in added.get(i, []))
    return out


def _justext_text(text: str) -> str:
    """jusText's paragraphs that are not boilerplate, by its English stop words (a page in
    another language gives nothing, so nothing is added to it)."""
    import justext

    try:
        paragraphs = justext.justext(
            text.encode("utf-8", "replace"), justext.get_stoplist("English"), encoding="utf-8"
        )
    except Exception:  # lxml raises many kinds on broken markup
        return ""
    return "\n".join(p.text for p in paragraphs if not p.is_boilerplate)


def _newspaper_text(text: str) -> str:
    """newspaper4k's article text. Given the HTML, no address and no image fetching (it would
    fetch each image to size it), it reads nothing from the network. Pages in a script its
    optional tokenizers handle (Japanese, Chinese, Thai) give nothing without them."""
    with warnings.catch_warnings():
        # Its summaries and keywords need nltk; the article text does not. It reads the
        # page's dates with dateutil too, which warns on zone names such as "EST".
        warnings.filterwarnings("ignore", message="nltk is not installed")
        warnings.filterwarnings("ignore", message="tzname")
        import newspaper

        try:
            article = newspaper.Article("", fetch_images=False)
            article.download(input_html=text)
            article.parse()
        except Exception:  # its extractor raises many kinds, and ImportError for a tokenizer
            return ""
    return article.text or ""


def _comparable(text: str) -> str:
    """Lower case, punctuation gone, spaces single: one sentence or heading as any extractor
    or page gives it."""
    return " ".join(_PUNCTUATION.sub(" ", text.lower()).split())


def _is_timestamp(line: str) -> bool:
    """A short line with a clock time or a date in figures that is not a sentence: "5:45 PM EST
    | By Jo Lee", "03/11/2024 - Posted by: Jo Lee - Category: Health"."""
    return (
        len(line.split()) <= _STAMP_WORDS
        and bool(_TIME_OR_DATE.search(line))
        and not line.rstrip().endswith((".", "!", "?"))
    )


def _h1s(tree: lxml_html.HtmlElement | None) -> list[str]:
    return [] if tree is None else [h.text_content() for h in tree.iter("h1")]


def _words(lines: list[str]) -> int:
    return sum(len(line.split()) for line in lines)


def _prose_words(lines: list[str]) -> int:
    counts = (len(line.split()) for line in lines if _SENTENCE_END.search(line))
    return sum(count for count in counts if count >= _PROSE_WORDS)


def page_metadata(text: str) -> dict[str, str]:
    """Headline, author, dates, canonical URL and more from JSON-LD, OpenGraph and meta tags.
    JSON-LD wins over OpenGraph, which wins over plain meta tags."""
    return _metadata(_tree(text))


def _metadata(tree: lxml_html.HtmlElement | None) -> dict[str, str]:
    if tree is None:
        return {}
    found: dict[str, str] = {}

    def first(key: str, *values: object) -> None:
        for value in values:
            if isinstance(value, str) and value.strip() and key not in found:
                # Some sites escape twice ("&amp;#8217;"): undo the second escape too.
                found[key] = " ".join(unescape(value).split())

    for item in _json_ld(tree):
        first("headline", item.get("headline"))
        first("published", item.get("datePublished"))
        first("modified", item.get("dateModified"))
        first("author", _names(item.get("author")))
        first("publisher", _names(item.get("publisher")))
        first("section", _text(item.get("articleSection")))
        first("url", item.get("url") if isinstance(item.get("url"), str) else None)
        first("language", item.get("inLanguage"))

    meta = {
        (element.get("property") or element.get("name") or "").lower(): element.get("content")
        for element in tree.iter("meta")
        if element.get("content")
    }
    first("headline", meta.get("og:title"), meta.get("twitter:title"))
    first("published", meta.get("article:published_time"), meta.get("date"))
    first("modified", meta.get("article:modified_time"), meta.get("og:updated_time"))
    first("author", meta.get("author"), meta.get("article:author"))
    first("section", meta.get("article:section"))
    first("publisher", meta.get("og:site_name"))
    first("copyright", meta.get("copyright"))
    canonical = tree.xpath('//link[@rel="canonical"]/@href')
    first("url", canonical[0] if canonical else None, meta.get("og:url"))
    first("language", tree.get("lang"))
    first("copyright", _copyright_text(tree))
    if found.get("author", "").startswith("http"):
        del found["author"]  # article:author is often a profile URL, not a name
    return found


def _tree(text: str) -> lxml_html.HtmlElement | None:
    try:
        # Bytes with the parser told they are UTF-8: lxml would take them for Latin-1, and
        # a str with an XML declaration is refused.
        return lxml_html.fromstring(text.encode("utf-8"), parser=_PARSER)
    except (ValueError, lxml_html.etree.ParserError):
        return None


def _copyright_text(tree: lxml_html.HtmlElement) -> str:
    """The page's printed rights notice, from the footer first, else anywhere on the page."""
    for path in ("//footer//text()", "//body//text()"):
        for text in tree.xpath(path):
            line = " ".join(str(text).split())
            if line and is_copyright_line(line):
                return line
    return ""


def _json_ld(tree: lxml_html.HtmlElement) -> list[dict]:
    """The news-article objects of the page's JSON-LD blocks, outermost first."""
    items: list[dict] = []
    for script in tree.xpath('//script[@type="application/ld+json"]/text()'):
        try:
            data = json.loads(script)
        except ValueError:
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                kinds = item.get("@type")
                kinds = kinds if isinstance(kinds, list) else [kinds]
                if any(str(kind).lower() in _NEWS_TYPES for kind in kinds):
                    items.append(item)
                stack.extend(item.get("@graph", []))
    return items


def _names(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return _names(value.get("name"))
    if isinstance(value, list):
        return ", ".join(name for name in (_names(v) for v in value) if name)
    return ""


def _text(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value if v)
    return value if isinstance(value, str) else ""


def _when(value: str | None) -> datetime | None:
    """ISO 8601 text to an aware datetime; a date alone or without a zone is taken as UTC."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _same(first: str, title: str) -> bool:
    return bool(title) and _comparable(first) == _comparable(title)
