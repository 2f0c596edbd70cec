"""Body-extraction F1 of the textscrape and html parsers on the research corpus.

Run: .venv/bin/python bench/extraction.py [--show N] [--cv] [--losses N]

--cv cross-validates the HTML passes by site: the pages are split into two halves by their
site (a hash of the host name), each pass on top of trafilatura is chosen greedily on one
half and kept only if it helps the other, then the halves swap. Plain trafilatura (default
and favor_precision) and ours are reported on both halves and on all pages in the same run,
and the text scrapes' F1 likewise. The figures go to bench/results/extraction.json, which
bench/report.py shows in bench/RESULTS.md.

--losses N shows where the HTML F1 is lost: precision and recall of ours, trafilatura default
and its precision mode on each half, the share of the loss that is precision and recall,
each site's loss, and the N worst pages (half, site, precision, recall, words expected and
predicted; no corpus text is printed).

Predictions go to a temporary folder and are scored by ../shared/tools/score_bodies.py
(4-word shingles, per-document precision and recall averaged, then F1). The corpus is
read from ../shared/corpus or from $NEWSARCHIVE_CORPUS. tests/ingest/test_ingest_*.py import
`measure` from here to hold the figures above a floor.
"""

from __future__ import annotations

import functools
import hashlib
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

from articles.ingest import IngestError, html, parse_bytes  # noqa: E402
from articles.ingest.read import decode  # noqa: E402

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


def site_of(name: str, page: Path) -> str:
    """The host a page came from: urls.tsv for scrapes, the file name for newspaper4k."""
    if name.startswith("scrapes"):
        return _scrape_hosts().get(page.stem, page.stem)
    return re.sub(r"(?:_article)?\d*$", "", page.stem)


@functools.cache
def _scrape_hosts() -> dict[str, str]:
    hosts = {}
    for line in (CORPUS / "scrapes" / "urls.tsv").read_text().splitlines():
        key, _, url = line.partition("\t")
        host = re.sub(r"^www\d?\.", "", url.split("/")[2].lower()) if "//" in url else url
        hosts[key] = host
    return hosts


def half_of(site: str) -> str:
    """'A' or 'B', fixed per site: pages of one site never sit in both halves."""
    return "AB"[hashlib.sha256(site.encode()).digest()[0] % 2]


def halves(name: str) -> dict[str, list[tuple[Path, str]]]:
    """(page, expected body) of one corpus, by half."""
    found: dict[str, list[tuple[Path, str]]] = {"A": [], "B": []}
    for page, expected in pairs(name):
        found[half_of(site_of(name, page))].append((page, expected.read_text(encoding="utf-8")))
    return found


@functools.cache
def _page_text(page: Path) -> str:
    return decode(page.read_bytes()).text


def _trafilatura(page: Path, **options: object) -> str:
    import trafilatura

    return trafilatura.extract(_page_text(page), **options) or ""


def _ours(page: Path, base: str, passes: tuple[str, ...]) -> str:
    try:
        return html.parse_with(_page_text(page), base=base, passes=passes).body
    except IngestError:
        return ""


def _cached_passes() -> None:
    """Memoise trafilatura's extraction, the page tree and the second opinions per page, so
    that trying many sets of passes costs one extraction per page and base, not one per set."""
    extract, tree = html._extract, html._tree
    cache: dict = {}

    def cached_extract(text: str, **options: object):
        key = ("extract", hash(text), tuple(sorted(options.items())))
        if key not in cache:
            cache[key] = extract(text, **options)
        found = cache[key]
        return dict(found) if found is not None else None

    def cached_tree(text: str):
        key = ("tree", hash(text))
        if key not in cache:
            cache[key] = tree(text)
        return cache[key]

    html._extract, html._tree = cached_extract, cached_tree
    # The "agreed" pass's two second opinions depend on the page alone.
    html._justext_text = functools.cache(html._justext_text)
    html._newspaper_text = functools.cache(html._newspaper_text)


def _score(rows: list[tuple[Path, str]], predict_one) -> float:
    return _f1(scorer(), [(expected, predict_one(page)) for page, expected in rows])[2]


# A pass must gain at least this much F1 on the half it is chosen on.
MIN_GAIN = 0.001


def choose(rows: list[tuple[Path, str]]) -> tuple[str, tuple[str, ...], float]:
    """For each base, passes added greedily while each gains MIN_GAIN on `rows`; the base
    and passes that score best."""
    options = [_greedy(rows, base) for base in html.BASES]
    return max(options, key=lambda option: option[2])


def _greedy(rows: list[tuple[Path, str]], base: str) -> tuple[str, tuple[str, ...], float]:
    chosen: list[str] = []
    best = _score(rows, lambda p: _ours(p, base, ()))
    while True:
        trials = {
            name: _score(rows, lambda p, n=name: _ours(p, base, (*chosen, n)))
            for name in html.ALL_PASSES
            if name not in chosen
        }
        if not trials:
            break
        name = max(trials, key=trials.__getitem__)
        if trials[name] < best + MIN_GAIN:
            break
        chosen.append(name)
        best = trials[name]
    return base, tuple(chosen), best


def confirm(rows: list[tuple[Path, str]], base: str, passes: tuple[str, ...]) -> tuple[str, ...]:
    """The passes that help `rows` (the other half): dropping one from the set costs F1."""
    whole = _score(rows, lambda p: _ours(p, base, passes))
    return tuple(
        name
        for name in passes
        if _score(rows, lambda p, n=name: _ours(p, base, tuple(x for x in passes if x != n)))
        < whole
    )


def cross_validate() -> dict:
    """Choose the passes on each half, confirm them on the other; report every extractor on
    both halves with the passes that paid for themselves both ways."""
    _cached_passes()
    split = halves("scrapes-html")
    folds = {}
    for choosing, checking in (("A", "B"), ("B", "A")):
        base, passes, score = choose(split[choosing])
        kept = confirm(split[checking], base, passes)
        folds[choosing] = {"base": base, "chosen": passes, "score": score, "confirmed": kept}
        print(
            f"chosen on half {choosing}: base {base}, passes {passes} (F1 {score:.3f}); "
            f"helping half {checking}: {kept}"
        )
    # Every pass kept was chosen on one half and helped the other. Among the configurations
    # made of them (each fold's own, and all validated passes on each fold's base), keep the
    # one whose worse half beats trafilatura's precision mode by most.
    validated = tuple(
        name for name in html.ALL_PASSES if any(name in f["confirmed"] for f in folds.values())
    )
    candidates = {(f["base"], f["confirmed"]) for f in folds.values()}
    candidates |= {(f["base"], validated) for f in folds.values()}
    precise = {h: _score(split[h], lambda p: _trafilatura(p, favor_precision=True)) for h in "AB"}

    def margin(candidate: tuple[str, tuple[str, ...]]) -> float:
        base, passes = candidate
        return min(_score(split[h], lambda p: _ours(p, base, passes)) - precise[h] for h in "AB")

    base, passes = max(sorted(candidates), key=margin)
    report: dict = {"base": base, "passes": passes, "folds": folds, "halves": {}}
    text_split = halves("scrapes-text")
    split["all"] = split["A"] + split["B"]
    text_split["all"] = text_split["A"] + text_split["B"]
    precise["all"] = _score(split["all"], lambda p: _trafilatura(p, favor_precision=True))
    for half in ("A", "B", "all"):
        rows = split[half]
        report["halves"][half] = {
            "pages": len(rows),
            "trafilatura default": _score(rows, _trafilatura),
            "trafilatura precision": precise[half],
            "ours (chosen)": _score(rows, lambda p: _ours(p, base, passes)),
            "ours (as shipped)": _score(rows, lambda p: _ours(p, html.BASE, html.PASSES)),
            "ours (before: recall + every pass)": _score(
                rows, lambda p: _ours(p, "recall", html.ALL_PASSES)
            ),
            "text scrapes (textscrape)": _score(
                text_split[half], lambda p: predict(p, "textscrape")
            ),
        }
    return report


def print_cv(report: dict) -> None:
    print(f"\nkept: base {report['base']}, passes {report['passes']}")
    print(f"articles/ingest/html.py uses: base {html.BASE}, passes {html.PASSES}")
    names = list(report["halves"]["A"])
    print(f"{'':40s} {'half A':>8s} {'half B':>8s} {'all':>8s}")
    for name in names:
        values = [report["halves"][half][name] for half in ("A", "B", "all")]
        cells = " ".join(f"{v:8d}" if name == "pages" else f"{v:8.3f}" for v in values)
        print(f"{name:40s} {cells}")


RESULT = ROOT / "bench" / "results" / "extraction.json"


def save(report: dict) -> None:
    """The run's figures, for bench/RESULTS.md (bench/report.py)."""
    import json

    import trafilatura

    figures = {
        "trafilatura": trafilatura.__version__,
        "kept": {"base": report["base"], "passes": list(report["passes"])},
        "folds": {
            half: {
                "base": fold["base"],
                "chosen": list(fold["chosen"]),
                "score": round(fold["score"], 4),
                "confirmed": list(fold["confirmed"]),
            }
            for half, fold in report["folds"].items()
        },
        "halves": {
            half: {name: round(value, 4) for name, value in figures.items()}
            for half, figures in report["halves"].items()
        },
    }
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(figures, indent=2) + "\n")


def losses(worst: int) -> dict:
    """Where ours loses F1 on scrapes/html, against trafilatura default and precision mode."""
    module = scorer()
    split = halves("scrapes-html")
    extractors = {
        "ours": lambda p: _ours(p, html.BASE, html.PASSES),
        "trafilatura default": _trafilatura,
        "trafilatura precision": lambda p: _trafilatura(p, favor_precision=True),
    }
    report: dict = {"halves": {}, "sites": {}, "pages": []}
    for half in ("A", "B"):
        for name, extract in extractors.items():
            rows = [(expected, extract(page)) for page, expected in split[half]]
            report["halves"][(half, name)] = _f1(module, rows)
            if name != "ours":
                continue
            for (page, expected), (_, predicted) in zip(split[half], rows, strict=True):
                counts = module.compare(expected, predicted)
                precision, recall = module.precision(*counts), module.recall(*counts)
                site = site_of("scrapes-html", page)
                lost = report["sites"].setdefault(site, [half, 0.0, 0.0])
                lost[1] += 1 - precision
                lost[2] += 1 - recall
                report["pages"].append(
                    (half, site, precision, recall, len(expected.split()), len(predicted.split()))
                )
    report["pages"].sort(key=lambda row: row[2] + row[3])
    report["pages"] = report["pages"][:worst]
    return report


def print_losses(report: dict) -> None:
    print(f"{'':24s} {'half':>4s} {'precision':>9s} {'recall':>7s} {'F1':>6s}")
    for (half, name), (p, r, f1) in report["halves"].items():
        print(f"{name:24s} {half:>4s} {p:9.3f} {r:7.3f} {f1:6.3f}")
    for half in ("A", "B"):
        sites = {s: v for s, v in report["sites"].items() if v[0] == half}
        p_loss = sum(v[1] for v in sites.values())
        r_loss = sum(v[2] for v in sites.values())
        print(f"\nhalf {half}: summed per-page loss, precision {p_loss:.2f}, recall {r_loss:.2f}")
        ranked = sorted(sites.items(), key=lambda item: -(item[1][1] + item[1][2]))
        for site, (_, p, r) in ranked[:8]:
            print(f"  {site:32s} precision loss {p:.2f}  recall loss {r:.2f}")
    print("\nworst pages: half, site, precision, recall, words expected / predicted")
    for half, site, p, r, expected, predicted in report["pages"]:
        print(f"  {half} {site:32s} {p:.2f} {r:.2f} {expected:6d} / {predicted}")


def _count(argv: list[str], flag: str, default: int) -> int:
    if flag not in argv:
        return default
    at = argv.index(flag) + 1
    if at >= len(argv) or not argv[at].isdigit():
        raise SystemExit(f"{flag} takes a number of pages, e.g. {flag} {default}")
    return int(argv[at])


def main(argv: list[str]) -> int:
    if not SCORER.exists():
        print(f"corpus tools not found at {SCORER} (set NEWSARCHIVE_CORPUS)")
        return 2
    if "--cv" in argv:
        report = cross_validate()
        print_cv(report)
        save(report)
        return 0
    if "--losses" in argv:
        print_losses(losses(_count(argv, "--losses", 15)))
        return 0
    show = _count(argv, "--show", 3)
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
