"""How fast is tagging? Words per second on the Reuters-21578 stories.

    .venv/bin/python bench/tagging.py               # all ~21.5k stories
    .venv/bin/python bench/tagging.py --limit 5000  # a quicker subset (the first N files)

Reports spaCy NER alone (the model on the texts, nothing else), the whole pipeline the
model ships with (to show what excluding the other components buys, on a subset), and
`tag_many` (NER plus clean-up) with 1 and 2 processes. Parsing the files is not timed.
Needs the research corpus: ../shared/corpus or $NEWSARCHIVE_CORPUS.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from articles.ingest import IngestError, parse_bytes  # noqa: E402
from articles.tagging import TAGGER_VERSION, tag_many  # noqa: E402
from articles.tagging.entities import LABEL_KINDS, ner_text  # noqa: E402
from articles.tagging.nlp import get_nlp  # noqa: E402

CORPUS = Path(os.environ.get("NEWSARCHIVE_CORPUS", ROOT.parent / "shared" / "corpus"))


def load_stories(limit: int | None):
    folder = CORPUS / "reuters21578" / "articles"
    if not folder.is_dir():
        sys.exit(f"corpus not found at {folder} (set NEWSARCHIVE_CORPUS)")
    stories = []
    for path in sorted(folder.glob("*.txt"))[:limit]:
        try:
            stories.append(parse_bytes(path.read_bytes(), path=str(path)))
        except IngestError:
            continue  # no title or no body: nothing to tag
    return stories


def _cpu_seconds() -> float:
    # This process and any finished worker processes: a fairer measure than wall time when
    # the machine is shared, since other jobs' load does not count.
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(label: str, words: int, run) -> float:
    start, cpu = time.perf_counter(), _cpu_seconds()
    run()
    seconds, cpu = time.perf_counter() - start, _cpu_seconds() - cpu
    rate = words / seconds
    print(
        f"{label:<40} {seconds:8.1f} s wall {rate:10,.0f} words/s"
        f" | {cpu:8.1f} s CPU {words / cpu:10,.0f} words/CPU-s",
        flush=True,
    )
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N files")
    parser.add_argument("--full-subset", type=int, default=2000, help="stories for full pipeline")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument(
        "--model",
        help="another spaCy model (an installed name or a folder) in place of the tagger's, "
        "to weigh a second model on the same stories in the same way",
    )
    args = parser.parse_args()
    if args.model:
        from articles.tagging import nlp

        nlp.MODEL_NAME = args.model

    stories = load_stories(args.limit)
    texts = [ner_text(s) for s in stories]
    words = sum(len(t.split()) for t in texts)
    print(
        f"tagger {TAGGER_VERSION}, {len(stories):,} stories, {words:,} words, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f} at start"
    )
    ner = get_nlp()
    full = get_nlp(full=True)
    list(ner.pipe(texts[:50]))  # warm up: first calls allocate
    sub = texts[: args.full_subset]
    sub_words = sum(len(t.split()) for t in sub)

    timed(f"full pipeline, 1 process ({len(sub)})", sub_words, lambda: list(full.pipe(sub)))
    timed(f"NER only, 1 process ({len(sub)})", sub_words, lambda: list(ner.pipe(sub)))
    # The same entities either way: the sm model's ner has its own tok2vec.
    # Without the parser's sentence boundaries a few names run on into the next sentence;
    # the clean-up cuts most of them (see entities._sentence_end).
    full_spans = [{(e.start_char, e.end_char, e.label_) for e in d.ents} for d in full.pipe(sub)]
    ner_spans = [{(e.start_char, e.end_char, e.label_) for e in d.ents} for d in ner.pipe(sub)]
    differing = sum(len(a ^ b) for a, b in zip(full_spans, ner_spans, strict=True))
    print(
        f"raw spans differing, full vs NER only: {differing} of "
        f"{sum(map(len, full_spans)):,}; stories differing: "
        f"{sum(a != b for a, b in zip(full_spans, ner_spans, strict=True))} of {len(sub)}"
    )

    bs = args.batch_size
    timed("NER only, 1 process", words, lambda: list(ner.pipe(texts, batch_size=bs)))
    for n in (1, 2):
        timed(
            f"tag_many, {n} process{'es' if n > 1 else ''}",
            words,
            lambda n=n: list(tag_many(stories, n_process=n, batch_size=bs)),
        )
    kept = sum(1 for d in ner.pipe(texts[:200]) for e in d.ents if e.label_ in LABEL_KINDS)
    print(f"(first 200 stories: {kept} person/org/place/group spans)")


if __name__ == "__main__":
    main()
