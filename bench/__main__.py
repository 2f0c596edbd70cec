"""`make bench`: ingest, search and page benchmarks; figures go to bench/results/latest.json
and a table for people to bench/RESULTS.md. BENCH_SCALE=small runs in a few minutes;
BENCH_ONLY=ingest,search,pages,load picks parts."""

from __future__ import annotations

import os
import sys

from . import ingest, pages, search
from .common import CORPUS, SCALE, merge_results, previous
from .report import write_report


def main() -> int:
    if not CORPUS.is_dir():
        print(f"The benchmarks need the research corpus at {CORPUS} (set NEWSARCHIVE_CORPUS).")
        return 2
    parts = os.environ.get("BENCH_ONLY", "ingest,search,pages,load").split(",")
    engines = os.environ.get("BENCH_ENGINES", "sqlite,postgresql").split(",")
    print(f"benchmarks at scale {SCALE}: {', '.join(parts)} on {', '.join(engines)}", flush=True)
    if "ingest" in parts:
        merge_results("ingest", ingest.run("sqlite"))
    if "search" in parts:
        # Keep the other engine's figures when only one is run again.
        merge_results("search", {**previous("search"), **search.run(engines)})
    if "pages" in parts or "load" in parts:
        from .pages_targets import targets

        for engine in engines:
            url, urls = targets(engine)
            if "pages" in parts:
                print(f"pages/{engine}", flush=True)
                measured = pages.run(url, urls)
                merge_results(f"pages_{engine}", measured)
                if engine == engines[0]:  # the figures under the issue's own key
                    merge_results("pages", {**measured, "engine": engine})
                # The same pages rendered on every request: what the page cache saves.
                print(f"pages/{engine}, page cache off", flush=True)
                merge_results(
                    f"pages_{engine}_uncached",
                    pages.run(url, urls, NEWSARCHIVE_PAGE_CACHE_SECONDS="0"),
                )
            if "load" in parts and engine == engines[0]:
                print(f"load/{engine}: 64 connections", flush=True)
                merge_results(
                    "load", pages.soak(url, urls["story"], seconds=20 if SCALE == "small" else 60)
                )
    write_report()
    return 0


if __name__ == "__main__":
    sys.exit(main())
