"""Topics from simple, readable rules: pure functions over a story's text."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache

from ..ingest.types import ParsedStory


@dataclass(frozen=True)
class TopicPattern:
    """A topic matches when every `required` term and at least one `any_of` term (if any
    are given) occur, or when any of its `phrases` occurs.

    Terms match at the start of a word, case-insensitively, so "airstrike" also finds
    "airstrikes" and "Syria" finds "Syrian". Phrases must match whole words.
    """

    name: str
    required: tuple[str, ...] = ()
    any_of: tuple[str, ...] = ()
    phrases: tuple[str, ...] = field(default=())

    def matches(self, text: str) -> bool:
        if any(_phrase(p).search(text) for p in self.phrases):
            return True
        if not self.required and not self.any_of:
            return False
        if not all(_term(t).search(text) for t in self.required):
            return False
        return not self.any_of or any(_term(t).search(text) for t in self.any_of)


@cache
def _term(term: str) -> re.Pattern[str]:
    return re.compile(rf"\b{re.escape(term)}", re.I)


@cache
def _phrase(phrase: str) -> re.Pattern[str]:
    words = r"\s+".join(re.escape(w) for w in phrase.split())
    return re.compile(rf"\b{words}\b", re.I)


DEFAULT_TOPIC_RULES: tuple[TopicPattern, ...] = (
    TopicPattern("Syrian civil war", ("Syria",), ("airstrike", "rebel", "Assad")),
    TopicPattern("Islamic State", (), (), ("Islamic State", "ISIS", "ISIL")),
    TopicPattern(
        "Elections",
        (),
        (),
        ("general election", "presidential election", "election campaign", "polling day"),
    ),
    TopicPattern("Oil prices", ("oil",), ("price", "OPEC", "crude")),
    TopicPattern("Human rights", (), (), ("human rights", "Amnesty International")),
)


# A topic a rule finds is the story's only when it is central: named in the headline or
# the lede, or mentioned this many times. One passing mention of an election in a story
# about phones is not an "Elections" story.
CENTRAL_MENTIONS = 3


def _hits(rule: TopicPattern, text: str) -> int:
    patterns = [_phrase(p) for p in rule.phrases]
    patterns += [_term(t) for t in (*rule.required, *rule.any_of)]
    return sum(len(p.findall(text)) for p in patterns)


def is_central(rule: TopicPattern, story: ParsedStory) -> bool:
    lede = story.body.split("\n\n", 1)[0]
    if _hits(rule, story.title) or _hits(rule, lede):
        return True
    return _hits(rule, story.body) >= CENTRAL_MENTIONS


@dataclass(frozen=True)
class TopicEvidence:
    """How a story names one of its topics: the ranking of a topic's page reads it."""

    count: int  # hits of the topic's name or its rule's terms, at least 1
    in_headline: bool
    in_lede: bool


def topic_evidence(
    story: ParsedStory, name: str, rules: Iterable[TopicPattern] = ()
) -> TopicEvidence:
    """The hits of the topic's name (as a phrase) and of the terms of its rules, in
    the headline, the lede and the whole story. A topic from the page or the section
    that the text never names counts once."""
    own = TopicPattern(name, phrases=(name,))
    mine = [own, *(r for r in rules if r.name.casefold() == name.casefold())]
    lede = story.body.split("\n\n", 1)[0]

    def hits(text: str) -> int:
        return max(_hits(rule, text) for rule in mine)

    return TopicEvidence(
        count=max(1, hits(f"{story.title}\n\n{story.body}")),
        in_headline=bool(hits(story.title)),
        in_lede=bool(hits(lede)),
    )


def match_topics(story: ParsedStory, rules: Iterable[TopicPattern]) -> list[str]:
    """The names of the rules that match the story's headline and body and are central
    to it (see is_central), in rule order."""
    text = f"{story.title}\n\n{story.body}"
    return [rule.name for rule in rules if rule.matches(text) and is_central(rule, story)]


def topics_for(
    story: ParsedStory, rules: Sequence[TopicPattern] = DEFAULT_TOPIC_RULES
) -> list[str]:
    """The story's own topics and section, then the rules' topics, without repeats."""
    found = [*story.topics, story.section, *match_topics(story, rules)]
    seen: set[str] = set()
    out = []
    for topic in (t.strip() for t in found):
        if topic and topic.casefold() not in seen:
            seen.add(topic.casefold())
            out.append(topic)
    return out
