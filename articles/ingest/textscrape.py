"""Whole web pages saved as text: find the story among menus, share bars and footers.

There is no DOM, so the body is found from the shape of the lines alone. Each line gets a
score: long lines that read like sentences count for the story, the more so among other
prose; short lines (menus, link lists, labels), repeated lines and generic boilerplate
phrases count against it, and section headings ("Related stories") a lot. The story is
the run of lines with the highest total (a maximum-sum span), preferably the one after
the page's own headline, with thin ends cut off. Prose below a comments heading counts
for little.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from .common import (
    agency_name,
    copyright_holder,
    find_date,
    is_copyright_line,
    join_paragraphs,
    split_dateline,
)
from .types import ParsedStory, SkipStory

# Headings of the page sections that follow a story: lists of other stories.
_SECTION_BREAK = re.compile(
    r"""^\W*(?:
        related(?:\ (?:stories|articles|links|topics|coverage|content|posts|news))?|
        (?:most\ )?(?:popular|read|viewed|shared|commented)(?:\ (?:stories|articles|now|today))?|
        more\ (?:from|in|on|stories|news|articles)\b.*|
        trending(?:\ now|\ stories)?|recommended(?:\ for\ you|\ stories)?|
        you\ (?:may|might)\ (?:also\ )?(?:like|enjoy|be\ interested\ in)|
        what\ to\ read\ next|read\ next|up\ next|latest\ (?:news|stories)|
        (?:sign\ up\ for|get)\ (?:our|the)\ .{0,30}newsletter
    )\W*$""",
    re.I | re.X,
)
# The heading of reader comments: "Comments", "167 comments", "Leave a reply".
_COMMENTS = re.compile(
    r"^\W*(?:(?:top\ rated\ |latest\ |reader\ |show\ |view\ |read\ )?(?:all\ )?comments?"
    r"|\d+\ (?:comments?|responses|replies)|(?:leave|post|add)\ a\ (?:comment|reply)"
    r"|join\ the\ (?:conversation|discussion))\W*(?:\(\d+\))?\W*$",
    re.I | re.X,
)
# Generic English page furniture. A line matching one of these is never story text.
_BOILERPLATE = re.compile(
    r"""^(?:
        advertisement|advertising|sponsored(?:\s+content)?|ad\b|
        story\ continues\ below|continue\ reading|read\ more|see\ also|more:|related:|
        share(?:\ this)?(?:\ (?:story|article|page|on\ \w+))?|tweet|email|print|
        sign\ (?:in|up)|log\ ?in|register|subscribe(?:\ now)?|follow\ us|menu|search|close|
        skip\ to\ (?:main\ )?content|back\ to\ top|return\ to\ top|home|next|previous|
        image\ \d+\ of\ \d+|\d+\ /\ \d+|\d+\ of\ \d+$|getty\ images|
        \(?(?:photos?|images?|pictures?|video|credits?|source)(?:\ credit)?\s*:|
        \((?:photo|image|picture)\b.*\)$|
        privacy\ (?:policy|notice)|terms\ (?:of\ (?:use|service)|and\ conditions)|cookie\ policy|
        contact\ us|about\ us|careers|site\ ?map
    )\b""",
    re.I | re.X,
)
# Boilerplate that can sit inside a longer line: newsletters, cookies, rights notices.
_BOILERPLATE_ANYWHERE = re.compile(
    r"sign up for (?:our|the) .{0,30}newsletter|subscribe to (?:our|the) .{0,30}newsletter|"
    r"get (?:our|the) .{0,30}newsletter|newsletter sign-?up|"
    r"(?:we|this (?:site|website)) uses? cookies|by (?:continuing to use|using) (?:this|our) "
    r"(?:site|website)|accept (?:all )?cookies|cookie settings|"
    r"all rights reserved|this material may not be published|"
    r"you have \d+ (?:free )?articles? (?:left|remaining)|already a subscriber|"
    r"enable javascript|your browser does not support|"
    r"click here to|follow us on|share on (?:facebook|twitter)|"
    r"sign up to receive|by signing up,? you agree|privacy policy and terms",
    re.I,
)
# Weights of the line scores. Prose counts its words, scaled down when few of the lines
# around it are prose; everything else costs a little, a section heading a lot.
DENSITY_SLOPE = 2.0
DENSITY_SHIFT = 0.3
DENSITY_FLOOR = 0.0
TABLE_ROWS = 8  # this many table rows in a row are a table of the story's data
WINDOW = 4  # lines either side that set a line's prose density
SHORT_PENALTY = -4.0
BOILERPLATE_PENALTY = -3.0
BREAK_PENALTY = -40.0
TEASER_WORDS = 40  # a longer line ending in "…" is a cut-off story, not a teaser
TRIM_PENALTY = -6.0  # what a non-prose line costs when the span's ends are cut back
COMMENTS_AFTER_WORDS = 100  # prose words before a comments heading counts as one
COMMENTS_WEIGHT = 0.25  # prose below a comments heading counts this much
# The run after the page's headline wins unless the best run elsewhere is 10x stronger.
ANCHOR_SHARE = 0.1
# "By Jane Doe", "BY JANE DOE | Staff", "Written by Jane Doe, MD on May 1, 2019".
_BYLINE = re.compile(
    r"^(?:(?:written|posted|story|words|reporting)\s+)?by:?\s+"
    r"(?P<who>[^\d|•,]{2,80}?)\s*(?:(?:[|•,]|\bon\b|\bupdated\b|\bpublished\b).*)?$",
    re.I,
)
_SENTENCE_END = re.compile(r"[.!?…:;。！？\"'”’»)\]]$")
_SENTENCE_BREAK = re.compile(r"[.!?。！？][\"'”’»)]?\s+\S")
# A summary cut short ("… [more]") is a teaser for another page.
_TEASER_END = re.compile(r"(?:\.\.\.|…|\[(?:…|\.\.\.)\]|\[more\]|read more)\W{0,3}$", re.I)
# "2 days ago at 07:52 am", "5H ago", "updated 16M ago": the time stamps of teasers and comments.
_TIME_AGO = re.compile(
    r"^(?:updated |posted )?(?:\d+\s*(?:[smhd]|sec|min|mins|minutes?|hours?|hrs?|days?|weeks?|"
    r"months?|years?)|an? (?:minute|hour|day|week|month|year)|yesterday)\b.{0,4}\bago\b.{0,25}$",
    re.I,
)
_SEPARATORS = re.compile(r"\s[|•·»]\s")
# Poll options and ratings: "Yes (29%, 1,186 Votes)", "Rating: 36 Votes".
_VOTES = re.compile(r"(?:\(\d+(?:\.\d+)?%,?\s*[\d,]+\s*votes?\)|^rating:.*\bvotes?)$", re.I)
_FIGURE = re.compile(r"^[-+(]?\d[\d.,:%/)-]*$")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_TITLE_SUFFIX = re.compile(r"\s+[|–—-]\s+[^|–—-]{2,40}$")


@dataclass
class _Line:
    index: int  # position among the page's non-blank lines
    text: str
    words: int
    kind: str  # "prose", "short", "boilerplate" or "break"
    density: float = 1.0  # share of prose among the neighbouring lines
    weight: float = 1.0  # less below a comments heading

    @property
    def score(self) -> float:
        if self.kind == "prose":
            # Prose among short lines is a teaser list (headline, summary, time), not a story.
            share = min(1.0, max(DENSITY_FLOOR, DENSITY_SLOPE * self.density - DENSITY_SHIFT))
            return self.words * share * self.weight
        if self.kind == "break":
            return BREAK_PENALTY
        if self.kind == "boilerplate":
            return BOILERPLATE_PENALTY
        # A run of menu items or link labels quickly outweighs a paragraph or two,
        # while a lone subheading inside a story costs little.
        return SHORT_PENALTY


def _word_count(text: str) -> int:
    # Scripts without spaces: about two characters make a word.
    return max(len(text.split()), len(_CJK.findall(text)) // 2)


def _classify(index: int, text: str) -> _Line:
    words = _word_count(text)
    if (
        (words < 12 and (_SECTION_BREAK.match(text) or _COMMENTS.match(text)))
        or _BOILERPLATE_ANYWHERE.search(text)
        or is_copyright_line(text)
    ):
        kind = "break"
    elif words < 40 and _BOILERPLATE.match(text):
        kind = "boilerplate"
    elif len(_SEPARATORS.findall(text)) >= 3:
        kind = "short"  # "Home | News | Sport": a menu laid out on one line
    elif _TIME_AGO.match(text) or _VOTES.search(text):
        kind = "boilerplate"
    elif words < TEASER_WORDS and _TEASER_END.search(text):
        kind = "short"
    elif words >= 25 or (
        words >= 8 and (_SENTENCE_END.search(text) or _SENTENCE_BREAK.search(text))
    ):
        kind = "prose"
    else:
        kind = "short"
    return _Line(index, text, words, kind)


def _best_span(lines: list[_Line]) -> tuple[int, int]:
    """The contiguous run of lines with the highest total score (Kadane). A section heading
    such as "Related stories" or "Comments" costs so much that few runs cross it."""
    best, best_start, best_end = 0.0, 0, -1
    total, start = 0.0, 0
    for position, line in enumerate(lines):
        if total <= 0:
            total, start = 0.0, position
        total += line.score
        if total > best:
            best, best_start, best_end = total, start, position
    return best_start, best_end


def _story_span(lines: list[_Line]) -> tuple[int, int]:
    """The best span after the page's own headline, unless something far stronger lies
    elsewhere: a story follows its headline, comments and teasers come later."""
    start, end = _best_span(lines)
    headline = _headline_index(lines)
    if headline is None or start > headline:
        return start, end
    best = _span_score(lines, start, end)
    after = lines[headline + 1 :]
    a_start, a_end = _best_span(after)
    if a_end >= a_start and _span_score(after, a_start, a_end) >= ANCHOR_SHARE * best:
        return a_start + headline + 1, a_end + headline + 1
    return start, end


def _trim(span: list[_Line]) -> list[_Line]:
    """Cut the span's ends back to prose. Then, at a line of page furniture (a share bar,
    a "More from" heading), cut off whatever follows it when that part, taken together,
    is thin: prose among many short lines, as a teaser list or an address block is."""
    span = list(span)
    for _ in range(2):
        while span and span[0].kind != "prose":
            span.pop(0)
        while span and span[-1].kind != "prose":
            span.pop()
        total = 0.0
        cut = len(span)
        for position in range(len(span) - 1, -1, -1):
            total += _strict_score(span[position])
            if span[position].kind in ("boilerplate", "break") and total < 0:
                cut = position
        span = span[:cut]
        span.reverse()
    return span


def _strict_score(line: _Line) -> float:
    if line.kind == "prose":
        return line.words * line.density
    return TRIM_PENALTY


def _span_score(lines: list[_Line], start: int, end: int) -> float:
    return sum(line.score for line in lines[start : end + 1])


def _headline_index(lines: list[_Line]) -> int | None:
    """Where the page repeats its title (the page heading), after the first line."""
    key = _normal(_TITLE_SUFFIX.sub("", lines[0].text)) if lines else ""
    if len(key) < 12:
        return None
    for position, line in enumerate(lines[1:], 1):
        candidate = _normal(line.text)
        if len(candidate) < 12 or line.words >= 40:
            continue
        # Most of the title, or the title inside a little more ("Politics: <title>"), but
        # not a breadcrumb trail that merely ends with it.
        if (candidate in key and len(candidate) * 2 >= len(key)) or (
            key in candidate and len(candidate) * 2 <= len(key) * 3
        ):
            return position
    return None


def _lines(text: str) -> list[_Line]:
    texts = [stripped for raw in text.splitlines() if (stripped := " ".join(raw.split()))]
    lines = [_classify(index, line) for index, line in enumerate(texts)]
    _mark_tables(lines)
    # The same short line again and again is a share bar or a label, not part of a story.
    seen = Counter(line.text for line in lines if line.words < 12)
    for line in lines:
        if seen[line.text] > 1 and line.kind == "short":
            line.kind = "boilerplate"
    # Reader comments follow the story: once a comments heading comes after some prose,
    # the prose below it counts for little.
    before = 0
    discount = 1.0
    for line in lines:
        line.weight = discount
        if line.kind == "prose":
            before += line.words
        elif before >= COMMENTS_AFTER_WORDS and _COMMENTS.match(line.text):
            discount = COMMENTS_WEIGHT
    prose = [1 if line.kind == "prose" else 0 for line in lines]
    for position, line in enumerate(lines):
        window = prose[max(0, position - WINDOW) : position + WINDOW + 1]
        line.density = sum(window) / len(window)
    return lines


def _is_row(line: _Line) -> bool:
    """A table row as text: a few words and several figures ("4 Jo Lee 5027 6 3 19")."""
    tokens = line.text.split()
    figures = sum(1 for token in tokens if _FIGURE.match(token))
    return len(tokens) >= 4 and figures >= 3 and line.kind == "short"


def _mark_tables(lines: list[_Line]) -> None:
    """A long run of table rows is the story's data (standings, results), not a menu: its
    rows count as prose. A short run (a score box, a ticker) stays what it was."""
    start = 0
    while start < len(lines):
        end = start
        while end < len(lines) and _is_row(lines[end]):
            end += 1
        if end - start >= TABLE_ROWS:
            for line in lines[start:end]:
                line.kind = "prose"
        start = max(end, start + 1)


def looks_like(text: str) -> bool:
    """Many menu-like lines (a few words, no sentence) near the top of a whole page.
    Hard-wrapped wire copy has short lines too, but they are long enough to read on."""
    head = [line for line in (" ".join(raw.split()) for raw in text[:20000].splitlines()) if line]
    head = head[:80]
    menu = sum(1 for line in head if _menu_like(line))
    wrapped = sum(1 for line in head if 45 <= len(line) <= 90)
    return menu >= 12 and menu > wrapped


def _menu_like(line: str) -> bool:
    """'Sport', 'Contact us': a few words, no sentence, no figures (table rows have them)."""
    return (
        len(line.split()) <= 4
        and not _SENTENCE_END.search(line)
        and not any(char.isdigit() for char in line)
    )


def parse(text: str, *, path: str = "") -> ParsedStory:
    lines = _lines(text)
    if not lines:
        raise SkipStory("no text")
    start, end = _story_span(lines)
    if end < start:
        raise SkipStory("no story text found on the page")
    span = _trim(lines[start : end + 1])
    if not span:
        raise SkipStory("no story text found on the page")
    body = [line.text for line in span if line.kind != "boilerplate"]
    head = lines[: span[0].index]
    tail = lines[span[-1].index + 1 :]

    story = ParsedStory(path=path, title=_title(lines, head), body=join_paragraphs(body))
    story.format = "textscrape"
    if suffix := _TITLE_SUFFIX.search(lines[0].text):
        story.publisher = suffix.group(0).strip(" |–—-")  # "Headline - Site": the site
    _apply_header(story, head[-15:], body)
    dateline, agency, _ = split_dateline(body[0])
    story.dateline = dateline
    if agency:
        story.source = agency_name(agency)
    for line in tail:
        if is_copyright_line(line.text):
            story.copyright = line.text
            break
    if story.copyright and not story.source:
        holder = copyright_holder(story.copyright)
        if holder and agency_name(holder) != holder:
            story.source = agency_name(holder)
    story.source = story.source or story.publisher
    if not story.title:
        raise SkipStory("no headline found on the page")
    return story


def _title(lines: list[_Line], head: list[_Line]) -> str:
    """The headline: the page's own heading above the story, which repeats the page title
    (first line), or else that title without its ' - Site' suffix."""
    heading = _headline_index(lines)
    if heading is not None and heading < len(head):
        return lines[heading].text
    return _TITLE_SUFFIX.sub("", lines[0].text).strip() or lines[0].text


def _normal(text: str) -> str:
    return re.sub(r"\W+", " ", text).strip().lower()


def _apply_header(story: ParsedStory, header: list[_Line], body: list[str]) -> None:
    """Byline and date from the lines just above the story (or its first line)."""
    candidates = [line.text for line in header] + body[:1]
    for text in candidates:
        match = _BYLINE.match(text)
        if match and not story.byline and len(text) < 160:
            story.byline = match.group("who").strip(" ,")
        if story.published_at is None and len(text) < 160:
            story.published_at = find_date(text)
