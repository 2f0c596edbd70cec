"""Body-extraction F1 of the textscrape and html parsers on the research corpus.

Run: .venv/bin/python bench/extraction.py [--show N]

Predictions go to a temporary folder and are scored by ../shared/tools/score_bodies.py
(4-word shingles, per-document precision and recall averaged, then F1). The corpus is
read from ../shared/corpus or from $NEWSARCHIVE_CORPUS. tests/test_ingest_*.py import
`measure` from here to hold the figures above a floor.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from articles.ingest import IngestError, parse_bytes  # noqa: E402

CORPUS = Path(os.environ.get("NEWSARCHIVE_CORPUS", ROOT.parent / "shared" / "corpus"))
SCORER = CORPUS.parent / "tools" / "score_bodies.py"

# A few of newspaper4k's expected texts are notes about an old failure ("MISSED LAST
# PARAGRAPH"), not article text. They are scored as they are, and also left out once.
_NOTE = re.compile(r"^[^a-z]{4,200}$")


def scorer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("score_bodies", SCORER)
    if spec is None or spec.loader is None:
        raise FileNotFoundError(SCORER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pairs(name: str) -> Iterator[tuple[Path, Path]]:
    """(input page, expected body) for one corpus: scrapes-text, scrapes-html, newspaper4k."""
    if name == "scrapes-text":
        folder = CORPUS / "scrapes"
        for expected in sorted((folder / "expected_body").glob("*.txt")):
            yield folder / "page_text" / expected.name, expected
    elif name == "scrapes-html":
        folder = CORPUS / "scrapes"
        for expected in sorted((folder / "expected_body").glob("*.txt")):
            yield folder / "html" / f"{expected.stem}.html", expected
    elif name == "newspaper4k":
        folder = CORPUS / "newspaper4k"
        # Some pages are named "<site>_article.html" beside "text/<site>.txt": match by stem.
        pages = {p.stem.replace("_article", ""): p for p in (folder / "html").glob("*.html")}
        for expected in sorted((folder / "text").glob("*.txt")):
            if expected.stem in pages:
                yield pages[expected.stem], expected
    else:
        raise ValueError(name)


def _f1(module: ModuleType, rows: list[tuple[str, str]]) -> tuple[float, float, float]:
    counts = [module.compare(expected, predicted) for expected, predicted in rows]
    ps = [module.precision(*c) for c in counts if c[0] + c[1] > 0]
    rs = [module.recall(*c) for c in counts if c[0] + c[2] > 0]
    p = sum(ps) / len(ps) if ps else 0.0
    r = sum(rs) / len(rs) if rs else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def predict(page: Path, format: str) -> str:
    try:
        return parse_bytes(page.read_bytes(), path=str(page), format=format).body
    except IngestError:
        return ""


@functools.cache
def predictions(name: str) -> tuple[tuple[str, str], ...]:
    """(expected, predicted) bodies for one corpus, computed once per process."""
    format = "textscrape" if name == "scrapes-text" else "html"
    return tuple(
        (expected.read_text(encoding="utf-8"), predict(page, format))
        for page, expected in pairs(name)
    )


def measure(name: str, *, skip_notes: bool = False) -> tuple[float, float, float, int]:
    """Precision, recall and F1 in-process (the scorer's own functions), and the count."""
    rows = [row for row in predictions(name) if not (skip_notes and _NOTE.match(row[0].strip()))]
    return (*_f1(scorer(), rows), len(rows))


def run_scorer(name: str, show: int) -> None:
    """Write predictions to a temporary folder and run the shared scorer on them as is."""
    with tempfile.TemporaryDirectory() as tmp:
        expected_dir, predicted_dir = Path(tmp, "expected"), Path(tmp, "predicted")
        expected_dir.mkdir()
        predicted_dir.mkdir()
        for (_, expected), (_, predicted) in zip(pairs(name), predictions(name), strict=True):
            (expected_dir / expected.name).symlink_to(expected)
            (predicted_dir / expected.name).write_text(predicted, encoding="utf-8")
        scorer().main([str(expected_dir), str(predicted_dir), "--show", str(show)])


def main(argv: list[str]) -> int:
    if not SCORER.exists():
        print(f"corpus tools not found at {SCORER} (set NEWSARCHIVE_CORPUS)")
        return 2
    show = int(argv[argv.index("--show") + 1]) if "--show" in argv else 3
    for name, label in (
        ("scrapes-text", "textscrape on scrapes/page_text"),
        ("scrapes-html", "html on scrapes/html"),
        ("newspaper4k", "html on newspaper4k (matched by stem)"),
    ):
        print(f"== {label}")
        run_scorer(name, show)
    p, r, f1, count = measure("newspaper4k", skip_notes=True)
    print("== html on newspaper4k, leaving out expected texts that are notes (all capitals)")
    print(f"documents {count}  precision {p:.3f}  recall {r:.3f}\nF1 {f1:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
