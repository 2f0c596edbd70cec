"""Files to tagged stories, on every core. Pure Python: no Django, so it runs in workers.

The main process reads the inputs and stores the results; worker processes do the
expensive part, parsing and named-entity recognition, a chunk of files at a time.
Chunks come back in input order and only a few are in flight at once, so memory
stays flat however large the batch.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import islice

from . import clusters, ingest, tagging
from .ingest import IngestError, Input, Manifest, ParsedStory, SkipStory, language, validate
from .tagging import TopicPattern


@dataclass
class Options:
    format: str | None = None
    max_bytes: int = ingest.DEFAULT_MAX_BYTES
    aliases: dict[str, tuple[str, str]] = field(default_factory=dict)
    topic_rules: tuple[TopicPattern, ...] = tagging.DEFAULT_TOPIC_RULES
    manifest: Manifest | None = None
    tag: bool = True
    # Batch defaults (--source, --publisher, --language): they fill what the parser left
    # blank, and a sidecar or manifest row still wins over them.
    defaults: dict[str, str] = field(default_factory=dict)
    # Story clusters are on: each story's fingerprint is computed here, in the workers,
    # rather than on the main process's serial path (services/clusters.ClusterBatch).
    fingerprint: bool = False


@dataclass
class FileResult:
    name: str
    story: ParsedStory | None = None
    fingerprint: clusters.Fingerprint | None = None  # of the body as it is stored
    error: str = ""  # the file failed: the reason, for a person
    skipped: str = ""  # nothing worth storing: the reason


def parse_one(item: Input, options: Options) -> FileResult:
    if item.error:
        return FileResult(item.name, error=item.error)
    if item.skipped:
        return FileResult(item.name, skipped=item.skipped)
    try:
        story = ingest.parse_bytes(
            item.data, path=item.name, format=options.format, max_bytes=options.max_bytes
        )
        rows = [ingest.sidecar_for(item.path)] if item.path else []
        if options.manifest is not None:
            match = options.manifest.match(item.path or item.archive, member=item.member)
            if match.problem:
                story.warnings.append(f"manifest: {match.problem}")
            rows.append(match.row)
        defaults = {name: value for name, value in options.defaults.items() if value}
        given = {"defaults": defaults, "rows": [row for row in rows if row]}
        apply_given(story, {key: value for key, value in given.items() if value})
        story.topics = tagging.topics_for(story, options.topic_rules)
    except SkipStory as exc:
        return FileResult(item.name, skipped=str(exc))
    except IngestError as exc:
        return FileResult(item.name, error=str(exc))
    except Exception as exc:  # a parser bug must not stop the batch
        return FileResult(item.name, error=f"could not be parsed ({type(exc).__name__}: {exc})")
    return FileResult(item.name, story=story)


def _as_json(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not metadata")


def apply_given(story: ParsedStory, given: dict) -> ParsedStory:
    """Apply what the batch said of the file beside its text (story.given, which keeps
    it): batch defaults fill what the parser left blank; a sidecar, then a manifest row,
    beat the parser's guesses. Then the story is validated and its language settled.
    Ingest and re-parse both come through here, so a re-parsed story keeps its
    manifest's date and topics."""
    # Kept as JSON holds it (a manifest's date as ISO text, which apply_metadata reads
    # back the same), so a re-ingest compares what it would store with what is stored.
    given = json.loads(json.dumps(given, default=_as_json))
    story.given = given
    defaults = given.get("defaults", {})
    # The language parse_bytes found (the text's, else the page's own word) is beaten by
    # a sidecar or manifest; --language fills in only when neither says.
    found = story.language
    story.language = ""
    for name, value in defaults.items():
        if value and name != "language" and not getattr(story, name):
            setattr(story, name, value)
    for row in given.get("rows", []):
        ingest.apply_metadata(story, row)
    validate.clean(story)
    story.language = language.iso_code(story.language) or found or defaults.get("language", "")
    return story


def process_chunk(items: list[Input], options: Options) -> list[FileResult]:
    """Parse a chunk of inputs, then tag the stories among them in one spaCy pass."""
    outcomes = [parse_one(item, options) for item in items]
    # The model reads English: a story in another language gets no names from it, rather
    # than wrong ones. A story whose language is unknown is read as English.
    stories = [
        o.story
        for o in outcomes
        if o.story is not None and o.story.language in language.NER_LANGUAGES
    ]
    if options.tag and stories:
        short = [story for story in stories if len(story.body) <= LONG_STORY_CHARS]
        long = [story for story in stories if len(story.body) > LONG_STORY_CHARS]
        _tag_group(short, options)
        for story in long:
            _tag_long(story, options)
    if options.fingerprint:
        for outcome in outcomes:
            if outcome.story is not None:
                outcome.fingerprint = story_fingerprint(outcome.story)
    return outcomes


def story_fingerprint(story: ParsedStory) -> clusters.Fingerprint:
    """The fingerprint of the story's body as ingest stores it (stripped:
    services/ingest.article_fields), which detection would otherwise compute from the
    stored row."""
    return clusters.fingerprint(story.body.strip())


# The model's time and memory grow with the text it reads, and spaCy batches pieces of
# text without regard to their length: a 590 kB paragraph cost 1.2 GB and 23 s, a 9 MB one
# more than ten minutes. A story longer than this (several times the longest features in
# the corpus) is read in pieces a few at a time, and only its first NER_MAX_CHARS are
# read at all; the story keeps every word, and a warning says how much was tagged.
LONG_STORY_CHARS = 60_000
NER_MAX_CHARS = 120_000
LONG_STORY_BATCH = 2


def _tag_group(stories: list[ParsedStory], options: Options) -> None:
    if not stories:
        return
    try:
        tagged = list(tagging.tag_many(stories, aliases=options.aliases))
    except Exception:  # one odd story must not cost the chunk its tags: retry alone
        tagged = [_tag_alone(story, options) for story in stories]
    for story, entities in zip(stories, tagged, strict=True):
        story.entities = entities


def _tag_long(story: ParsedStory, options: Options) -> None:
    """Tag a long story's first NER_MAX_CHARS (cut at a paragraph or a space), two pieces
    at a time. Offsets hold: the text read is a prefix of the story's."""
    body = story.body
    if len(body) > NER_MAX_CHARS:
        cut = body.rfind("\n\n", 0, NER_MAX_CHARS)
        if cut < NER_MAX_CHARS // 2:
            cut = body.rfind(" ", 0, NER_MAX_CHARS)
        body = body[: cut if cut > 0 else NER_MAX_CHARS]
        story.warnings.append(
            f"only the first {len(body):,} of {len(story.body):,} characters were read for "
            "names (people, places, organizations)"
        )
    prefix = replace(story, body=body, entities=[])
    try:
        story.entities = next(
            tagging.tag_many([prefix], aliases=options.aliases, batch_size=LONG_STORY_BATCH)
        )
    except Exception:
        story.entities = []


def _tag_alone(story: ParsedStory, options: Options) -> list:
    try:
        return tagging.tag(story, aliases=options.aliases)
    except Exception:
        return []


_worker_options: Options | None = None


def _exit_with_parent(parent: int) -> None:
    """Stop when the ingest that started this worker is gone (killed, even with -9),
    rather than tagging on for nobody: a killed ingest leaves no process behind."""
    while True:
        time.sleep(1)
        if os.getppid() != parent:
            os._exit(1)


def _init_worker(options: Options) -> None:
    global _worker_options
    _worker_options = options
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    if options.tag:
        tagging.get_nlp()  # load the model once per worker, before the first chunk


def _work(items: list[Input]) -> list[FileResult]:
    assert _worker_options is not None
    return process_chunk(items, _worker_options)


def run(
    inputs: Iterable[Input], options: Options, *, workers: int = 1, chunk_size: int = 32
) -> Iterator[FileResult]:
    """Outcomes for `inputs`, in order. With workers > 1, chunks go to a process pool;
    a batch that fits in one chunk is done here, sparing the pool's start-up."""
    chunks = _chunks(iter(inputs), chunk_size)
    first = next(chunks, None)
    if first is None:
        return
    second = next(chunks, None)
    if workers <= 1 or second is None:
        yield from process_chunk(first, options)
        if second is not None:
            yield from process_chunk(second, options)
            for chunk in chunks:
                yield from process_chunk(chunk, options)
        return

    context = multiprocessing.get_context("spawn")  # workers never inherit DB connections
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_init_worker, initargs=(options,)
    ) as pool:
        pending: deque[Future] = deque([pool.submit(_work, first), pool.submit(_work, second)])
        for chunk in chunks:
            # Keep a few chunks per worker queued: enough to stay busy, few enough
            # that memory does not grow with the batch.
            while len(pending) >= workers * 2:
                yield from pending.popleft().result()
            pending.append(pool.submit(_work, chunk))
        while pending:
            yield from pending.popleft().result()


def _chunks(items: Iterator[Input], size: int) -> Iterator[list[Input]]:
    while chunk := list(islice(items, size)):
        yield chunk
