"""What resolving at ingest costs: storing the same tagged BBC stories with the
archive-level resolution after each group, and without it, A/B interleaved, by CPU.

    DJANGO_DEBUG=1 DATABASE_URL=sqlite:////tmp/resolve-bench.sqlite3 \\
        .venv/bin/python manage.py migrate
    DJANGO_DEBUG=1 DATABASE_URL=sqlite:////tmp/resolve-bench.sqlite3 \\
        .venv/bin/python bench/ingest_resolve.py --limit 800 --rounds 2

The stories are read and tagged once (not timed); each run starts from an empty archive
(emptied, not timed) and stores them through `ingest_run_start`, as the ingest command
does. Also prints the tagging CPU of the same stories, so the cost of resolution can be
set beside what ingest spends on NER. Skips without the corpus.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CORPUS = Path(os.environ.get("NEWSARCHIVE_CORPUS", ROOT.parent / "shared" / "corpus"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=800, help="BBC stories to store")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    if not (CORPUS / "bbc").is_dir():
        print(f"skipped: no BBC corpus at {CORPUS / 'bbc'}")
        return 0
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")
    import django

    django.setup()
    from articles import ingest, tagging
    from articles.models import Article, Entity, IngestBatch, MergeRecord
    from articles.services import ingest as ingest_service

    paths = sorted(p for p in (CORPUS / "bbc").rglob("*.txt") if p.parent != CORPUS / "bbc")
    stories = []
    for path in paths[: args.limit]:
        stories.append(ingest.parse_bytes(path.read_bytes(), path=str(path)))
    start = time.process_time()
    for story, found in zip(stories, tagging.tag_many(stories), strict=True):
        story.entities = found
        story.topics = tagging.topics_for(story)
    tag_cpu = time.process_time() - start
    words = sum(len(s.body.split()) for s in stories)
    print(f"{len(stories)} stories, {words} words; tagging {tag_cpu:.1f} s CPU")

    def empty() -> None:
        Article.objects.all().delete()
        Entity.objects.all().delete()
        MergeRecord.objects.all().delete()
        IngestBatch.objects.all().delete()

    times: dict[bool, list[float]] = {False: [], True: []}
    for _round in range(args.rounds):
        for resolve in (False, True):
            empty()
            start = time.process_time()
            run = ingest_service.ingest_run_start(paths=["bench/"], resolve=resolve)
            for story in stories:
                run.add(name=story.path, parsed=story)
            run.finish()
            times[resolve].append(time.process_time() - start)
            people = Entity.objects.filter(kind="person").count()
            print(
                f"resolve {'on ' if resolve else 'off'}: {times[resolve][-1]:.1f} s CPU, "
                f"{people} people, {len(run.resolved.merged)} merges"
            )
    off, on = min(times[False]), min(times[True])
    print(
        f"store: {off:.1f} s without resolution, {on:.1f} s with (+{on - off:.1f} s); "
        f"ingest (tag + store) {tag_cpu + off:.1f} s -> {tag_cpu + on:.1f} s CPU, "
        f"x{(tag_cpu + off) / (tag_cpu + on):.3f} of the speed"
    )
    empty()
    return 0


if __name__ == "__main__":
    sys.exit(main())
