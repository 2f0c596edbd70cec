"""Pages under load: gunicorn with 2 workers, wrk on loopback for 30 s per page."""

from __future__ import annotations

import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from .common import ROOT, SMALL, env_for, merge_results

PORT = 8765
DURATION = 10 if SMALL else 30
CONNECTIONS = 16


def ensure_wrk() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    # wrk comes from Debian's packages; the bench installs it as root when missing.
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    return shutil.which("wrk") or "wrk"


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server did not answer at {url}")


def start_gunicorn(
    database_url: str, workers: int = 2, args: tuple[str, ...] = (), **extra_env: str
) -> subprocess.Popen:
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", PORT)) == 0:
            raise RuntimeError(f"port {PORT} is already in use")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env_for(database_url),
        check=True,
    )
    process = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "newsarchive.wsgi",
            "--workers", str(workers), "--bind", f"127.0.0.1:{PORT}",
            "--log-level", "warning", "--access-logfile", "-" if False else "/dev/null",
            *args,
        ],
        cwd=ROOT,
        env=env_for(database_url, **extra_env),
        start_new_session=True,
    )  # fmt: skip
    wait_for(f"http://127.0.0.1:{PORT}/")
    return process


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


_LATENCY_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def run_wrk(wrk: str, url: str, duration: int, connections: int) -> dict:
    out = subprocess.run(
        [wrk, "-t2", f"-c{connections}", f"-d{duration}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    p99_ms = float(p99.group(1)) * _LATENCY_UNITS[p99.group(2)] if p99 else None
    errors = 0
    for pattern in (r"Non-2xx or 3xx responses:\s+(\d+)", r"Socket errors:.*?(\d+)"):
        match = re.search(pattern, out)
        if match and "Socket errors" in pattern:
            errors += sum(int(n) for n in re.findall(r"\d+", match.group(0)))
        elif match:
            errors += int(match.group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    return {"req_per_s": round(rps, 1), "p99_ms": p99_ms, "errors": errors, "requests": requests}


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (gunicorn's workers), in MB."""
    total = 0
    pids = [pid] + [
        int(p) for p in subprocess.run(
            ["pgrep", "-P", str(pid)], capture_output=True, text=True
        ).stdout.split()
    ]  # fmt: skip
    for each in pids:
        try:
            with open(f"/proc/{each}/status") as status:
                for line in status:
                    if line.startswith("VmRSS"):
                        total += int(line.split()[1])
        except OSError:
            continue
    return round(total / 1024, 1)


def run(database_url: str, urls: dict[str, str], **extra_env: str) -> dict:
    wrk = ensure_wrk()
    server = start_gunicorn(database_url, **extra_env)
    try:
        results = {}
        for name, path in urls.items():
            url = f"http://127.0.0.1:{PORT}{path}"
            urllib.request.urlopen(url, timeout=10).read()  # warm
            results[name] = run_wrk(wrk, url, DURATION, CONNECTIONS)
            results[name]["path"] = path
            print(f"  {name:8} {results[name]}", flush=True)
        return results
    finally:
        stop(server)


def soak(
    database_url: str,
    path: str,
    seconds: int = 60,
    connections: int = 64,
    ingest: list[str] | None = None,
) -> dict:
    """The hardening issue's load test: 64 connections for 60 s, memory before and after.
    With `ingest` (paths), `manage.py ingest` stores them into the same archive while the
    load runs, as #20 asks: every stored group moves the archive's generation on, so pages
    are rendered again, while the writer holds SQLite's lock. Give it a scratch copy."""
    wrk = ensure_wrk()
    server = start_gunicorn(database_url)
    writer = None
    try:
        url = f"http://127.0.0.1:{PORT}{path}"
        urllib.request.urlopen(url, timeout=10).read()
        before = rss_mb(server.pid)
        if ingest:
            writer = subprocess.Popen(
                [sys.executable, "manage.py", "ingest", *ingest],
                cwd=ROOT, env=env_for(database_url), stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, text=True,
            )  # fmt: skip
        result = run_wrk(wrk, url, seconds, connections)
        result.update(rss_before_mb=before, rss_after_mb=rss_mb(server.pid), path=path)
        if writer is not None:
            result["ingest_running_at_end"] = writer.poll() is None
            writer.send_signal(signal.SIGINT)
            out, err = writer.communicate(timeout=60)
            lines = (out or err).strip().splitlines()
            result["ingest"] = lines[-1] if lines else f"exit {writer.returncode}"
        return result
    finally:
        if writer is not None and writer.poll() is None:
            writer.kill()
        stop(server)


def soak_with_ingest(engine: str, seconds: int = 60) -> dict:
    """soak() on a scratch copy of the largest archive, with the newspaper4k stories (which
    the benchmark archive does not hold) ingested beside it."""
    from .common import PG_ADMIN, WORK, index_dir, pg_url
    from .pages_targets import targets

    url, urls = targets(engine)
    if engine == "sqlite":
        scratch = WORK / "soak.sqlite3"
        shutil.copyfile(url.removeprefix("sqlite:///"), scratch)
        copy = f"sqlite:///{scratch}"
    else:
        import psycopg

        with psycopg.connect(
            PG_ADMIN.replace("postgres://", "postgresql://"), autocommit=True
        ) as db:
            db.execute('DROP DATABASE IF EXISTS "bench_soak" WITH (FORCE)')
            db.execute(f'CREATE DATABASE "bench_soak" TEMPLATE "{url.rsplit("/", 1)[1]}"')
        copy = pg_url("bench_soak")
    # The copy's own search index, from the original's (env_for names it after the copy).
    shutil.rmtree(index_dir(copy), ignore_errors=True)
    if index_dir(url).exists():
        shutil.copytree(index_dir(url), index_dir(copy))
    corpus = ROOT.parent / "shared" / "corpus" / "newspaper4k"
    before = _stories(copy)
    result = soak(copy, urls["home"], seconds=seconds, ingest=[str(corpus)])
    result["stored_during_soak"] = _stories(copy) - before
    return result


def _stories(url: str) -> int:
    if url.startswith("sqlite:///"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            return db.execute("SELECT count(*) FROM articles_article").fetchone()[0]
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://")) as db:
        return db.execute("SELECT count(*) FROM articles_article").fetchone()[0]


if __name__ == "__main__":
    if sys.argv[1] == "soak-ingest":
        engine = sys.argv[2] if len(sys.argv) > 2 else "sqlite"
        found = soak_with_ingest(engine)
        print(found)
        merge_results(f"soak_ingest_{engine}", found)
    elif sys.argv[1] == "million":
        # The story, home, entity and search pages of the million-story archive
        # (bench/million.py builds it) on PostgreSQL, page cache off.
        from .common import pg_url
        from .pages_targets import targets

        url, urls = targets("postgresql", [pg_url("bench_million_postgresql")])
        wanted = ("story", "home", "entity", "search_broad", "search_typical", "search_narrow")
        pages = {name: path for name, path in urls.items() if name in wanted}
        found = run(url, pages, NEWSARCHIVE_PAGE_CACHE_SECONDS="0")
        print(found)
        merge_results("pages_million_postgresql", found)
    else:
        merge_results("pages", run(sys.argv[1], {"home": "/"}))
