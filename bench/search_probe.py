"""Runs inside Django against a benchmark database: picks the queries, times the page."""

from __future__ import annotations

import json
import sys
import time

import django


def main() -> None:
    spec = json.loads(sys.argv[1])
    django.setup()
    from django.test import Client

    from articles.models import Article
    from bench.common import summary_ms

    total = Article.objects.published().count()
    chosen: dict[str, list[tuple[str, int]]] = {name: [] for name in spec["classes"]}
    for pair in spec["pairs"]:
        if all(len(v) >= spec["per_class"] for v in chosen.values()):
            break
        count = Article.objects.published().search(pair).count()
        share = count / total if total else 0
        for name, (low, high) in spec["classes"].items():
            in_class = low <= share <= high and (count > 0 or name != "narrow")
            if in_class and len(chosen[name]) < spec["per_class"]:
                chosen[name].append((pair, count))
                break

    client = Client()
    for _ in range(spec["warmup"]):
        for queries in chosen.values():
            for pair, _count in queries:
                client.get("/search/", {"q": pair})
    classes = {}
    for name, queries in chosen.items():
        seconds = []
        for pair, _count in queries:
            start = time.perf_counter()
            response = client.get("/search/", {"q": pair})
            seconds.append(time.perf_counter() - start)
            assert response.status_code == 200, (pair, response.status_code)
        if seconds:
            classes[name] = {
                **summary_ms(seconds),
                "stories": round(sum(c for _, c in queries) / len(queries)),
                "queries": [pair for pair, _ in queries],
                "count": len(queries),
            }
    print(json.dumps({"stories": total, "classes": classes}))


if __name__ == "__main__":
    main()
