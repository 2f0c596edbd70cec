"""Which pages to load: real ones from the largest benchmark archive built so far."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .common import ROOT, WORK, env_for, pg_url

CODE = """
import django, json; django.setup()
from articles.models import Article, Entity
story = Article.objects.published().order_by("pk")[Article.objects.count() // 2]
person = Entity.objects.top("person", 1)[0]
source = story.source or story.publisher
print(json.dumps({
    "story": story.get_absolute_url(),
    "entity": person.get_absolute_url(),
    "source": source.get_absolute_url() if source else "",
}))
"""


def candidates(engine: str) -> list[str]:
    """Database URLs to try, largest archive first: the growth run's last, then others."""
    urls = []
    for record in (f"growth-{engine}.json", f"growth-{engine}-small.json"):
        if (WORK / record).exists():
            urls.append(json.loads((WORK / record).read_text())[-1]["database_url"])
    for name in (f"bench_search_{engine}", f"bench_ingest_{engine}", "bench_ingest_sqlite"):
        if name.endswith("sqlite") or engine == "sqlite":
            path = WORK / f"{name}.sqlite3"
            if path.exists():
                urls.append(f"sqlite:///{path}")
        else:
            urls.append(pg_url(name))
    return urls


def search_pages(engine: str) -> dict[str, str]:
    """One search page of each query class the search benchmark chose on this engine."""
    from urllib.parse import urlencode

    latest = ROOT / "bench" / "results" / "latest.json"
    if not latest.exists():
        return {}
    found = json.loads(latest.read_text()).get("search", {}).get(engine, {})
    pages = {}
    for name in ("broad", "typical", "narrow"):
        queries = found.get(name, {}).get("queries") or []
        if queries:
            pages[f"search_{name}"] = "/search/?" + urlencode({"q": queries[0]})
    return pages


def targets(engine: str, urls: list[str] | None = None) -> tuple[str, dict[str, str]]:
    """The first archive of `urls` (by default the benchmark's, largest first) that
    answers, and its pages to load."""
    for url in urls or candidates(engine):
        out = subprocess.run(
            [sys.executable, "-c", CODE],
            cwd=ROOT,
            env={**env_for(url), "DJANGO_SETTINGS_MODULE": "newsarchive.settings"},
            capture_output=True,
            text=True,
        )
        if out.returncode == 0:
            found = json.loads(out.stdout.strip().splitlines()[-1])
            return url, {
                "story": found["story"],
                "home": "/",
                "search": "/search/?q=oil+prices",
                **search_pages(engine),
                "entity": found["entity"],
                **({"source": found["source"]} if found["source"] else {}),
            }
    raise RuntimeError(f"no benchmark archive on {engine}: run the ingest or search part first")


__all__ = ["Path", "targets"]
