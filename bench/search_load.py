"""The search page under load: gunicorn with 2 workers, wrk on loopback, one query of
each class the search benchmark chose, at the growth archive's largest size, rendered
every time and as served from the page cache.
`python -m bench.search_load sqlite|postgresql`; figures go to latest.json."""

from __future__ import annotations

import json
import sys

from . import pages
from .common import WORK, merge_results
from .pages_targets import search_pages


def run(engine: str) -> dict:
    growth = json.loads((WORK / f"growth-{engine}.json").read_text())
    url = growth[-1]["database_url"]
    urls = search_pages(engine)
    if not urls:
        raise RuntimeError("run the search benchmark first: it chooses the queries")
    # Rendered on every request (the page cache off: what a search nobody asked for in
    # the last minute costs), and as served (a search asked again finds its stored page
    # while the archive and the index are unchanged).
    rendered = pages.run(url, urls, NEWSARCHIVE_PAGE_CACHE_SECONDS="0")
    stored = pages.run(url, urls)
    return {**rendered, **{f"{name}_stored": row for name, row in stored.items()}}


def main() -> int:
    for engine in sys.argv[1:] or ["sqlite", "postgresql"]:
        merge_results(f"search_load_{engine}", run(engine))
    return 0


if __name__ == "__main__":
    sys.exit(main())
