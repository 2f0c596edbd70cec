"""What the benchmarks share: where things are, a database of their own, timing helpers."""

from __future__ import annotations

import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work"
RESULTS = ROOT / "bench" / "results"
CORPUS = Path(os.environ.get("NEWSARCHIVE_CORPUS", ROOT.parent / "shared" / "corpus"))
SCALE = os.environ.get("BENCH_SCALE", "full")
SMALL = SCALE == "small"
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgres://postgres@127.0.0.1:5432/postgres")


def pg_url(name: str) -> str:
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name


def index_dir(database_url: str) -> Path:
    """Each benchmark database's search index, in bench/work/search-index/<name>."""
    name = database_url.rstrip("/").rsplit("/", 1)[-1].removesuffix(".sqlite3")
    (WORK / "search-index").mkdir(parents=True, exist_ok=True)
    return WORK / "search-index" / name


def env_for(database_url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "NEWSARCHIVE_SEARCH_INDEX": str(index_dir(database_url)),
        "DJANGO_SECRET_KEY": "bench-not-secret",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DJANGO_LOG_LEVEL": "ERROR",
        **extra,
    }


def manage(database_url: str, *args: str, check: bool = True, **kwargs):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env_for(database_url),
        check=check,
        **kwargs,
    )


def fresh_database(engine: str, name: str) -> str:
    """An empty, migrated database for one benchmark run."""
    WORK.mkdir(parents=True, exist_ok=True)
    if engine == "sqlite":
        path = WORK / f"{name}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        import psycopg

        with psycopg.connect(
            PG_ADMIN.replace("postgres://", "postgresql://"), autocommit=True
        ) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            db.execute(f'CREATE DATABASE "{name}"')
        url = pg_url(name)
    manage(url, "migrate", "--noinput", "-v0")
    return url


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = (len(ordered) - 1) * pct / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def summary_ms(seconds: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {
        "p50_ms": round(statistics.median(ms), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "max_ms": round(max(ms), 1),
    }


@contextmanager
def timer():
    box = {}
    start = time.perf_counter()
    yield box
    box["seconds"] = time.perf_counter() - start


def machine() -> dict[str, str]:
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) // 1024 // 1024} GiB"
    except OSError:
        pass
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": memory,
        "python": platform.python_version(),
        "system": platform.platform(),
    }


def previous(part: str) -> dict:
    """A part's figures in bench/results/latest.json, if any."""
    path = RESULTS / "latest.json"
    return json.loads(path.read_text()).get(part, {}) if path.exists() else {}


STORY_SLUG = re.compile(r"(/stories/\d+)-[^/\s\"]+/")


def merge_results(part: str, data: dict) -> None:
    """Write one benchmark's figures into bench/results/latest.json."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / "latest.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    results[part] = data
    results["machine"] = machine()
    results["scale"] = SCALE
    text = json.dumps(results, indent=2, sort_keys=True, ensure_ascii=False)
    # A story's address carries its headline, which is the corpus's text: only the id stays.
    path.write_text(STORY_SLUG.sub(r"\1-…/", text) + "\n")
