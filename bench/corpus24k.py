"""The real 24k archive (Reuters-21578 + BBC News) on one engine: ingest each corpus
(counts, time, peak RSS), then time the search page on it. For the notes of the
ingest and search issues; `python -m bench.corpus24k sqlite|postgresql`."""

from __future__ import annotations

import json
import sys

from . import search
from .common import CORPUS, RESULTS, fresh_database, manage
from .ingest import ingest, stored_words


def main(engine: str) -> None:
    url = fresh_database(engine, f"bench_real_{engine}")
    manage(url, "collectstatic", "--noinput", "-v0")
    out: dict = {"engine": engine}
    reuters = CORPUS / "reuters21578"
    out["reuters"] = ingest(url, [str(reuters / "articles")], reuters / "metadata.tsv")
    out["bbc"] = ingest(url, [str(CORPUS / "bbc")])
    out["stories"], out["words"] = stored_words(url)
    pairs = search.candidate_pairs(CORPUS / "reuters21578" / "articles")
    out["search"] = search.probe(url, pairs)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"real24k_{engine}.json").write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main(sys.argv[1])
