"""Entity precision, recall and F1 against the hand-checked gold set, per kind and per half.

    .venv/bin/python bench/gold.py            # the tagger and spaCy alone, every set
    .venv/bin/python bench/gold.py --show 5   # also the misses and false hits of 5 stories

The gold files (tests/fixtures/gold) hold only entity names and the corpus path of each
story; the text is read from ../shared/corpus (or $NEWSARCHIVE_CORPUS). The set is cut in
two halves by a hash of each story's id: rules are chosen on the "dev" half and kept only
when they also help the "check" half, so both are reported. The blind sets, "fresh" and
then "fresh2" (marked by a `set` field in their files), were labelled after those rules
were written and are never used to choose one: their scores are the figures on unseen
stories, each reported on its own. tests/tagging/test_tagging_gold.py holds the tagger
above floors set from these figures.

Scoring is document-level: per story, the set of (name, kind) the tagger gives is matched
to the gold entities of that kind, each gold entity at most once (casefolded; any of its
accepted names). A second prediction for an entity already matched is a false hit: two
entities for one real-world thing is the error the resolution rules exist to fix. Names
a story lists as `optional` (credits, facilities, judgement calls) count neither way.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from articles.ingest import parse_bytes  # noqa: E402
from articles.ingest.common import join_paragraphs, paragraphs_of, split_dateline  # noqa: E402
from articles.ingest.read import decode  # noqa: E402
from articles.ingest.types import ParsedStory  # noqa: E402

CORPUS = Path(os.environ.get("NEWSARCHIVE_CORPUS", ROOT.parent / "shared" / "corpus"))
GOLD_DIR = ROOT / "tests" / "fixtures" / "gold"
KINDS = {"people": "person", "organizations": "organization", "places": "place"}
HALVES = ("dev", "check")
# Sets of stories labelled blind after the rules of dev and check were written: no rule is
# chosen on them, so their scores are measurements on unseen stories. A story is in one
# when its file has a `set` field; each such set is reported on its own, in this order
# (a set not listed here comes after these, by name).
FRESH = "fresh"
BLIND_ORDER = (FRESH, "fresh2")

Prediction = tuple[str, str]  # (name, kind)


def load_gold() -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(GOLD_DIR.glob("*.json"))]


def half_of(item: dict) -> str:
    """A story's set: the blind set its file names, else its half, fixed by its id so
    that adding stories moves none of the others."""
    if item.get("set"):
        return item["set"]
    return HALVES[zlib.crc32(item["id"].encode()) % 2]


def blind_sets(items: Iterable[dict]) -> tuple[str, ...]:
    """The blind sets the stories hold, in BLIND_ORDER, then any others by name."""
    named = {i["set"] for i in items if i.get("set")}
    return (*(s for s in BLIND_ORDER if s in named), *sorted(named - set(BLIND_ORDER)))


BLIND_SETS = blind_sets(load_gold())
SETS = (*HALVES, *BLIND_SETS)


def kind_of_source(item: dict) -> str:
    return item["source"].split("/")[0]


def read_story(corpus: Path, item: dict) -> ParsedStory:
    path = corpus / item["source"]
    if item["format"] == "plain":
        return parse_bytes(path.read_bytes(), path=str(path))
    # An extracted body has no headline: the story is its paragraphs alone.
    paragraphs = paragraphs_of(decode(path.read_bytes()).text)
    story = ParsedStory(path=str(path), title="", body=join_paragraphs(paragraphs))
    story.dateline = split_dateline(paragraphs[0])[0] if paragraphs else ""
    return story


@dataclass
class Tally:
    correct: int = 0  # predictions that found a gold entity not already found
    predictions: int = 0
    gold: int = 0
    misses: list[str] = field(default_factory=list)
    false_hits: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.correct / self.predictions if self.predictions else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: Tally) -> None:
        self.correct += other.correct
        self.predictions += other.predictions
        self.gold += other.gold
        self.misses += other.misses
        self.false_hits += other.false_hits


def _names(entry: str | list[str]) -> set[str]:
    return {n.casefold() for n in ([entry] if isinstance(entry, str) else entry)}


def score_story(item: dict, predicted: Iterable[Prediction]) -> dict[str, Tally]:
    optional = {n.casefold() for n in item.get("optional", [])}
    by_kind: dict[str, set[str]] = {kind: set() for kind in KINDS.values()}
    for name, kind in predicted:
        if kind in by_kind and name.casefold() not in optional:
            by_kind[kind].add(name.casefold())
    out = {}
    for key, kind in KINDS.items():
        gold = [_names(entry) for entry in item["entities"][key]]
        tally = Tally(predictions=len(by_kind[kind]), gold=len(gold))
        found = [False] * len(gold)
        # Exact names first, so "Real" cannot take the entity "Real Madrid" was written for.
        for name in sorted(by_kind[kind], key=lambda n: (-len(n), n)):
            hit = next((i for i, g in enumerate(gold) if not found[i] and name in g), None)
            if hit is None:
                tally.false_hits.append(f"{item['id']}: {name}")
            else:
                found[hit] = True
                tally.correct += 1
        tally.misses = [
            f"{item['id']}: {sorted(g)[0]}" for g, ok in zip(gold, found, strict=True) if not ok
        ]
        out[key] = tally
    return out


def score(items: Sequence[dict], predicted: Sequence[Iterable[Prediction]]) -> dict[str, Tally]:
    """Tallies per kind and "all", summed (micro-averaged) over the stories."""
    totals = {key: Tally() for key in [*KINDS, "all"]}
    for item, entities in zip(items, predicted, strict=True):
        for key, tally in score_story(item, entities).items():
            totals[key].add(tally)
            totals["all"].add(tally)
    return totals


ERROR_KINDS = ("missed", "wrong kind", "wrong span", "duplicate", "spurious")


def _overlaps(a: str, b: str) -> bool:
    """Whether one name's words run inside the other's ("Means Committee" in "House Ways
    and Means Committee"): the same thing with a wrong boundary."""
    wa, wb = a.split(), b.split()
    short, long = sorted((wa, wb), key=len)
    return any(long[i : i + len(short)] == short for i in range(len(long) - len(short) + 1))


def classify_errors(item: dict, predicted: Iterable[Prediction], key: str) -> list[tuple[str, str]]:
    """(error kind, name) for each of one story's errors of one kind (a KINDS key).

    A gold entity not found is "wrong kind" when a prediction of another kind has one of
    its names, "wrong span" when a prediction of any kind overlaps one of its names by
    whole words, else "missed". A false hit is "duplicate" when it names a gold entity of
    the kind that another prediction found, "wrong kind" when it names a gold entity of
    another kind, "wrong span" when it overlaps any gold or optional name, else "spurious".
    """
    kind = KINDS[key]
    optional = {n.casefold() for n in item.get("optional", [])}
    predicted = {(n.casefold(), k) for n, k in predicted if n.casefold() not in optional}
    gold_of = {k: [_names(e) for e in item["entities"][g]] for g, k in KINDS.items()}
    tally = score_story(item, [(n, k) for n, k in predicted])[key]
    out = []
    for miss in tally.misses:
        names = next(g for g in gold_of[kind] if sorted(g)[0] == miss.split(": ", 1)[1])
        if any(n in names for n, k in predicted if k != kind):
            out.append(("wrong kind", f"gold {miss}"))
        elif any(_overlaps(n, g) for n, _ in predicted for g in names):
            out.append(("wrong span", f"gold {miss}"))
        else:
            out.append(("missed", f"gold {miss}"))
    for hit in tally.false_hits:
        name = hit.split(": ", 1)[1]
        if any(name in g for g in gold_of[kind]):
            out.append(("duplicate", f"given {hit}"))
        elif any(name in g for k, gs in gold_of.items() if k != kind for g in gs):
            out.append(("wrong kind", f"given {hit}"))
        elif any(_overlaps(name, n) for gs in gold_of.values() for g in gs for n in g) or any(
            _overlaps(name, n) for n in optional
        ):
            out.append(("wrong span", f"given {hit}"))
        else:
            out.append(("spurious", f"given {hit}"))
    return out


def tagger_predictions(stories: Sequence[ParsedStory]) -> list[list[Prediction]]:
    from articles.tagging import tag_many

    return [[(e.name, e.kind) for e in ents] for ents in tag_many(stories)]


def trusted_predictions(stories: Sequence[ParsedStory]) -> list[list[Prediction]]:
    """Only what the tagger trusts (confidence 0.5 and up: what the home page and
    autocomplete may offer before a curator confirms it)."""
    from articles.tagging import tag_many

    return [[(e.name, e.kind) for e in ents if e.confidence >= 0.5] for ents in tag_many(stories)]


def spacy_predictions(stories: Sequence[ParsedStory]) -> list[list[Prediction]]:
    """spaCy's model alone: its spans and labels as they are, on the same text."""
    from articles.tagging.entities import LABEL_KINDS, story_text
    from articles.tagging.nlp import get_nlp

    out = []
    for doc in get_nlp().pipe(story_text(s) for s in stories):
        found = []
        for ent in doc.ents:
            kind = LABEL_KINDS.get(ent.label_)
            text = " ".join(ent.text.split())
            if text.casefold().startswith("the "):
                text = text[4:]
            if kind:
                found.append((text, kind))
        out.append(found)
    return out


@cache
def stories_for(corpus: Path) -> tuple[ParsedStory, ...]:
    return tuple(read_story(corpus, item) for item in load_gold())


def measure(
    corpus: Path, predict: Callable[[Sequence[ParsedStory]], list[list[Prediction]]]
) -> dict[str, dict[str, Tally]]:
    """{set or "both": {kind or "all": Tally}} for one way of predicting ("both" is dev
    and check, the stories the rules were chosen on)."""
    items = load_gold()
    predicted = predict(stories_for(corpus))
    seen = [(i, p) for i, p in zip(items, predicted, strict=True) if half_of(i) in HALVES]
    out = {"both": score([i for i, _ in seen], [p for _, p in seen])}
    for half in SETS:
        picked = [(i, p) for i, p in zip(items, predicted, strict=True) if half_of(i) == half]
        out[half] = score([i for i, _ in picked], [p for _, p in picked])
    return out


def _row(label: str, tallies: dict[str, Tally]) -> str:
    cells = [
        f"{t.precision:.3f}/{t.recall:.3f}/{t.f1:.3f}"
        for t in (tallies[k] for k in [*KINDS, "all"])
    ]
    return f"{label:<22}" + "".join(f"{c:>22}" for c in cells)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", type=int, default=0, help="list errors of the first N stories")
    parser.add_argument("--half", choices=[*SETS, "both"], default="dev")
    parser.add_argument(
        "--model",
        help="another spaCy model (an installed name or a folder) in place of the tagger's, "
        "to weigh a second model on the same stories in the same way",
    )
    parser.add_argument(
        "--errors",
        choices=list(KINDS),
        help="the tagger's errors of one kind on --half, counted and listed by what went wrong",
    )
    args = parser.parse_args()
    if args.model:
        from articles.tagging import nlp

        nlp.MODEL_NAME = args.model
    if not CORPUS.is_dir():
        sys.exit(f"corpus not found at {CORPUS} (set NEWSARCHIVE_CORPUS)")
    items = load_gold()
    sizes = {h: sum(half_of(i) == h for i in items) for h in SETS}
    print(f"{len(items)} gold stories: " + ", ".join(f"{h} {n}" for h, n in sizes.items()))
    header = "P/R/F1".ljust(22) + "".join(f"{k:>22}" for k in [*KINDS, "all"])
    results = {}
    for label, predict in (
        ("tagger", tagger_predictions),
        ("tagger, trusted only", trusted_predictions),
        ("spaCy alone", spacy_predictions),
    ):
        start = time.perf_counter()
        results[label] = measure(CORPUS, predict)
        print(f"{label}: {time.perf_counter() - start:.1f} s")
    for half in [*SETS, "both"]:
        print(
            "\ndev and check"
            if half == "both"
            else f"\n{half} (unseen)"
            if half in BLIND_SETS
            else f"\n{half} half"
        )
        print(header)
        for label, measured in results.items():
            print(_row(label, measured[half]))
    predicted = tagger_predictions(stories_for(CORPUS))
    for group, label in (("seen", "dev and check"), *((s, s) for s in BLIND_SETS)):
        by_source: dict[str, list[int]] = {}
        for n, item in enumerate(items):
            if (half_of(item) in HALVES and group == "seen") or half_of(item) == group:
                by_source.setdefault(kind_of_source(item), []).append(n)
        print(f"\nby source, {label} (tagger, all kinds): ", end="")
        for source, rows in sorted(by_source.items()):
            t = score([items[n] for n in rows], [predicted[n] for n in rows])["all"]
            print(f"{source} F1 {t.f1:.3f} ({len(rows)})", end="  ")
        print()
    if args.errors:
        by_error: dict[str, list[str]] = {e: [] for e in ERROR_KINDS}
        for item, entities in zip(items, predicted, strict=True):
            if args.half == half_of(item) or (args.half == "both" and half_of(item) in HALVES):
                for error, name in classify_errors(item, entities, args.errors):
                    by_error[error].append(name)
        print(f"\n{args.errors} errors, {args.half} half:")
        for error, names in by_error.items():
            print(f"  {error}: {len(names)}", *names, sep="\n    ")
    if args.show:
        shown = results["tagger"][args.half]
        for key in KINDS:
            print(f"\n{key} misses:", *shown[key].misses[: args.show * 4], sep="\n  ")
            print(f"{key} false hits:", *shown[key].false_hits[: args.show * 4], sep="\n  ")


if __name__ == "__main__":
    main()
