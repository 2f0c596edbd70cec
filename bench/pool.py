"""PostgreSQL connections per request: `python -m bench.pool`.

A small archive (the seed stories) on PostgreSQL, the page cache off, gunicorn with 2
sync workers and with 2 gthread workers of 4 threads, wrk for BENCH_POOL_SECONDS per
page at 16 connections, for three ways of holding connections: a new one per request
(CONN_MAX_AGE=0), one persistent per thread (the default, CONN_MAX_AGE=60), and
psycopg's pool (DJANGO_DB_POOL=1). Figures go to bench/results/pool.json.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from .common import RESULTS, ROOT, env_for, fresh_database, manage
from .pages import ensure_wrk, run_wrk, stop, wait_for

PORT = 8766
SECONDS = int(os.environ.get("BENCH_POOL_SECONDS", "10"))
HOLDING = {
    "new connection per request": {"DJANGO_CONN_MAX_AGE": "0"},
    "persistent (CONN_MAX_AGE=60)": {"DJANGO_CONN_MAX_AGE": "60"},
    "psycopg pool (DJANGO_DB_POOL=1)": {"DJANGO_DB_POOL": "1"},
}
WORKERS = {
    "2 sync": ["--workers", "2"],
    "2 gthread x 4": ["--workers", "2", "--worker-class", "gthread", "--threads", "4"],
}


def connections_open(database: str) -> int:
    out = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc",
         f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{database}'"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return int(out.stdout.strip())


def main() -> int:
    wrk = ensure_wrk()
    url = fresh_database("postgresql", "bench_pool")
    manage(url, "ingest", "seeds/", "-v0")
    manage(url, "collectstatic", "--noinput", "-v0")
    pages = {"story": "/stories/1/", "api": "/api/stories/"}
    results: dict = {}
    for workers, args in WORKERS.items():
        for holding, env in HOLDING.items():
            server = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "newsarchive.wsgi", *args,
                 "--bind", f"127.0.0.1:{PORT}", "--log-level", "warning"],
                cwd=ROOT,
                env=env_for(url, NEWSARCHIVE_PAGE_CACHE_SECONDS="0", **env),
                start_new_session=True,
            )  # fmt: skip
            try:
                base = f"http://127.0.0.1:{PORT}"
                wait_for(base + "/healthz")
                row = {}
                for name, path in pages.items():
                    wait_for(base + path)
                    row[name] = run_wrk(wrk, base + path, SECONDS, 16)
                row["server_connections"] = connections_open("bench_pool")
            finally:
                stop(server)
            results.setdefault(workers, {})[holding] = row
            print(workers, holding, json.dumps(row), flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "pool.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
