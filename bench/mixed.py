"""Fast pages beside slow ones: the story page and uncached searches under one load.

    .venv/bin/python -m bench.mixed [sqlite|postgresql]

For each worker model (and, with threads, how many searches a process renders at once:
articles/admission.py), gunicorn serves the largest benchmark archive with the page cache
on (the default), and two wrk runs share it for BENCH_MIXED_SECONDS (30): 32 connections
on one story page, which the page cache answers, and 32 on searches that each ask a
different query (a Lua script walks a list of them), so every search is rendered. With
sync workers a slow search holds a whole worker, and the story page waits behind it.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import tempfile
import urllib.request
from urllib.parse import quote_plus

from .common import WORK, merge_results
from .pages import PORT, ensure_wrk, rss_mb, start_gunicorn, stop
from .pages_targets import targets

SECONDS = int(os.environ.get("BENCH_MIXED_SECONDS", "30"))
GTHREAD_8 = ("--worker-class", "gthread", "--threads", "8")
ONE_SLOT = {"NEWSARCHIVE_HEAVY_CONCURRENCY": "1"}
# name: (gunicorn's arguments, the environment: search slots per process and their queue)
MODELS = {
    "2 sync (the default)": (("--worker-class", "sync"), {}),
    "2 gthread x 8, searches unbounded": (GTHREAD_8, {}),
    "2 gthread x 8, 1 search slot + 4 waiting": (GTHREAD_8, ONE_SLOT),
    "2 gthread x 8, 1 search slot + 16 waiting": (
        GTHREAD_8,
        {**ONE_SLOT, "NEWSARCHIVE_HEAVY_QUEUE": "16"},
    ),
}
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def search_paths(count: int = 4000) -> list[str]:
    """Two-word searches from the corpus's own words, none asked twice in a run."""
    words = []
    for record in sorted(WORK.glob("corpus100k/slice00/*.txt"))[:400]:
        words += re.findall(r"[a-z]{5,12}", record.read_text(errors="replace").lower())
    vocabulary = sorted(set(words))
    rng = random.Random(11)
    return [
        f"/search/?q={quote_plus(' '.join(rng.sample(vocabulary, 2)))}&r={n}" for n in range(count)
    ]


def _lua(paths: list[str]) -> str:
    listed = ",\n".join(json.dumps(p) for p in paths)
    return (
        f"paths = {{\n{listed}\n}}\ncounter = 0\n"
        "request = function()\n  counter = counter + 1\n"
        "  return wrk.format('GET', paths[(counter % #paths) + 1])\nend\n"
    )


def _parse(out: str) -> dict:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {
        "req_per_s": round(rps, 1),
        "p99_ms": round(float(p99.group(1)) * _UNITS[p99.group(2)], 1) if p99 else None,
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
    }


def run_model(
    url: str, story: str, args: tuple[str, ...], env: dict[str, str], paths: list[str]
) -> dict:
    wrk = ensure_wrk()
    server = start_gunicorn(url, 2, args, **env)
    try:
        base = f"http://127.0.0.1:{PORT}"
        urllib.request.urlopen(base + story, timeout=30).read()  # into the page cache
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(_lua(paths))
        common = ["-t1", "-c32", f"-d{SECONDS}s", "--latency", "--timeout", "10s"]
        searches = subprocess.Popen(
            [wrk, *common, "-s", script.name, base + "/"], stdout=subprocess.PIPE, text=True
        )
        stories = subprocess.run(
            [wrk, *common, base + story], capture_output=True, text=True, check=True
        )
        found = searches.communicate()[0]
        os.unlink(script.name)
        return {
            "story": _parse(stories.stdout),
            "search": _parse(found),
            "rss_mb": rss_mb(server.pid),
        }
    finally:
        stop(server)


def main(engine: str = "sqlite") -> dict:
    url, urls = targets(engine)
    paths = search_paths()
    results = {}
    for name, (args, env) in MODELS.items():
        results[name] = run_model(url, urls["story"], args, env, paths)
        print(f"{engine} {name:14} {results[name]}", flush=True)
    merge_results("mixed", {engine: {"seconds": SECONDS, "models": results}})
    return results


if __name__ == "__main__":
    import sys

    main(sys.argv[1] if len(sys.argv) > 1 else "sqlite")
