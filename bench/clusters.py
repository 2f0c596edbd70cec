"""Story clusters: detection quality on labelled pairs, and what detection costs.

`python -m bench.clusters pairs` builds the labelled pairs from the corpora, compares
the candidate finders (datasketch MinHash/LSH against a simpler bottom-k sketch),
chooses the thresholds on half A and reports precision and recall on both halves.
`python -m bench.clusters archive` takes a copy of the search benchmark's 100k archive,
migrates it, times `manage.py clusters rebuild` and the search index's build, times the
versions page and the browse pages collapsed and not, and ingests the same new stories
with detection on and off (bench/results/clusters_100k.json). `python -m bench.clusters
ingest` measures ingest with detection on and off on a small archive it builds itself;
`python -m bench.clusters groups` what one ingest group's clusters cost the database
(queries, statements, wall and CPU time).

The labelled pairs (none of the corpus text is kept in the repository; the labels
name files):
- natural: every BBC pair whose bodies share at least 30% of the shorter one's word
  5-shingles (a deliberately wide net, found exactly with an inverted index), and a
  sample of Reuters pairs over 50%. Byte-identical bodies are the same story; the
  others are labelled by reading them (bench/cluster_labels.tsv: a rewritten or
  updated article is the same story, a separate article on the same event is not).
- invented copies of 400 real stories: trimmed, re-headlined with a publisher's
  chrome, updated (a paragraph added, a sentence changed), re-ordered (as
  bench/corpus.py derives them), and all of these at once: the same story.
- different stories on the same topic: for each of those 400, the real story of the
  same BBC section or Reuters topic that shares the most shingles with it (below the
  30% net), and one at random from its section: not the same story.
Each pair goes to half A or B by a hash of its files' names.
"""

from __future__ import annotations

import csv
import hashlib
import itertools
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from articles.clusters import detect

from .common import (
    CORPUS,
    RESULTS,
    ROOT,
    WORK,
    env_for,
    fresh_database,
    index_dir,
    manage,
    summary_ms,
)

LABELS = ROOT / "bench" / "cluster_labels.tsv"
SAMPLE = 400
NET = 0.3


@dataclass
class Story:
    key: str  # corpus-relative path
    title: str
    paragraphs: list[str]
    group: str  # BBC section or first Reuters topic

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)


@dataclass
class Pair:
    a: str  # body texts
    b: str
    same: bool
    kind: str
    key: str

    @property
    def half(self) -> str:
        return "A" if hashlib.sha1(self.key.encode()).digest()[0] % 2 == 0 else "B"


def _split(text: str) -> tuple[str, list[str]]:
    title, _, rest = text.strip().partition("\n")
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n|\n(?=\s{3,}\S)", rest) if p.strip()]
    return title.strip(), [" ".join(p.split()) for p in paragraphs]


def stories() -> list[Story]:
    topics = {}
    with open(CORPUS / "reuters21578" / "metadata.tsv", encoding="utf-8", errors="replace") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            topics[row["newid"]] = (row.get("topics") or "").split(",")[0]
    out = []
    for path in sorted((CORPUS / "reuters21578" / "articles").glob("*.txt")):
        title, paragraphs = _split(path.read_bytes().decode("utf-8", "replace"))
        group = "reuters:" + (topics.get(str(int(path.stem))) or "-")
        out.append(Story(f"reuters21578/articles/{path.name}", title, paragraphs, group))
    for path in sorted((CORPUS / "bbc").glob("*/*.txt")):
        title, paragraphs = _split(path.read_bytes().decode("utf-8", "replace"))
        key = f"bbc/{path.parent.name}/{path.name}"
        out.append(Story(key, title, paragraphs, "bbc:" + path.parent.name))
    return out


def overlapping(corpus: list[Story], prefix: str, net: float) -> list[tuple[float, Story, Story]]:
    """Every pair of `prefix` stories sharing at least `net` of the smaller one's shingles,
    exactly (an inverted index over shingles; the commonest ones, in over 50 stories,
    are boilerplate and left out of the count)."""
    chosen = [s for s in corpus if s.key.startswith(prefix)]
    sets = [detect.shingles(detect.words(s.body)) for s in chosen]
    postings = defaultdict(list)
    for i, hashed in enumerate(sets):
        for h in hashed:
            postings[h].append(i)
    shared: Counter = Counter()
    for ids in postings.values():
        if len(ids) <= 50:
            shared.update(itertools.combinations(ids, 2))
    out = []
    for (i, j), n in shared.items():
        smaller = min(len(sets[i]), len(sets[j]))
        if smaller and n / smaller >= net:
            out.append((n / smaller, chosen[i], chosen[j]))
    return sorted(out, key=lambda row: (-row[0], row[1].key, row[2].key))


def read_labels() -> dict[tuple[str, str], bool]:
    labels = {}
    with open(LABELS, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            a, b, label, *_ = line.rstrip("\n").split("\t")
            labels[(a, b)] = label == "same"
    return labels


CHROME_TOP = "This story was published by {site}. Copyright © 2026 The Associated Press."
CHROME_END = "Sign up for our newsletter. Follow {site} on Facebook and X for more stories."


def invented(story: Story, rng: random.Random) -> list[tuple[str, list[str]]]:
    """Copies of one story as other sites run it."""
    p = story.paragraphs
    keep = max(2, round(len(p) * rng.uniform(0.6, 0.85)))
    trimmed = p[:keep]
    site = rng.choice(["KSL.com", "The Seattle Times", "WTOP", "Yahoo News", "Fox 13"])
    chrome = [CHROME_TOP.format(site=site), *p, CHROME_END.format(site=site)]
    updated = list(p)
    updated.insert(rng.randint(1, len(p)), "Officials said more details would be released later.")
    sentence = updated[0].split(". ")
    if len(sentence) > 1:
        updated[0] = ". ".join([*sentence[:-1], "officials said on Tuesday"])
    else:
        updated[0] += " Officials confirmed the report."
    reordered = [p[0], *rng.sample(p[1:], len(p) - 1)]
    everything = [CHROME_TOP.format(site=site), *[p[0], *rng.sample(p[1:keep], keep - 1)]]
    everything.insert(2, "Officials said more details would be released later.")
    return [
        ("trimmed", trimmed),
        ("re-headlined with chrome", chrome),
        ("updated", updated),
        ("re-ordered", reordered),
        ("trimmed, re-ordered, updated, chrome", everything),
    ]


def labelled_pairs(corpus: list[Story]) -> list[Pair]:
    pairs: list[Pair] = []
    labels = read_labels()
    natural = overlapping(corpus, "bbc/", NET)
    natural_keys = set()
    for _, a, b in natural:
        natural_keys.add((a.key, b.key))
        if a.body == b.body:
            pairs.append(Pair(a.body, b.body, True, "natural: identical", f"{a.key} {b.key}"))
        elif (a.key, b.key) in labels:
            kind = "natural: " + ("same" if labels[(a.key, b.key)] else "different")
            pairs.append(Pair(a.body, b.body, labels[(a.key, b.key)], kind, f"{a.key} {b.key}"))
        else:
            raise SystemExit(f"no label for the BBC pair {a.key} {b.key}")
    by_key = {s.key: s for s in corpus}
    for (a, b), same in labels.items():
        if a.startswith("reuters"):
            kind = "natural: " + ("same" if same else "different")
            pairs.append(Pair(by_key[a].body, by_key[b].body, same, kind, f"{a} {b}"))

    rng = random.Random(17)
    usable = [s for s in corpus if len(s.paragraphs) >= 3 and len(s.body.split()) >= 60]
    by_group = defaultdict(list)
    for s in usable:
        by_group[s.group].append(s)
    sample = rng.sample(usable, SAMPLE)
    cached: dict[str, frozenset[int]] = {}

    def shingled(story: Story) -> frozenset[int]:
        if story.key not in cached:
            cached[story.key] = detect.shingles(detect.words(story.body))
        return cached[story.key]

    for story in sample:
        for kind, paragraphs in invented(story, rng):
            pairs.append(
                Pair(
                    story.body, "\n\n".join(paragraphs), True, f"invented: {kind}", story.key + kind
                )
            )
        mine = shingled(story)
        near, best = None, -1.0
        for other in by_group[story.group]:
            if other.key == story.key or other.body == story.body:
                continue
            theirs = shingled(other)
            shared = len(mine & theirs) / max(1, min(len(mine), len(theirs)))
            if shared < NET and shared > best and (story.key, other.key) not in natural_keys:
                near, best = other, shared
        if near is not None:
            pairs.append(
                Pair(story.body, near.body, False, "same topic: nearest", f"{story.key} {near.key}")
            )
        other = rng.choice(by_group[story.group])
        if other.key != story.key and other.body != story.body:
            pairs.append(
                Pair(
                    story.body, other.body, False, "same topic: random", f"{story.key} {other.key}"
                )
            )
    return pairs


def score(rows: list[tuple[detect.Similarity, bool]], thresholds: detect.Thresholds) -> dict:
    tp = sum(1 for s, same in rows if same and detect.same_story(s, thresholds))
    fp = sum(1 for s, same in rows if not same and detect.same_story(s, thresholds))
    positives = sum(1 for _, same in rows if same)
    return {
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": tp / positives if positives else 1.0,
        "pairs": len(rows),
        "same": positives,
        "false_joins": fp,
        "missed": positives - tp,
    }


HAND = ("natural: same", "natural: different")  # the pairs a person labelled


def choose(rows: list[tuple[detect.Similarity, bool]], hand: list[tuple[detect.Similarity, bool]]):
    """The thresholds with precision 0.99 or more on every pair and 0.95 or more on the
    hand-labelled ones, with the best recall on the hand-labelled pairs, then on every
    pair, then the strictest among equals (highest thresholds, closest datelines)."""
    best, best_key = None, None
    for c, alone, head, j, n, days, (short, c_short) in itertools.product(
        (0.5, 0.55, 0.6),
        (0.62, 0.66, 0.7, 0.75, 0.8),
        (0.3, 0.4, 0.5, 0.6),
        (0.1, 0.2, 0.3),
        (0.0, 0.3, 0.5),
        (1, 2, 3, 366),
        ((0, 0.0), (30, 0.85), (30, 0.9), (45, 0.85), (45, 0.9), (60, 0.9)),
    ):
        t = detect.Thresholds(
            containment=c, jaccard=j, numbers=n, head=head, containment_alone=alone,
            days_apart=days, short=short, containment_short=c_short,
        )  # fmt: skip
        found, by_hand = score(rows, t), score(hand, t)
        if found["precision"] < 0.99 or by_hand["precision"] < 0.95:
            continue
        key = (by_hand["recall"], found["recall"], c + alone + head + j + n + c_short, -days, short)
        if best_key is None or key > best_key:
            best, best_key = t, key
    return best


def candidate_finders(corpus: list[Story], pairs: list[Pair]) -> dict:
    """datasketch MinHash/LSH bands against the simpler bottom-k sketch (the k smallest
    shingle hashes; two stories sharing one are candidates): how many same-story pairs
    each finds, how many candidates a story gets on the real corpus, and the time."""

    def bottom_k(hashed: frozenset[int], k: int = detect.KEY_COUNT) -> tuple[int, ...]:
        return tuple(sorted(hashed)[:k])

    out = {}
    positives = [p for p in pairs if p.same]
    for name, keys in (
        ("minhash_lsh", lambda h: detect.candidate_keys(h)),
        ("bottom_k", bottom_k),
    ):
        found = 0
        for pair in positives:
            ka = keys(detect.shingles(detect.words(pair.a)))
            kb = keys(detect.shingles(detect.words(pair.b)))
            found += bool(set(ka) & set(kb))
        postings: dict[int, list[int]] = defaultdict(list)
        started = time.perf_counter()
        all_keys = []
        for i, story in enumerate(corpus):
            ks = keys(detect.shingles(detect.words(story.body)))
            all_keys.append(ks)
            for key in ks:
                postings[key].append(i)
        seconds = time.perf_counter() - started
        per_story = []
        for i, ks in enumerate(all_keys):
            candidates = set()
            for key in ks:
                candidates.update(postings[key])
            candidates.discard(i)
            per_story.append(len(candidates))
        per_story.sort()
        out[name] = {
            "candidate_recall": found / len(positives),
            "candidates_mean": statistics.mean(per_story),
            "candidates_p99": per_story[int(0.99 * (len(per_story) - 1))],
            "candidates_max": per_story[-1],
            "ms_per_story": seconds / len(corpus) * 1000,
        }
    return out


def run_pairs() -> dict:
    corpus = stories()
    pairs = labelled_pairs(corpus)
    rows: dict[str, list] = {"A": [], "B": []}
    hand: dict[str, list] = {"A": [], "B": []}
    natural: dict[str, list] = {"A": [], "B": []}
    kinds: dict[str, list] = defaultdict(list)
    for pair in pairs:
        found = detect.similarity(detect.fingerprint(pair.a), detect.fingerprint(pair.b))
        rows[pair.half].append((found, pair.same))
        if pair.kind in HAND:
            hand[pair.half].append((found, pair.same))
        if pair.kind.startswith("natural"):
            natural[pair.half].append((found, pair.same))
        kinds[pair.kind].append((pair.half, found, pair.same))
    chosen = choose(rows["A"], hand["A"])
    result = {
        "chosen_on_A": chosen.__dict__,
        "default": detect.DEFAULT.__dict__,
        "halves": {h: score(rows[h], detect.DEFAULT) for h in "AB"},
        "halves_hand_labelled": {h: score(hand[h], detect.DEFAULT) for h in "AB"},
        "halves_natural": {h: score(natural[h], detect.DEFAULT) for h in "AB"},
        "halves_with_chosen": {h: score(rows[h], chosen) for h in "AB"},
        "halves_hand_labelled_with_chosen": {h: score(hand[h], chosen) for h in "AB"},
        "by_kind": {
            kind: {
                "pairs": len(items),
                "joined": sum(detect.same_story(s, detect.DEFAULT) for _, s, _ in items),
                "same": sum(same for *_, same in items),
            }
            for kind, items in sorted(kinds.items())
        },
    }
    if os.environ.get("BENCH_CLUSTERS_FINDERS", "1") == "1":
        result["finders"] = candidate_finders(corpus, pairs)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "clusters_pairs.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


def label_sheet(prefix: str, low: float, high: float, limit: int) -> None:
    """Print the natural pairs to label, one a line (for bench/cluster_labels.tsv)."""
    corpus = stories()
    rows = [r for r in overlapping(corpus, prefix, low) if r[0] < high and r[1].body != r[2].body]
    rng = random.Random(5)
    if len(rows) > limit:
        rows = sorted(rng.sample(rows, limit), key=lambda r: -r[0])
    for share, a, b in rows:
        print(f"{a.key}\t{b.key}\t?\t{share:.2f}\t{a.title[:60]}\t{b.title[:60]}")


# The 100k archive: a copy of the search benchmark's (bench/search.py builds it; it is
# only read, with SQLite's backup API, never written).
ARCHIVE = Path(
    os.environ.get(
        "BENCH_CLUSTERS_ARCHIVE",
        "/work/main/bench/work/bench_search_sqlite_100000.sqlite3",
    )
)
PORT = 8117
INGEST_FILES = int(os.environ.get("BENCH_CLUSTERS_INGEST", "1200"))  # new derived stories
PAGE_SAMPLE = 200


def _copy(source: Path, name: str) -> str:
    import sqlite3

    target = WORK / f"{name}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    src, dst = sqlite3.connect(f"file:{source}?mode=ro", uri=True), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return f"sqlite:///{target}"


def _timed(url: str, *args: str, script: str | None = None, **env: str) -> dict:
    """A manage.py command against `url` (or `script` run with `args`), timed, with its
    peak memory, its CPU time (its own, its threads' and its workers': on a shared
    machine the wall time is mostly other people's load) and its last line."""
    import resource

    from .ingest import PeakRSS

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    command = ["-c", script] if script is not None else ["manage.py"]
    process = subprocess.Popen(
        [sys.executable, *command, *args], cwd=ROOT, env=env_for(url, **env),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    rss = PeakRSS(process.pid)
    out, err = process.communicate()
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    peak = rss.stop()
    if process.returncode not in (0, 1):
        raise RuntimeError(f"{args} failed: {err[-2000:]}")
    lines = out.strip().splitlines()
    return {
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu, 2),
        "peak_rss_mb": peak,
        "said": lines[-1] if lines else "",
    }


def _connect(url: str):
    """A DB-API connection to the archive at `url`, SQLite or PostgreSQL."""
    if url.startswith("sqlite:///"):
        import sqlite3

        return sqlite3.connect(url.removeprefix("sqlite:///"))
    import psycopg

    return psycopg.connect(url.replace("postgres://", "postgresql://"))


def _shape(url: str) -> dict:
    """What the clusters make of the archive: how many stories a collapsed list counts."""
    from contextlib import closing

    with closing(_connect(url)) as db:
        one = lambda sql: db.execute(sql).fetchone()[0]  # noqa: E731
        sizes = sorted(
            n
            for (n,) in db.execute(
                "SELECT COUNT(*) FROM articles_article WHERE cluster_id IS NOT NULL"
                " AND is_public GROUP BY cluster_id"
            )
        )
        stories = one("SELECT COUNT(*) FROM articles_article WHERE is_public")
        alone = one("SELECT COUNT(*) FROM articles_article WHERE is_public AND cluster_id IS NULL")
        return {
            "public_stories": stories,
            "clusters": len(sizes),
            "copies_in_clusters": sum(sizes),
            "stories_alone": alone,
            "collapsed_count": alone + len(sizes),
            "cluster_size_p50": statistics.median(sizes) if sizes else 0,
            "cluster_size_p99": sizes[int(0.99 * (len(sizes) - 1))] if sizes else 0,
            "cluster_size_max": sizes[-1] if sizes else 0,
            "cluster_keys": one("SELECT COUNT(*) FROM articles_clusterkey"),
        }


def clusters_formed(url: str) -> dict[str, tuple]:
    """Each story's cluster as its fellow copies' paths (or None), and its rank, by the
    story's path: what two ingests of the same files must agree on."""
    from contextlib import closing

    with closing(_connect(url)) as db:
        rows = db.execute(
            "SELECT source_path, cluster_id, cluster_rank FROM articles_article"
        ).fetchall()
    members: dict = defaultdict(list)
    for path, cluster_id, _rank in rows:
        if cluster_id is not None:
            members[cluster_id].append(path)
    return {
        path: (tuple(sorted(members[cluster_id])) if cluster_id is not None else None, rank)
        for path, cluster_id, rank in rows
    }


def compare_clusters(first: str, second: str) -> dict:
    """How many stories two archives of the same files place differently (0: the same
    clusters and ranks), e.g. the detection-on archive of `ingest` before and after a
    change to how ingest decides clusters."""
    a, b = clusters_formed(first), clusters_formed(second)
    differ = sorted(path for path in set(a) | set(b) if a.get(path) != b.get(path))
    return {
        "stories": [len(a), len(b)],
        "in_clusters": [sum(1 for v in a.values() if v[0]), sum(1 for v in b.values() if v[0])],
        "placed_differently": len(differ),
        "examples": differ[:5],
    }


def _page_urls(url: str, rng: random.Random) -> dict[str, list[str]]:
    import sqlite3

    with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
        copies: dict[int, list[int]] = defaultdict(list)
        slugs: dict[int, str] = {}
        for cluster, pk, slug in db.execute(
            "SELECT cluster_id, id, slug FROM articles_article WHERE cluster_id IS NOT NULL"
            " AND is_public ORDER BY cluster_id, cluster_rank"
        ):
            copies[cluster].append(pk)
            slugs[pk] = slug
        shown = [c for c, pks in copies.items() if len(pks) > 1]
        sample = rng.sample(shown, min(PAGE_SAMPLE, len(shown)))
        # The biggest clusters too: the page lists every copy, so they are the slowest.
        biggest = sorted(shown, key=lambda c: -len(copies[c]))[:10]
        person = db.execute(
            "SELECT e.kind, e.slug FROM articles_entity e JOIN articles_mention m"
            " ON m.entity_id = e.id WHERE e.kind = 'person'"
            " GROUP BY e.id ORDER BY COUNT(*) DESC LIMIT 1"
        ).fetchone()
        source = db.execute(
            "SELECT s.slug FROM articles_source s JOIN articles_article a ON a.source_id = s.id"
            " GROUP BY s.id ORDER BY COUNT(*) DESC LIMIT 1"
        ).fetchone()[0]
    pairs = []
    for cluster in sample:
        a, b = rng.sample(copies[cluster], 2)
        pairs.append(f"/clusters/{cluster}/?a={a}&b={b}")
    entity = f"/people/{person[1]}/"
    last = [copies[c][-1] for c in sample]
    return {
        "versions page (original and next)": [f"/clusters/{c}/" for c in sample],
        "versions page (two copies at random)": pairs,
        "versions page (the 10 biggest clusters)": [f"/clusters/{c}/" for c in biggest] * 3,
        "story page of a copy": [f"/stories/{pk}-{slugs[pk]}/" for pk in last[:50]],
        "home, collapsed": ["/"] * 30,
        "home, every copy": ["/?copies=all"] * 30,
        "top person's page, collapsed": [entity] * 20,
        "top person's page, every copy": [entity + "?copies=all"] * 20,
        "top source's page, collapsed": [f"/sources/{source}/"] * 20,
        "top source's page, every copy": [f"/sources/{source}/?copies=all"] * 20,
        "search 'oil', collapsed": ["/search/?q=oil"] * 20,
        "search 'oil', every copy": ["/search/?q=oil&copies=all"] * 20,
    }


def _time_pages(url: str, pages: dict[str, list[str]]) -> dict:
    """Each page asked for in turn of one gunicorn worker, the page cache off; every
    address once to warm up, then timed."""
    import urllib.request

    from . import pages as server

    server.PORT = PORT
    process = server.start_gunicorn(url, workers=1, NEWSARCHIVE_PAGE_CACHE_SECONDS="0")
    out = {}
    try:
        for name, paths in pages.items():
            seconds = []
            for warm in (True, False):
                for path in paths:
                    start = time.perf_counter()
                    with urllib.request.urlopen(f"http://127.0.0.1:{PORT}{path}") as answer:
                        answer.read()
                    if not warm:
                        seconds.append(time.perf_counter() - start)
            out[name] = {"requests": len(seconds), **summary_ms(seconds)}
            print(f"  {name}: {out[name]}", flush=True)
    finally:
        server.stop(process)
    return out


_IN_PROCESS = """
import json, sys, time
import django
django.setup()
from django.test import Client
client, out = Client(), {}
for name, paths in json.load(sys.stdin).items():
    wall, cpu = [], []
    for warm in (True, False):
        for path in paths:
            w, c = time.perf_counter(), time.process_time()
            answer = client.get(path)
            assert answer.status_code == 200, (path, answer.status_code)
            if not warm:
                wall.append(time.perf_counter() - w)
                cpu.append(time.process_time() - c)
    out[name] = (wall, cpu)
print(json.dumps(out))
"""


def _time_pages_in_process(url: str, pages: dict[str, list[str]]) -> dict:
    """Each page through Django's test client in one process, the page cache off: its
    wall time and its CPU time (what a page costs, less the machine's load)."""
    env = env_for(
        url, NEWSARCHIVE_PAGE_CACHE_SECONDS="0", DJANGO_SETTINGS_MODULE="newsarchive.settings"
    )
    done = subprocess.run(
        [sys.executable, "-c", _IN_PROCESS], cwd=ROOT, env=env, input=json.dumps(pages),
        capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode:
        raise RuntimeError(done.stderr[-3000:])
    out = {}
    for name, (wall, cpu) in json.loads(done.stdout).items():
        out[name] = {"requests": len(wall), **summary_ms(wall),
                     "cpu": summary_ms(cpu)}  # fmt: skip
        print(f"  in process, {name}: {out[name]}", flush=True)
    return out


def _new_stories(limit: int | None = None) -> tuple[list[Path], int]:
    """INGEST_FILES derived stories the archive does not hold (another seed than the
    archive's), in two folders of half each, and how many words they hold: copies of
    the first `limit` real stories (all when None)."""
    halves, words = _new_halves(limit)
    return halves, sum(words)


def _new_halves(limit: int | None = None, kind: str = "derived") -> tuple[list[Path], list[int]]:
    """_new_stories' two folders, and the words each holds. `kind` "real": instead of
    copies, the INGEST_FILES real stories that come after the first `limit` in the
    corpora's order (an archive's ordinary next batch: a few of them are copies)."""
    from . import corpus

    folder = WORK / "clusters-ingest"
    halves = [folder / "h1", folder / "h2"]
    for half in halves:
        shutil.rmtree(half, ignore_errors=True)
        half.mkdir(parents=True)
    words = [0, 0]
    if kind == "real":
        following = corpus.real_sources((limit or 0) + INGEST_FILES)[limit or 0 :]
        for i, source in enumerate(following):
            target = halves[i % 2] / f"{source.path.parent.name}-{source.path.name}"
            shutil.copy(source.path, target)
            words[i % 2] += len(target.read_bytes().decode("utf-8", "replace").split())
        return halves, words
    made = corpus.derived(corpus.real_sources(limit), INGEST_FILES, seed=2026)
    for i, (name, text, _date) in enumerate(made):
        (halves[i % 2] / f"new-{name}").write_text(text, encoding="utf-8")
        words[i % 2] += len(text.split())
    return halves, words


def run_archive() -> dict:
    """The archive at 100k: `clusters rebuild` on a copy, the search index built with
    clusters, the cluster pages' latency, and ingest with detection on and off."""
    if not ARCHIVE.is_file():
        raise SystemExit(f"no archive at {ARCHIVE} (set BENCH_CLUSTERS_ARCHIVE)")
    WORK.mkdir(parents=True, exist_ok=True)
    result: dict = {"archive": str(ARCHIVE)}
    print("clusters: copy and migrate the archive", flush=True)
    base = _copy(ARCHIVE, "clusters_100k")
    manage(base, "migrate", "--noinput", "-v0")
    manage(base, "collectstatic", "--noinput", "-v0")
    print("clusters: rebuild", flush=True)
    result["rebuild"] = _timed(base, "clusters", "rebuild")
    result["shape"] = _shape(base)
    print(f"  {result['rebuild']}\n  {result['shape']}", flush=True)
    shutil.rmtree(index_dir(base), ignore_errors=True)
    result["search_index_build"] = _timed(base, "search_index", "rebuild")
    print(f"  index: {result['search_index_build']}", flush=True)
    result["pages"] = _time_pages(base, _page_urls(base, random.Random(17)))
    result["ingest"] = _ingest_on_and_off(base)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "clusters_100k.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


SMALL_ARCHIVE = int(os.environ.get("BENCH_CLUSTERS_SMALL", "1500"))


def _database_name(name: str) -> str:
    """A PostgreSQL database's name for this checkout (several share one server)."""
    return f"{name}_{re.sub(r'[^a-z0-9]', '', ROOT.name.lower())}"


def _clone(base: str, name: str) -> str:
    """A copy of the archive at `base` (SQLite's backup API, or a PostgreSQL template)."""
    if base.startswith("sqlite:///"):
        return _copy(Path(base.removeprefix("sqlite:///")), name)
    import psycopg

    from .common import PG_ADMIN, pg_url

    target, source = _database_name(name), base.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN.replace("postgres://", "postgresql://"), autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
    return pg_url(target)


def run_ingest(engine: str = "sqlite", kind: str = "derived") -> dict:
    """Ingest speed with detection on and off, in the same run, on an archive this machine
    builds in a few minutes: the first SMALL_ARCHIVE real stories (Reuters first) ingested
    with detection, then half of INGEST_FILES new stories into a fresh copy of it,
    INGEST_PAIRS times with detection on and off, interleaved (_ingest_pairs). The new
    stories are, by `kind`, "derived" copies of the archive's (each joins a cluster: the
    costly path) or the "real" stories that come next in the corpora (an ordinary batch)
    (bench/results/clusters_ingest[_postgres][_real].json). `engine` is sqlite or postgres."""
    from . import corpus

    folder = WORK / "clusters-small-archive"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for source in corpus.real_sources(SMALL_ARCHIVE):
        shutil.copy(source.path, folder / f"{source.path.parent.name}-{source.path.name}")
    name = "clusters_small" if engine == "sqlite" else _database_name("clusters_small")
    base = fresh_database(engine, name)
    shutil.rmtree(index_dir(base), ignore_errors=True)
    print(f"clusters: the archive of {SMALL_ARCHIVE} real stories ({engine})", flush=True)
    built = _timed(base, "ingest", str(folder))
    print(f"  {built}", flush=True)
    result = {
        "engine": engine,
        "kind": kind,
        "measured": time.strftime("%Y-%m-%d", time.gmtime()),
        "archive_stories": SMALL_ARCHIVE,
        "archive_ingest": built,
    }
    result["shape"] = _shape(base)
    result["ingest"] = _ingest_pairs(base, limit=SMALL_ARCHIVE, kind=kind)
    RESULTS.mkdir(exist_ok=True)
    suffix = ("" if engine == "sqlite" else f"_{engine}") + (
        "" if kind == "derived" else f"_{kind}"
    )
    (RESULTS / f"clusters_ingest{suffix}.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


PAGES_STORIES = int(os.environ.get("BENCH_CLUSTERS_PAGES", "40000"))


def _build_pages_archive() -> dict:
    """The small archive's copy with PAGES_STORIES derived stories in their originals'
    clusters, migrated, with its search index."""
    import sqlite3
    from contextlib import closing
    from datetime import datetime

    from . import corpus, tail

    small = WORK / "clusters_small.sqlite3"
    if not small.is_file():
        raise SystemExit("no small archive: run `python -m bench.clusters ingest` first")
    base = _copy(small, "clusters_pages")
    folder = WORK / "clusters-pages" / "slice00"
    shutil.rmtree(folder.parent, ignore_errors=True)
    folder.mkdir(parents=True)
    with open(folder.parent / "slice00.manifest.tsv", "w", encoding="utf-8") as manifest:
        manifest.write("file\tdate\n")
        for name, text, date in corpus.derived(
            corpus.real_sources(SMALL_ARCHIVE), PAGES_STORIES, seed=77
        ):
            (folder / name).write_text(text, encoding="utf-8")
            manifest.write(f"{name}\t{date}\n")
    started = time.perf_counter()
    placed: list[tuple[int, int]] = []
    with closing(sqlite3.connect(base.removeprefix("sqlite:///"))) as db:
        added = tail.add_slice(db, folder, tail.originals(db), placed)
        now = datetime.now().isoformat(sep=" ")  # as bench/tail.py stores its rows
        clusters: dict[int, int] = dict(
            db.execute(
                "SELECT id, cluster_id FROM articles_article WHERE cluster_id IS NOT NULL"
            ).fetchall()
        )
        for story, original in placed:
            if original not in clusters:
                cursor = db.execute(
                    "INSERT INTO articles_storycluster (created_at, updated_at) VALUES (?, ?)",
                    [now, now],
                )
                clusters[original] = cursor.lastrowid
                db.execute(
                    "UPDATE articles_article SET cluster_id = ? WHERE id = ?",
                    [clusters[original], original],
                )
            clusters[story] = clusters[original]
            db.execute(
                "UPDATE articles_article SET cluster_id = ? WHERE id = ?", [clusters[story], story]
            )
        # Ranks as services/clusters.py keeps them: earliest dated, most complete, first.
        db.execute(
            "UPDATE articles_article AS a SET cluster_rank = ("
            " SELECT COUNT(*) FROM articles_article o WHERE o.cluster_id = a.cluster_id"
            " AND (COALESCE(o.published_at, '9999') < COALESCE(a.published_at, '9999')"
            " OR (COALESCE(o.published_at, '9999') = COALESCE(a.published_at, '9999')"
            " AND (o.word_count > a.word_count"
            " OR (o.word_count = a.word_count AND o.id < a.id)))))"
            " WHERE cluster_id IS NOT NULL"
        )
        db.commit()
        db.execute("ANALYZE")
    result: dict = {"built_seconds": round(time.perf_counter() - started, 1), "added": added}
    manage(base, "migrate", "--noinput", "-v0")
    manage(base, "collectstatic", "--noinput", "-v0")
    shutil.rmtree(index_dir(base), ignore_errors=True)
    result["search_index_build"] = _timed(base, "search_index", "rebuild")
    return result


def run_pages() -> dict:
    """The versions page on the largest archive this machine builds in a few minutes:
    the small archive of `ingest` (run it first) plus PAGES_STORIES derived copies of its
    stories stored by bench/tail.py, each put in its original's cluster (the derived
    stories' provenance, not detection, which at 100k takes over half an hour), then
    the cluster pages timed as `archive` times them, and in one process through Django's
    test client with their CPU time (bench/results/clusters_pages.json).
    BENCH_CLUSTERS_PAGES_REUSE=1 times the archive an earlier run built."""
    built = WORK / "clusters_pages.sqlite3"
    if os.environ.get("BENCH_CLUSTERS_PAGES_REUSE") == "1" and built.is_file():
        base = f"sqlite:///{built}"  # built by an earlier run: time its pages again
        result: dict = {"reused": True}
    else:
        result = _build_pages_archive()
        base = f"sqlite:///{built}"
    result["shape"] = _shape(base)
    print(f"  {result}", flush=True)
    pages = {
        name: urls
        for name, urls in _page_urls(base, random.Random(17)).items()
        if name.startswith(("versions", "story page"))
    }
    result["pages"] = _time_pages(base, pages)
    result["pages_in_process"] = _time_pages_in_process(base, pages)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "clusters_pages.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


VERSIONS_STORIES = int(os.environ.get("BENCH_CLUSTERS_VERSIONS", "100000"))
# Cluster sizes of the synthetic archive: (how many clusters, smallest, largest copies).
VERSIONS_CLUSTERS = ((3000, 2, 6), (20, 150, 150), (5, 240, 240), (2, 1000, 1000))
# Requests at least, per page kind: a size with fewer clusters than this asks for each
# cluster's page again, in turn, so that its p95 rests on enough requests.
VERSIONS_REQUESTS = 60


def _insert(db, table: str, rows: list[dict]) -> None:
    """Rows into `table`, every NOT NULL column a row leaves out set to '' or 0 ('{}' for
    a JSON column, which SQLite checks is valid JSON)."""
    (schema,) = db.execute("SELECT sql FROM sqlite_master WHERE name = ?", [table]).fetchone()
    columns = [
        (name, kind.lower(), notnull)
        for _cid, name, kind, notnull, _default, primary in db.execute(
            f"PRAGMA table_info({table})"
        )
        if not primary
    ]
    filler = {
        name: (
            0
            if kind.startswith(("int", "bool", "small", "big"))
            else "{}"
            if f'JSON_VALID("{name}")' in schema
            else ""
        )
        for name, kind, notnull in columns
        if notnull
    }
    names = [name for name, _, _ in columns]
    db.executemany(
        f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})",
        [[row.get(name, filler.get(name)) for name in names] for row in rows],
    )


def _build_versions_archive() -> str:
    """VERSIONS_STORIES invented stories (no corpus text) as bare rows in a migrated
    SQLite file, in clusters of VERSIONS_CLUSTERS' sizes, ranked as ingest ranks them."""
    import sqlite3
    from contextlib import closing
    from datetime import datetime, timedelta

    base = fresh_database("sqlite", "clusters_versions")
    rng = random.Random(2026)
    vocabulary = [f"w{n}" for n in range(4000)]
    now = datetime(2026, 1, 1).isoformat(sep=" ")
    with closing(sqlite3.connect(base.removeprefix("sqlite:///"))) as db:
        _insert(db, "articles_source", [
            {"name": f"Site {n}", "short_name": f"S{n}", "slug": f"site-{n}"} for n in range(40)
        ])  # fmt: skip
        sizes = [
            rng.randint(low, high) for count, low, high in VERSIONS_CLUSTERS for _ in range(count)
        ]
        _insert(db, "articles_storycluster",
                [{"created_at": now, "updated_at": now} for _ in sizes])  # fmt: skip
        cluster_of = [c + 1 for c, size in enumerate(sizes) for _ in range(size)]
        cluster_of += [None] * (VERSIONS_STORIES - len(cluster_of))
        rng.shuffle(cluster_of)
        rows = []
        for n, cluster_id in enumerate(cluster_of):
            paragraphs = [
                " ".join(rng.choice(vocabulary) for _ in range(50))
                for _ in range(rng.randint(3, 8))
            ]
            text = "\n\n".join(paragraphs)
            day = datetime(2020, 1, 1) + timedelta(days=rng.randint(0, 2000))
            rows.append({
                "title": f"Story {n}", "slug": f"story-{n}", "body": text,
                "word_count": len(text.split()), "content_hash": f"{n:064d}", "is_public": 1,
                "published_at": day.isoformat(sep=" "), "date_precision": "day",
                "created_at": now, "updated_at": now, "language": "en",
                "source_id": rng.randint(1, 40), "publisher_id": rng.randint(1, 40),
                "url": f"https://site.example/{n}", "cluster_id": cluster_id,
            })  # fmt: skip
            if len(rows) == 5000:
                _insert(db, "articles_article", rows)
                rows = []
        _insert(db, "articles_article", rows)
        db.execute(
            "UPDATE articles_article AS a SET cluster_rank = ("
            " SELECT COUNT(*) FROM articles_article o WHERE o.cluster_id = a.cluster_id"
            " AND (o.published_at < a.published_at OR (o.published_at = a.published_at"
            " AND (o.word_count > a.word_count"
            " OR (o.word_count = a.word_count AND o.id < a.id)))))"
            " WHERE cluster_id IS NOT NULL"
        )
        db.commit()
        db.execute("ANALYZE")
    manage(base, "collectstatic", "--noinput", "-v0")
    return base


def run_versions() -> dict:
    """The versions page on a synthetic archive of VERSIONS_STORIES stories with clusters
    of up to 1,000 copies: each size's first page, its last page, and its first and last
    copies compared, in one process with the page cache off, wall and CPU time
    (bench/results/clusters_versions.json)."""
    import sqlite3
    from contextlib import closing

    started = time.perf_counter()
    base = _build_versions_archive()
    result: dict = {"stories": VERSIONS_STORIES, "built_seconds": 0.0}
    result["built_seconds"] = round(time.perf_counter() - started, 1)
    rng = random.Random(17)
    pages: dict[str, list[str]] = {}
    with closing(sqlite3.connect(base.removeprefix("sqlite:///"))) as db:
        by_size: dict[int, list[int]] = defaultdict(list)
        for cluster_id, size in db.execute(
            "SELECT cluster_id, COUNT(*) FROM articles_article"
            " WHERE cluster_id IS NOT NULL GROUP BY cluster_id"
        ):
            by_size[min(size, 1000) if size >= 150 else 6].append(cluster_id)
        for size, ids in sorted(by_size.items()):
            name = "2-6 copies" if size == 6 else f"{size} copies"
            chosen = rng.sample(ids, min(len(ids), 100))
            pages[f"versions, {name}, first page"] = [f"/clusters/{c}/" for c in chosen]
            last, compared = [], []
            for c in chosen:
                (count,) = db.execute(
                    "SELECT COUNT(*) FROM articles_article WHERE cluster_id = ?", [c]
                ).fetchone()
                first_id, last_id = (
                    db.execute(
                        f"SELECT id FROM articles_article WHERE cluster_id = ?"
                        f" ORDER BY cluster_rank {order}, id {order} LIMIT 1",
                        [c],
                    ).fetchone()[0]
                    for order in ("ASC", "DESC")
                )
                last.append(f"/clusters/{c}/?page={(count - 1) // 50 + 1}")
                compared.append(f"/clusters/{c}/?a={first_id}&b={last_id}")
            pages[f"versions, {name}, last page"] = last
            pages[f"versions, {name}, first and last compared"] = compared
    for name, urls in pages.items():
        pages[name] = urls * -(-VERSIONS_REQUESTS // len(urls))
    result["pages_in_process"] = _time_pages_in_process(base, pages)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "clusters_versions.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


_GROUPS_IN_PROCESS = """
import json, sys, time
from io import StringIO
import django
django.setup()
from django.core.management import call_command
from django.db import connection
from articles.services import clusters
records, flush = [], clusters.ClusterBatch.flush

def counted(self):
    stories, sent = len(self.stories), {"queries": 0, "statements": 0}

    def count(execute, sql, params, many, context):
        sent["queries"] += 1
        sent["statements"] += len(params) if many else 1
        return execute(sql, params, many, context)

    wall, cpu = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(count):
        flush(self)
    if stories:
        records.append({"stories": stories, **sent, "wall_s": time.perf_counter() - wall,
                        "cpu_s": time.process_time() - cpu})

clusters.ClusterBatch.flush = counted
call_command("ingest", sys.argv[1], "--workers", "1", stdout=StringIO(), stderr=StringIO())
print(json.dumps(records))
"""
GROUPS_ARCHIVE = 400  # real stories in the archive
GROUPS_NEW = 320  # derived copies ingested, 10 groups


def run_groups(engine: str = "sqlite") -> dict:
    """What one ingest group's clusters cost the database: GROUPS_NEW derived copies of
    the first GROUPS_ARCHIVE real stories ingested (no worker processes, detection on)
    into an archive of those, each group's cluster decision (ClusterBatch.flush) timed
    by wall and CPU, with the queries it makes and the statements the server runs (an
    executemany is a statement a row) (bench/results/clusters_groups[_postgres].json)."""
    from . import corpus

    folder, new = WORK / "clusters-groups-archive", WORK / "clusters-groups-new"
    for path in (folder, new):
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
    sources = corpus.real_sources(GROUPS_ARCHIVE)
    for source in sources:
        shutil.copy(source.path, folder / f"{source.path.parent.name}-{source.path.name}")
    for name, text, _date in corpus.derived(sources, GROUPS_NEW, seed=2026):
        (new / f"new-{name}").write_text(text, encoding="utf-8")
    name = "clusters_groups" if engine == "sqlite" else _database_name("clusters_groups")
    base = fresh_database(engine, name)
    shutil.rmtree(index_dir(base), ignore_errors=True)
    built = _timed(base, "ingest", str(folder))
    done = subprocess.run(
        [sys.executable, "-c", _GROUPS_IN_PROCESS, str(new)], cwd=ROOT,
        env=env_for(base, DJANGO_SETTINGS_MODULE="newsarchive.settings"),
        capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode:
        raise RuntimeError(done.stderr[-3000:])
    groups = json.loads(done.stdout)
    result = {
        "engine": engine,
        "archive": built["said"],
        "groups": len(groups),
        "stories": sum(g["stories"] for g in groups),
        "queries_per_group": sorted({g["queries"] for g in groups}),
        "statements_per_group": sorted({g["statements"] for g in groups}),
        "flush_wall_ms": summary_ms([g["wall_s"] for g in groups]),
        "flush_cpu_ms": summary_ms([g["cpu_s"] for g in groups]),
        "copies_in_clusters_after": _shape(base)["copies_in_clusters"],
    }
    RESULTS.mkdir(exist_ok=True)
    suffix = "" if engine == "sqlite" else f"_{engine}"
    (RESULTS / f"clusters_groups{suffix}.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


INGEST_PAIRS = int(os.environ.get("BENCH_CLUSTERS_PAIRS", "3"))
# `manage.py ingest FOLDER`, counting what it writes to the search index.
_INGEST_COUNTED = """
import json, sys
from io import StringIO
import django
django.setup()
from django.core.management import call_command
from articles.search.backends.tantivy_backend import TantivyBackend
written = {"documents": 0, "cluster_documents": 0, "removed": 0, "commits": 0}
apply = TantivyBackend.apply

def counted(self, *, upserts, deletes, state):
    deletes = list(deletes)
    written["documents"] += len(upserts)
    written["cluster_documents"] += sum(1 for doc in upserts if doc.id < 0)
    written["removed"] += len(deletes)
    written["commits"] += 1
    return apply(self, upserts=upserts, deletes=deletes, state=state)

TantivyBackend.apply = counted
out = StringIO()
call_command("ingest", sys.argv[1], stdout=out, stderr=StringIO())
print(json.dumps({"said": out.getvalue().strip().splitlines()[-1], **written}))
"""


def _ingest_pairs(base: str, limit: int | None = None, kind: str = "derived") -> dict:
    """The same new stories (one half of them a pair, the halves in turn) into a fresh
    copy of the archive and its index, with detection on and off, INGEST_PAIRS pairs in
    the order on, off, then off, on, and so on, so that the machine's drift falls on
    both alike. Each run is a whole `manage.py ingest`, by wall and CPU time (its own,
    Tantivy's threads' and its workers'), with the documents it wrote to the index."""
    halves, words = _new_halves(limit, kind)
    runs = []
    for pair in range(INGEST_PAIRS):
        half = pair % 2
        for mode in ("on", "off") if pair % 2 == 0 else ("off", "on"):
            url = _clone(base, f"clusters_ingest_{mode}")
            shutil.rmtree(index_dir(url), ignore_errors=True)
            shutil.copytree(index_dir(base), index_dir(url))
            flag = "1" if mode == "on" else "0"
            print(f"clusters: pair {pair + 1}, half {half + 1}, detection {mode}", flush=True)
            measured = _timed(
                url,
                str(halves[half]),
                script=_INGEST_COUNTED,
                NEWSARCHIVE_CLUSTERS=flag,
                DJANGO_SETTINGS_MODULE="newsarchive.settings",
            )
            written = json.loads(measured["said"])
            measured["said"] = written.pop("said")
            run = {"pair": pair + 1, "half": half + 1, "mode": mode, "words": words[half]}
            run.update(measured)
            run["load_average_after"] = round(os.getloadavg()[0], 1)  # the machine's, 1 min
            run["words_per_s"] = round(words[half] / measured["seconds"])
            run["words_per_cpu_s"] = round(words[half] / measured["cpu_seconds"])
            run["index"] = written
            if mode == "on":
                run["copies_in_clusters_after"] = _shape(url)["copies_in_clusters"]
            runs.append(run)
            print(f"  {run}", flush=True)
    out: dict = {"files": INGEST_FILES, "words": sum(words), "pairs": INGEST_PAIRS, "runs": runs}
    for mode in ("on", "off"):
        mine = [r for r in runs if r["mode"] == mode]
        seconds = sum(r["seconds"] for r in mine)
        cpu = sum(r["cpu_seconds"] for r in mine)
        stored = sum(r["words"] for r in mine)
        out[mode] = {
            "seconds": round(seconds, 1),
            "words_per_s": round(stored / seconds),
            "cpu_seconds": round(cpu, 1),
            "words_per_cpu_s": round(stored / cpu),
            "peak_rss_mb": max(r["peak_rss_mb"] for r in mine),
            "index_documents": sum(r["index"].get("documents", 0) for r in mine),
        }
    out["ratio_on_to_off"] = round(out["on"]["words_per_s"] / out["off"]["words_per_s"], 3)
    out["cpu_ratio_on_to_off"] = round(
        out["on"]["words_per_cpu_s"] / out["off"]["words_per_cpu_s"], 3
    )
    by_pair: dict[int, dict] = defaultdict(dict)
    for r in runs:
        by_pair[r["pair"]][r["mode"]] = r
    out["pair_ratios"] = [
        {
            "pair": pair,
            "wall": round(p["off"]["seconds"] / p["on"]["seconds"], 3),
            "cpu": round(p["off"]["cpu_seconds"] / p["on"]["cpu_seconds"], 3),
        }
        for pair, p in sorted(by_pair.items())
    ]
    return out


def _ingest_on_and_off(base: str, limit: int | None = None) -> dict:
    """The same new stories into two copies of the archive, one with detection and one
    without, in the order on, off, off, on (half the stories each time), so that the
    machine's drift falls on both alike. Each run is a whole `manage.py ingest`."""
    halves, words = _new_stories(limit)
    urls = {}
    for mode in ("on", "off"):
        urls[mode] = _clone(base, f"clusters_100k_ingest_{mode}")
        shutil.rmtree(index_dir(urls[mode]), ignore_errors=True)
        shutil.copytree(index_dir(base), index_dir(urls[mode]))
    runs = {"on": [], "off": []}
    for mode, half in (("on", 0), ("off", 0), ("off", 1), ("on", 1)):
        flag = "1" if mode == "on" else "0"
        print(f"clusters: ingest half {half + 1} with detection {mode}", flush=True)
        measured = _timed(urls[mode], "ingest", str(halves[half]), NEWSARCHIVE_CLUSTERS=flag)
        runs[mode].append(measured)
        print(f"  {measured}", flush=True)
    out = {"files": INGEST_FILES, "words": words}
    for mode, measured in runs.items():
        seconds = sum(m["seconds"] for m in measured)
        cpu = sum(m["cpu_seconds"] for m in measured)
        out[mode] = {
            "seconds": round(seconds, 1),
            "words_per_s": round(words / seconds),
            "cpu_seconds": round(cpu, 1),
            "words_per_cpu_s": round(words / cpu),
            "peak_rss_mb": max(m["peak_rss_mb"] for m in measured),
            "said": [m["said"] for m in measured],
        }
    out["ratio_on_to_off"] = round(out["on"]["words_per_s"] / out["off"]["words_per_s"], 3)
    out["cpu_ratio_on_to_off"] = round(
        out["on"]["words_per_cpu_s"] / out["off"]["words_per_cpu_s"], 3
    )
    joined = _shape(urls["on"])
    out["on"]["copies_in_clusters_after"] = joined["copies_in_clusters"]
    return out


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "pairs"
    if command == "pairs":
        print(json.dumps(run_pairs(), indent=2))
    elif command == "archive":
        print(json.dumps(run_archive(), indent=2))
    elif command == "ingest":
        options = sys.argv[2:]
        engine = "postgres" if "postgres" in options else "sqlite"
        print(json.dumps(run_ingest(engine, "real" if "real" in options else "derived"), indent=2))
    elif command == "versions":
        print(json.dumps(run_versions(), indent=2))
    elif command == "groups":
        print(json.dumps(run_groups(sys.argv[2] if len(sys.argv) > 2 else "sqlite"), indent=2))
    elif command == "same":
        print(json.dumps(compare_clusters(sys.argv[2], sys.argv[3]), indent=2))
    elif command == "pages":
        print(json.dumps(run_pages(), indent=2))
    elif command == "sheet":
        label_sheet(sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]))
    else:
        raise SystemExit(
            "usage: python -m bench.clusters"
            " pairs|archive|ingest [postgres] [real]|groups [postgres]|pages|versions"
            "|same A B|sheet"
        )
