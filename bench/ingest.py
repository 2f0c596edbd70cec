"""Ingest end to end (parse, tag, store) against spaCy NER alone on the same texts."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

from .common import CORPUS, ROOT, SMALL, WORK, env_for, fresh_database

SMALL_COUNT = 2000


class PeakRSS:
    """Samples the resident memory of a process tree (the command and its workers)."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak_kb, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _tree(self) -> list[int]:
        pids, frontier = [self.pid], [self.pid]
        while frontier:
            children = []
            for pid in frontier:
                try:
                    with open(f"/proc/{pid}/task/{pid}/children") as handle:
                        children += [int(c) for c in handle.read().split()]
                except OSError:
                    continue
            pids += children
            frontier = children
        return pids

    def _run(self) -> None:
        while not self._stop.is_set():
            total = 0
            for pid in self._tree():
                try:
                    with open(f"/proc/{pid}/status") as status:
                        for line in status:
                            if line.startswith("VmRSS"):
                                total += int(line.split()[1])
                except OSError:
                    continue
            self.peak_kb = max(self.peak_kb, total)
            time.sleep(0.25)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return round(self.peak_kb / 1024, 1)


def inputs() -> list[str]:
    reuters, bbc = CORPUS / "reuters21578" / "articles", CORPUS / "bbc"
    if not SMALL:
        return [str(reuters), str(bbc)]
    # A fixed sample of both corpora, linked into one folder.
    folder = WORK / "ingest-small"
    if not folder.exists():
        folder.mkdir(parents=True)
        files = sorted(reuters.glob("*.txt"))[: SMALL_COUNT * 3 // 4]
        files += sorted(bbc.glob("*/*.txt"))[: SMALL_COUNT // 4]
        for file in files:
            (folder / f"{file.parent.name}-{file.name}").symlink_to(file)
    return [str(folder)]


def ingest(database_url: str, paths: list[str], manifest: Path | None = None) -> dict:
    args = [sys.executable, "manage.py", "ingest", "-v1", *paths]
    if manifest:
        args[4:4] = ["--manifest", str(manifest)]
    start = time.perf_counter()
    process = subprocess.Popen(
        args, cwd=ROOT, env=env_for(database_url), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    rss = PeakRSS(process.pid)
    out, err = process.communicate()
    seconds = time.perf_counter() - start
    peak = rss.stop()
    if process.returncode not in (0, 1):
        raise RuntimeError(f"ingest failed: {err[-2000:]}")
    summary = out.strip().splitlines()[-1] if out.strip() else ""
    return {"seconds": round(seconds, 1), "peak_rss_mb": peak, "summary": summary}


def stored_words(database_url: str) -> tuple[int, int]:
    code = (
        "import django; django.setup();"
        "from django.db.models import Sum; from articles.models import Article;"
        "print(Article.objects.count(), Article.objects.aggregate(w=Sum('word_count'))['w'] or 0)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env_for(database_url), "DJANGO_SETTINGS_MODULE": "newsarchive.settings"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return int(out[0]), int(out[1])


NER_ALONE = r"""
import sys, time, json
from pathlib import Path
sys.path.insert(0, ".")
from articles import ingest, tagging
from articles.tagging.entities import ner_text
texts, words = [], 0
for item in ingest.iter_inputs(sys.argv[1:]):
    try:
        story = ingest.parse_bytes(item.data, path=item.name)
    except ingest.IngestError:
        continue
    text = ner_text(story)
    texts.append(text)
    words += len(text.split())
nlp = tagging.get_nlp()
start = time.perf_counter()
for _ in nlp.pipe(texts, n_process=2, batch_size=64):
    pass
seconds = time.perf_counter() - start
print(json.dumps({"texts": len(texts), "words": words, "seconds": seconds}))
"""


def ner_alone(paths: list[str]) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", NER_ALONE, *paths],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    import json

    result = json.loads(out.strip().splitlines()[-1])
    result["words_per_s"] = round(result["words"] / result["seconds"])
    return result


def run(engine: str = "sqlite") -> dict:
    paths = inputs()
    url = fresh_database(engine, f"bench_ingest_{engine}")
    manifest = CORPUS / "reuters21578" / "metadata.tsv"
    print(f"ingest: {paths} into {engine}", flush=True)
    measured = ingest(url, paths, manifest)
    stories, words = stored_words(url)
    print("ner alone (2 processes)", flush=True)
    ner = ner_alone(paths)
    # Both rates count the same words: those of the texts the model reads (headline and
    # body of every parsed file, duplicates included, since ingest tags them too).
    result = {
        "engine": engine,
        "stories": stories,
        "words": ner["words"],
        "stored_body_words": words,
        "seconds": measured["seconds"],
        "words_per_s": round(ner["words"] / measured["seconds"]),
        "ner_alone_words_per_s": ner["words_per_s"],
        "ner_alone_seconds": round(ner["seconds"], 1),
        "ratio_to_ner_alone": round(ner["words"] / measured["seconds"] / ner["words_per_s"], 2),
        "peak_rss_mb": measured["peak_rss_mb"],
        "summary": measured["summary"],
        "database_url": url,
    }
    print(f"  {result}", flush=True)
    return result
