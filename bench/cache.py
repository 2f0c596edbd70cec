"""The page cache's candidates, measured as the page cache uses them: `python -m bench.cache`.

Per backend: the median and p95 microseconds of get and set of a 40 kB page, of the
generation read every cached request makes (get of a small integer), and of incr (every
change to the archive). Figures go to bench/results/cache.json.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time

import django
from django.conf import settings

from .common import RESULTS

PAGE = ("<p>" + "x" * 60 + "</p>\n") * 600  # about 40 kB, a story page's size
ROUNDS = int(os.environ.get("BENCH_CACHE_ROUNDS", "2000"))


def candidates(workdir: str) -> dict[str, dict]:
    return {
        "locmem (one process only)": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "file": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": f"{workdir}/file",
            "OPTIONS": {"MAX_ENTRIES": 1000},
        },
        "database (SQLite)": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "bench_cache",
        },
        "database (PostgreSQL)": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "bench_cache",
        },
        "redis": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12"),
            "KEY_PREFIX": "bench-cache",
        },
    }


def timed(action, rounds: int) -> dict:
    samples = []
    for n in range(rounds):
        start = time.perf_counter()
        action(n)
        samples.append((time.perf_counter() - start) * 1e6)
    samples.sort()
    return {
        "median_us": round(statistics.median(samples), 1),
        "p95_us": round(samples[int(len(samples) * 0.95)], 1),
    }


def measure(cache) -> dict:
    cache.clear()
    keys = 500  # a working set of stored pages, as the site keeps
    for n in range(keys):
        cache.set(f"page:{n}", PAGE, 600)
    cache.set("generation", 1, None)
    return {
        "get page": timed(lambda n: cache.get(f"page:{n % keys}"), ROUNDS),
        "set page": timed(lambda n: cache.set(f"page:{n % keys}", PAGE, 600), ROUNDS),
        "get generation": timed(lambda n: cache.get("generation"), ROUNDS),
        "incr generation": timed(lambda n: cache.incr("generation"), ROUNDS // 4),
    }


def main() -> int:
    workdir = tempfile.mkdtemp(prefix="bench-cache-")
    pg = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    import dj_database_url

    databases = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": f"{workdir}/cache.sqlite3",
            "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"},
        },
        "pg": dj_database_url.parse(pg),
    }
    configs = candidates(workdir)
    for config in configs.values():  # room for the working set, as the site's settings
        if "redis" not in config["BACKEND"]:
            config["OPTIONS"] = {"MAX_ENTRIES": 1000}
    configs["database (PostgreSQL)"]["LOCATION"] = "bench_cache_pg"
    settings.configure(
        DATABASES=databases,
        CACHES=dict(configs.items()),
        DATABASE_ROUTERS=["bench.cache.PgCacheRouter"],
        INSTALLED_APPS=[],
        USE_TZ=True,
    )
    django.setup()
    from django.core.cache import caches
    from django.core.management import call_command

    call_command("createcachetable", database="default", verbosity=0)
    call_command("createcachetable", database="pg", verbosity=0)
    results = {}
    for name in configs:
        try:
            results[name] = measure(caches[name])
        except Exception as exc:  # a server that is not there: say so, measure the rest
            results[name] = {"error": f"{exc.__class__.__name__}: {exc}"}
        print(name, json.dumps(results[name]), flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "cache.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


class PgCacheRouter:
    """The PostgreSQL cache table lives in the "pg" database, the SQLite one in default."""

    def db_for_read(self, model, **hints):
        return "pg" if model._meta.db_table == "bench_cache_pg" else "default"

    db_for_write = db_for_read

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return True


if __name__ == "__main__":
    sys.exit(main())
