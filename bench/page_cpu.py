"""Where an uncached page's time goes: each page rendered in-process with the page
cache off, as CPU milliseconds of this process and the queries it made.

    .venv/bin/python -m bench.page_cpu [sqlite|postgresql] [REPEATS]

CPU time is what a worker spends on the page, whatever else the machine runs, so this
can profile on a busy machine where wrk's requests per second cannot. The pages are the
load benchmark's (bench/pages_targets.py), on the largest benchmark archive built.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

from .common import env_for, merge_results
from .pages_targets import targets


def measure(urls: dict[str, str], repeats: int) -> dict[str, dict]:
    import django

    django.setup()
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import override_settings

    client = Client()
    out = {}
    with override_settings(NEWSARCHIVE_PAGE_CACHE_SECONDS=0, DEBUG=True):
        for name, url in urls.items():
            client.get(url)  # warm: the process's first render compiles templates
            cpu, wall = [], []
            for _ in range(repeats):
                reset_queries()
                c, w = time.process_time(), time.perf_counter()
                response = client.get(url)
                cpu.append((time.process_time() - c) * 1000)
                wall.append((time.perf_counter() - w) * 1000)
                queries = len(connection.queries)
            out[name] = {
                "url": url,
                "status": response.status_code,
                "cpu_ms_p50": round(statistics.median(cpu), 1),
                "cpu_ms_min": round(min(cpu), 1),
                "wall_ms_p50": round(statistics.median(wall), 1),
                "queries": queries,
            }
            print(
                f"{name:16} {out[name]['cpu_ms_p50']:7.1f} ms cpu (min "
                f"{out[name]['cpu_ms_min']:.1f})  {queries:3} queries  {url}",
                flush=True,
            )
    return out


def main() -> None:
    engine = sys.argv[1] if len(sys.argv) > 1 else "sqlite"
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    url, urls = targets(engine)
    os.environ.update(env_for(url))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")
    print(f"{engine}: {url}")
    merge_results("page_cpu", {engine: {"database_url": url, "pages": measure(urls, repeats)}})


if __name__ == "__main__":
    main()
