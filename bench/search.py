"""Search at scale: ingest the derived corpus in slices (10k, 30k, 100k) and time the
whole search page (ranking, snippets, facets) for broad, typical and narrow queries."""

from __future__ import annotations

import functools
import json
import os
import random
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from articles.search import STOP_WORDS

from . import copy_archive, corpus
from .common import ROOT, SMALL, WORK, env_for, fresh_database, index_dir, manage
from .ingest import ingest

# Files per growth point; the real corpora hold about 2,900 items that are not stored
# (duplicates, title-less), so the last point stores about 100k stories.
SIZES = [1000, 3000, 5000] if SMALL else [10_000, 30_000, 103_000]
PER_CLASS = 5 if SMALL else 20
CLASSES = {
    # name: (lowest share of stories matched, highest share)
    "broad": (0.30, 1.0),
    "typical": (0.005, 0.02),
    "narrow": (0.0, 0.002),
}
# Words the query parser drops when others are there.
STOP = set(STOP_WORDS)


def candidate_pairs(folders: list[Path], seed: int = 7) -> list[str]:
    """Two-word queries across the range of word frequencies in a sample of the corpus."""
    files = sorted(p for folder in folders for p in folder.glob("*.txt"))
    rng = random.Random(seed)
    sample = rng.sample(files, min(3000, len(files)))
    df: Counter[str] = Counter()
    for path in sample:
        words = set(re.findall(r"[a-z]{4,}", path.read_text(errors="replace").lower()))
        df.update(words - STOP)
    ranked = [w for w, _ in df.most_common()]
    n = len(sample)
    # Broad: pairs of the commonest words; typical and narrow: random pairs of
    # middling and rare words. The probe keeps those whose real match share fits.
    top = [w for w in ranked if df[w] / n >= 0.3][:24]
    middle = [w for w in ranked if 0.03 <= df[w] / n <= 0.2]
    low = [w for w in ranked if 0.004 <= df[w] / n <= 0.03]
    pairs = [f"{a} {b}" for i, a in enumerate(top) for b in top[i + 1 :]]
    for band, count in ((middle, 400), (low, 400)):
        for _ in range(count):
            if len(band) >= 2:
                pairs.append(" ".join(rng.sample(band, 2)))
    rng.shuffle(pairs)
    return list(dict.fromkeys(pairs))


def build_index(database_url: str) -> dict:
    """Build the archive's search index from nothing with the project's own indexer:
    time, peak memory of the indexing process, size on disk."""
    import shutil

    from .ingest import PeakRSS

    folder = index_dir(database_url)
    shutil.rmtree(folder, ignore_errors=True)
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "search_index", "rebuild"],
        cwd=ROOT, env=env_for(database_url), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    rss = PeakRSS(process.pid)
    out, err = process.communicate()
    seconds = time.perf_counter() - start
    peak = rss.stop()
    if process.returncode != 0:
        raise RuntimeError(f"search_index rebuild failed: {err[-2000:]}")
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    return {
        "index_build_seconds": round(seconds, 1),
        "index_peak_rss_mb": peak,
        "index_size_mb": round(size / 1e6, 1),
        "index_summary": out.strip().splitlines()[-1],
    }


def probe(database_url: str, pairs: list[str], warmup: int = 2) -> dict:
    # A snapshot made by an older checkout gets this code's schema first.
    manage(database_url, "migrate", "--noinput", "-v0")
    index = build_index(database_url)
    print(f"  index: {index}", flush=True)
    out = subprocess.run(
        [sys.executable, "-m", "bench.search_probe", json.dumps(
            {"pairs": pairs, "classes": CLASSES, "per_class": PER_CLASS, "warmup": warmup}
        )],
        cwd=ROOT,
        # Rendered on every request: the page cache would serve the repeats stored.
        env={
            **env_for(database_url, NEWSARCHIVE_PAGE_CACHE_SECONDS="0"),
            "DJANGO_SETTINGS_MODULE": "newsarchive.settings",
        },
        capture_output=True,
        text=True,
    )  # fmt: skip
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    return {**json.loads(out.stdout.strip().splitlines()[-1]), **index}


def snapshot(engine: str, url: str, name: str) -> str:
    """A copy of the archive as it stands, to probe later with the search code of the day."""
    if engine == "sqlite":
        import sqlite3

        target = WORK / f"{name}.sqlite3"
        target.unlink(missing_ok=True)
        with sqlite3.connect(url.removeprefix("sqlite:///")) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
        return f"sqlite:///{target}"
    import psycopg

    from .common import PG_ADMIN, pg_url

    source = url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN.replace("postgres://", "postgresql://"), autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    return pg_url(name)


@functools.cache
def build(engine: str) -> list[dict]:
    """Ingest the derived corpus slice by slice, timing each, with a snapshot at each size.
    The record goes to bench/work/growth-<engine>.json; an existing record is reused.
    Built once per run: PostgreSQL's copies take the SQLite archives this run made."""
    record = WORK / f"growth-{engine}{'-small' if SMALL else ''}.json"
    if record.exists() and os.environ.get("BENCH_REBUILD") != "1":
        return json.loads(record.read_text())
    if engine == "postgresql" and os.environ.get("BENCH_PG_INGEST") != "1":
        # The same archives as SQLite's, row for row: ingest is timed once, on SQLite
        # (BENCH_PG_INGEST=1 ingests into PostgreSQL as well, doubling the run).
        points = []
        for point in build("sqlite"):
            print(f"search/postgresql: copy the archive at {point['size']}", flush=True)
            url = copy_archive.copy(
                point["database_url"].removeprefix("sqlite:///"),
                f"bench_search_postgresql_{point['size']}",
            )
            points.append({"size": point["size"], "copied_from": "sqlite", "database_url": url})
        record.write_text(json.dumps(points, indent=2) + "\n")
        return points
    slices = corpus.build(WORK / ("corpus-small" if SMALL else "corpus100k"), SIZES)
    url = fresh_database(engine, f"bench_search_{engine}")
    manage(url, "collectstatic", "--noinput", "-v0")
    points, elapsed = [], 0.0
    # Derived stories go in through bench/tail.py (their originals' rows and mentions)
    # unless BENCH_TAIL=0: ingesting ~75,000 re-ordered copies re-tags text already
    # tagged, hours on two cores. Real stories are always ingested by `manage.py ingest`.
    tail = engine == "sqlite" and os.environ.get("BENCH_TAIL", "1") == "1"
    for size, folder in zip(SIZES, slices, strict=True):
        print(f"search/{engine}: ingest up to {size}", flush=True)
        paths = [str(folder)]
        if tail:
            paths = ["--exclude", "d*.txt", *paths]
        measured = ingest(url, paths, corpus.manifest_for(folder))
        elapsed += measured["seconds"]
        derived = 0
        if tail:
            start = time.perf_counter()
            out = subprocess.run(
                [sys.executable, "-m", "bench.tail", url.removeprefix("sqlite:///"), str(folder)],
                cwd=ROOT, check=True, capture_output=True, text=True,
            )  # fmt: skip
            derived = int(re.findall(r"tail: (\d+) derived", out.stdout)[-1])
            measured["tail_seconds"] = round(time.perf_counter() - start, 1)
        points.append(
            {
                "size": size,
                "ingest_seconds": measured["seconds"],
                "ingest_seconds_total": round(elapsed, 1),
                "ingest_peak_rss_mb": measured["peak_rss_mb"],
                "ingest_summary": measured["summary"],
                "derived_by_tail": derived,
                "tail_seconds": measured.get("tail_seconds", 0.0),
                "database_url": snapshot(engine, url, f"bench_search_{engine}_{size}"),
            }
        )
        print(f"  {points[-1]}", flush=True)
    record.write_text(json.dumps(points, indent=2) + "\n")
    return points


def run(engines: list[str]) -> dict:
    slices = corpus.build(WORK / ("corpus-small" if SMALL else "corpus100k"), SIZES)
    pairs = candidate_pairs(slices)
    results: dict = {}
    for engine in engines:
        growth = []
        for point in build(engine):
            print(f"search/{engine}: probe at {point['size']}", flush=True)
            timings = probe(point["database_url"], pairs)
            extra = {k: v for k, v in timings.items() if k not in ("stories", "classes")}
            growth.append(
                {**point, "stories": timings["stories"], "search": timings["classes"], **extra}
            )
            print(f"  {growth[-1]['search']}", flush=True)
        final = growth[-1]
        results[engine] = {
            name: {**values, "archive_stories": final["stories"]}
            for name, values in final["search"].items()
        }
        results[engine]["growth"] = growth
        results[engine]["database_url"] = final["database_url"]
    return results
