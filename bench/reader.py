"""Figures for the reader's archive (issue 16), outside the test suite.

    .venv/bin/python -m bench.reader first-page    # fresh clone to first page, by phase
    .venv/bin/python -m bench.reader admin [ID]    # the story change page, ms and queries

`first-page` clones this checkout's HEAD into a temporary folder and runs what
`make run` runs, phase by phase, with the package caches as they are (warm after one
run on the machine), until the home page answers. `admin` renders the story change
page in-process for the story with the most mentions (or ID), on the configured
database, and prints the median and fastest of 15 renders and the query count.
"""

from __future__ import annotations

import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def first_page() -> None:
    folder = Path(tempfile.mkdtemp(prefix="newsarchive-first-page-"))
    clone = folder / "newsarchive"
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    phases = [
        ("clone", ["git", "clone", "-q", str(ROOT), str(clone)], ROOT),
        ("install (make .venv/.installed-run)", ["make", "-s", ".venv/.installed-run"], clone),
        ("write .env (make .env)", ["make", "-s", ".env"], clone),
        ("migrate", [".venv/bin/python", "manage.py", "migrate", "--noinput", "-v0"], clone),
        ("ingest seeds/", [".venv/bin/python", "manage.py", "ingest", "seeds/"], clone),
    ]
    start = time.perf_counter()
    server = None
    try:
        for name, command, cwd in phases:
            t, cpu = time.perf_counter(), _cpu()
            subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True)
            print(f"{name:40} wall {time.perf_counter() - t:6.1f} s   cpu {_cpu() - cpu:6.1f} s")
        t = time.perf_counter()
        server = subprocess.Popen(
            [".venv/bin/python", "manage.py", "runserver", f"127.0.0.1:{port}"],
            cwd=clone,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        print(f"{'runserver until / answers':40} wall {time.perf_counter() - t:6.1f} s")
        print(f"{'fresh clone to first page':40} wall {time.perf_counter() - start:6.1f} s")
        print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


def admin(story_id: int | None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from articles.models import Article

    settings.ALLOWED_HOSTS = ["*"]
    if story_id is None:
        story_id = (
            Article.objects.annotate(n=Count("mentions"))
            .order_by("-n")
            .values_list("pk", flat=True)[0]
        )
    mentions = Article.objects.get(pk=story_id).mentions.count()
    user, _ = get_user_model().objects.get_or_create(
        username="bench-reader", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    url = f"/admin/articles/article/{story_id}/change/"
    client.get(url)  # warm: templates compiled, connections open
    times = []
    for _ in range(15):
        t = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        times.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200
    print(
        f"story {story_id} ({mentions} mentions): median {statistics.median(times):.0f} ms, "
        f"fastest {min(times):.0f} ms, {len(queries)} queries, {len(response.content):,} bytes; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else ""
    if what == "first-page":
        first_page()
    elif what == "admin":
        admin(int(sys.argv[2]) if len(sys.argv) > 2 else None)
    else:
        sys.exit(__doc__)
