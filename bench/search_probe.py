"""Runs inside Django against a benchmark database with its index built: picks the
queries, times the whole search page, checks that its counts are exact, and times an
edit's way into search."""

from __future__ import annotations

import json
import resource
import sys
import time

import django


def main() -> None:
    spec = json.loads(sys.argv[1])
    django.setup()
    from django.test import Client

    from articles import search
    from articles.models import Article

    def count(q: str) -> int:
        return search.run(search.SearchRequest(query=search.parse(q), limit=0)).total

    total = Article.objects.published().count()
    chosen: dict[str, list[tuple[str, int]]] = {name: [] for name in spec["classes"]}
    for pair in spec["pairs"]:
        if all(len(v) >= spec["per_class"] for v in chosen.values()):
            break
        matches = count(pair)
        share = matches / total if total else 0
        for name, (low, high) in spec["classes"].items():
            in_class = low <= share <= high and (matches > 0 or name != "narrow")
            if in_class and len(chosen[name]) < spec["per_class"]:
                chosen[name].append((pair, matches))
                break

    client = Client()
    for _ in range(spec["warmup"]):
        for queries in chosen.values():
            for pair, _count in queries:
                client.get("/search/", {"q": pair})
    classes, checked = time_classes(client, chosen, spec.get("repeat", 3), check=True)
    one = segments()
    edit = edit_to_search(client)
    # The index as a live archive has it: each edit above was its own commit, and a
    # commit adds a segment that the merge policy never merges into the big one.
    kept, _ = time_classes(client, chosen, spec.get("repeat", 3), check=False)
    print(
        json.dumps(
            {
                "stories": total,
                "classes": classes,
                "facet_checks": checked,
                "segments": one,
                "edit_to_search_ms": edit,
                "kept_in_step": {"segments": segments(), "classes": kept},
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            }
        )
    )


def segments() -> int | None:
    from articles import search

    index = getattr(search.get_backend(), "index", None)
    return index.searcher().num_segments if index is not None else None


def time_classes(client, chosen: dict, repeat: int, *, check: bool) -> tuple[dict, int]:
    """The whole search page's time per query class; with `check`, the top values of
    five queries per class are counted again as filters (exact facets)."""
    from articles import search
    from bench.common import summary_ms

    classes = {}
    checked = 0
    for name, queries in chosen.items():
        seconds = []
        for _ in range(repeat):
            for pair, _matches in queries:
                start = time.perf_counter()
                response = client.get("/search/", {"q": pair})
                seconds.append(time.perf_counter() - start)
                assert response.status_code == 200, (pair, response.status_code)
        # Exact facets: the top values of each query count what filtering on them finds.
        for pair, matches in queries[:5] if check else []:
            parsed = search.parse(pair)
            answer = search.run(
                search.SearchRequest(query=parsed, limit=0, facets=("person", "place", "year"))
            )
            assert answer.total == matches, pair
            for kind in ("person", "place"):
                for value, n in answer.facets.get(kind, [])[:2]:
                    filters = search.Filters(entities={kind: (value,)})
                    request = search.SearchRequest(query=parsed, filters=filters, limit=0)
                    assert search.run(request).total == n, (pair, kind, value, n)
                    checked += 1
            for year, n in answer.facets.get("year", [])[:2]:
                request = search.SearchRequest(
                    query=parsed, filters=search.Filters(year=year), limit=0
                )
                assert search.run(request).total == n, (pair, year, n)
                checked += 1
        if seconds:
            classes[name] = {
                **summary_ms(seconds),
                "stories": round(sum(c for _, c in queries) / len(queries)),
                "queries": [pair for pair, _ in queries],
                "count": len(queries),
                "samples": len(seconds),
            }
    return classes, checked


def edit_to_search(client, rounds: int = 5) -> dict:
    """From an admin-style edit's commit to the search page that finds it: the page's
    own catch-up applies the change (no indexer process runs here)."""
    from articles.models import Article
    from articles.services import curation
    from bench.common import summary_ms

    story = Article.objects.published().order_by("-id").first()
    original = story.title
    seconds = []
    try:
        for n in range(rounds):
            word = f"zqxbench{n}word"
            story.title = f"{original} {word}"
            curation.admin_save(obj=story)  # its own transaction
            start = time.perf_counter()
            response = client.get("/search/", {"q": word})
            seconds.append(time.perf_counter() - start)
            assert response.status_code == 200 and word in response.content.decode()
    finally:
        story.title = original
        curation.admin_save(obj=story)
    return summary_ms(seconds)


if __name__ == "__main__":
    main()
