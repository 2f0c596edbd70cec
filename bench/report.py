"""bench/RESULTS.md: the figures of bench/results/latest.json as tables for people."""

from __future__ import annotations

import json

from .common import RESULTS, ROOT


def _kept(point: dict) -> str:
    """The search page's p95 per class after five edits, each its own commit: the
    segments a live index holds."""
    kept = point.get("kept_in_step")
    if not kept:
        return ""
    c = kept["classes"]
    p95 = " / ".join(str(c[k]["p95_ms"]) if k in c else "-" for k in ("broad", "typical", "narrow"))
    return f"{kept['segments']}: {p95}"


def _row(cells) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def write_report() -> None:
    data = json.loads((RESULTS / "latest.json").read_text())
    machine = data.get("machine", {})
    lines = [
        "# Benchmark results",
        "",
        "Made by `make bench` (scale: " + data.get("scale", "?") + "); the raw figures are in "
        "`bench/results/latest.json`.",
        "",
        f"Machine: {machine.get('cpu', '?')}, {machine.get('cores', '?')} cores, "
        f"{machine.get('memory', '?')}; Python {machine.get('python', '?')}; "
        f"{machine.get('system', '')}.",
        "",
    ]
    if "ingest" in data:
        i = data["ingest"]
        lines += [
            "## Ingest (Reuters-21578 and BBC News, parse + tag + store, SQLite)",
            "",
            _row(["stories", "words", "seconds", "words/s", "NER alone words/s", "ratio",
                  "peak RSS MB"]),
            _row(["---"] * 7),
            _row([i["stories"], i["words"], i["seconds"], i["words_per_s"],
                  i["ner_alone_words_per_s"], i.get("ratio_to_ner_alone", ""), i["peak_rss_mb"]]),
            "",
        ]  # fmt: skip
    if "search" in data:
        lines += [
            "## Search page (ranking, snippets and facets), per query class",
            "",
            "The archive: all of Reuters-21578 and BBC News as they are, then stories derived",
            "from them up to 100,000: a real story with its paragraphs after the first",
            "shuffled, a numbered variant label on its headline and its date moved by up to",
            "60 days (bench/corpus.py). They carry the names and words of real news, so",
            "tagging and search do real work, and hash differently, so each is stored. The",
            "archive is ingested in slices (10k, 30k, 100k), timed, and snapshotted at each",
            "size; PostgreSQL searches the same rows, copied (bench/copy_archive.py).",
            "",
            "Queries are two words: broad ones match 30 % or more of the stories, typical",
            "ones 0.5-2 %, narrow ones under 0.2 %; 20 of each (fewer where the corpus has",
            "fewer), each timed three times after two warm-up rounds, through Django's test",
            "client (the whole page: exact count, BM25 over every match, exact facet counts",
            "over every match, snippets, template). Each page's count is checked against the",
            "query's own, and the top person of each of five queries per class against the",
            "total of the same search filtered by that person. At each size the search index",
            "is built from nothing by `manage.py search_index rebuild`, timed.",
            "",
        ]
        lines += [_row(["engine", "class", "archive", "matches (mean)", "p50 ms", "p95 ms"])]
        lines += [_row(["---"] * 6)]
        for engine, classes in data["search"].items():
            for name in ("broad", "typical", "narrow"):
                if name in classes:
                    c = classes[name]
                    lines.append(_row([engine, name, c.get("archive_stories", ""), c["stories"],
                                       c["p50_ms"], c["p95_ms"]]))  # fmt: skip
        lines += ["", "### Growth", ""]
        points = [(engine, point) for engine, classes in data["search"].items()
                  for point in classes.get("growth", [])]  # fmt: skip
        for engine in ("sqlite", "postgresql"):
            key = f"search_million_{engine}"
            if key in data:
                points.append((engine, {**data[key], "search": data[key]["classes"]}))
        lines += [_row(["engine", "stories", "ingest s (slice)", "broad p50/p95",
                        "typical p50/p95", "narrow p50/p95", "index build s", "index MB",
                        "indexer RSS MB", "web RSS MB", "edit→search ms p50",
                        "facet checks", "segments",
                        "kept in step: segments, broad / typical / narrow p95"]),
                  _row(["---"] * 14)]  # fmt: skip
        for engine, point in points:
            s = point["search"]
            how = point.get("ingest_seconds") or (
                f"copied ({point['copy_seconds']} s)"
                if "copy_seconds" in point
                else "(copied from SQLite)"
            )
            lines.append(_row([
                engine, point["stories"], how,
                *(f"{s[k]['p50_ms']} / {s[k]['p95_ms']}" if k in s else ""
                  for k in ("broad", "typical", "narrow")),
                point.get("index_build_seconds", ""), point.get("index_size_mb", ""),
                point.get("index_peak_rss_mb", ""), point.get("peak_rss_mb", ""),
                point.get("edit_to_search_ms", {}).get("p50_ms", ""),
                point.get("facet_checks", ""), point.get("segments", ""), _kept(point),
            ]))  # fmt: skip
        for engine in ("sqlite", "postgresql"):
            key = f"search_million_{engine}"
            if key in data:
                lines.append(f"\nThe million-story {engine} archive (bench/million.py): "
                             f"{data[key]['database_size_mb']} MB of database.")  # fmt: skip
        lines.append("")
    quiet = [e for e in ("sqlite", "postgresql") if f"search_quiet_100k_{e}" in data]
    if quiet:
        lines += ["## Search page at 100k, probed again on a quieter machine (load about 1-2)",
                  "", _row(["engine", "class", "p50 ms", "p95 ms", "matches (mean)"]),
                  _row(["---"] * 5)]  # fmt: skip
        for engine in quiet:
            for name, c in data[f"search_quiet_100k_{engine}"]["classes"].items():
                lines.append(_row([engine, name, c["p50_ms"], c["p95_ms"], c["stories"]]))
        lines.append("")
    for engine in ("sqlite", "postgresql"):
        key = f"search_load_{engine}"
        if key in data:
            lines += [f"## The search page under load ({engine}, 100k stories): gunicorn, "
                      "2 workers, wrk 2 threads x 16 connections, 30 s", ""]  # fmt: skip
            lines += [_row(["query class", "req/s", "p99 ms", "errors"]), _row(["---"] * 4)]
            for page, r in data[key].items():
                lines.append(_row([page, r["req_per_s"], r["p99_ms"], r["errors"]]))
            lines.append("")
    if data.get("note_pages"):
        lines += [data["note_pages"], ""]
    # "pages" repeats the first engine's figures (pages_<engine>) under one fixed key.
    for key in sorted(k for k in data if k.startswith("pages_")):
        engine, _, variant = key.removeprefix("pages_").partition("_")
        how = "page cache off" if variant == "uncached" else "page cache on (the default)"
        lines += [f"## Pages under load ({engine or 'default'}, {how}): gunicorn, "
                  "2 workers, wrk on loopback", ""]  # fmt: skip
        lines += [_row(["page", "req/s", "p99 ms", "errors"]), _row(["---"] * 4)]
        for page, r in data[key].items():
            lines.append(_row([page, r["req_per_s"], r["p99_ms"], r["errors"]]))
        lines.append("")
    for engine, run in sorted(data.get("page_cpu", {}).items()):
        lines += [f"## Uncached pages in-process ({engine}, page cache off; `python -m "
                  "bench.page_cpu`)", "",
                  "CPU milliseconds of the rendering process per page (median and fastest "
                  "of the repeats) and its queries, on " + run["database_url"].rsplit("/", 1)[-1]
                  + ". CPU time is what a worker spends, whatever else the machine runs.", "",
                  _row(["page", "cpu ms p50", "cpu ms min", "queries", "path"]),
                  _row(["---"] * 5)]  # fmt: skip
        for page, r in run["pages"].items():
            lines.append(_row([page, r["cpu_ms_p50"], r["cpu_ms_min"], r["queries"], r["url"]]))
        lines.append("")
    for engine, run in sorted(data.get("mixed", {}).items()):
        lines += [f"## Fast pages beside slow ones ({engine}; `python -m bench.mixed`)", "",
                  f"Two wrk runs at once for {run['seconds']} s: 32 connections on a story "
                  "page (page cache on) and 32 on searches that are each asked once.", "",
                  _row(["workers", "story req/s", "story p99 ms", "search req/s",
                        "of them 503 (busy)", "search p99 ms", "RSS MB"]),
                  _row(["---"] * 7)]  # fmt: skip
        for model, r in run["models"].items():
            story, found = r["story"], r["search"]
            busy = round(found["non_2xx"] / (found["req_per_s"] * run["seconds"]) * 100)
            lines.append(_row([model, story["req_per_s"], story["p99_ms"], found["req_per_s"],
                               f"{busy} %", found["p99_ms"], r["rss_mb"]]))  # fmt: skip
        lines.append("")
    for engine in ("sqlite", "postgresql"):
        r = data.get(f"soak_ingest_{engine}")
        if r:
            lines += [f"## Soak with an ingest beside it ({engine}; `python -m bench.pages "
                      f"soak-ingest {engine}`)", "",
                      f"64 connections on the home page for 60 s (page cache on) while "
                      f"`manage.py ingest` stored {r['stored_during_soak']} new stories into "
                      f"the same archive (a scratch copy of the largest): {r['requests']} "
                      f"requests, {r['req_per_s']} req/s, p99 {r['p99_ms']} ms, **{r['errors']} "
                      f"errors**; server memory {r['rss_before_mb']} MB before, "
                      f"{r['rss_after_mb']} MB after.", ""]  # fmt: skip
    if "load" in data:
        r = data["load"]
        lines += ["## Soak: 64 connections against the story page", ""]
        lines += [f"{r['requests']} requests, {r['req_per_s']} req/s, p99 {r['p99_ms']} ms, "
                  f"{r['errors']} errors; server memory {r['rss_before_mb']} MB before, "
                  f"{r['rss_after_mb']} MB after.", ""]  # fmt: skip
    lines += cluster_lines()
    lines += extraction_lines()
    (ROOT / "bench" / "RESULTS.md").write_text("\n".join(lines))


def extraction_lines() -> list[str]:
    """Body extraction under cross-validation by site (bench/extraction.py --cv) and KSL
    fields on invented layouts (bench/ksl_fields.py); each writes its own file."""
    lines = []
    cv_path, ksl_path = RESULTS / "extraction.json", RESULTS / "ksl_fields.json"
    if cv_path.exists():
        cv = json.loads(cv_path.read_text())
        kept = cv["kept"]
        lines += [
            "## Body extraction F1 (`python bench/extraction.py --cv`, scrapes by site)",
            "",
            f"trafilatura {cv['trafilatura']}. Pages split into two halves by site; passes "
            "chosen on one half and kept only if they help the other (docs/extraction.md).",
            "",
        ]
        for half, fold in cv["folds"].items():
            lines.append(
                f"- chosen on half {half}: {fold['base']} base + {', '.join(fold['chosen'])} "
                f"(F1 {fold['score']}); helping the other half: {', '.join(fold['confirmed'])}"
            )
        lines += [
            f"- kept: {kept['base']} base + {', '.join(kept['passes'])}",
            "",
            _row(["", "half A", "half B", "all"]),
            _row(["---"] * 4),
        ]
        for name in cv["halves"]["A"]:
            lines.append(_row([name, *(cv["halves"][h][name] for h in ("A", "B", "all"))]))
        lines.append("")
    if ksl_path.exists():
        ksl = json.loads(ksl_path.read_text())
        lines += [
            "## KSL-style fields right on invented layouts (`python bench/ksl_fields.py`)",
            "",
            _row(["layouts", "pages", "fields right", "share"]),
            _row(["---"] * 4),
        ]
        for folder, r in ksl.items():
            lines.append(_row([folder, r["pages"], f"{r['right']}/{r['total']}", r["share"]]))
        lines.append("")
    return lines


def cluster_lines() -> list[str]:
    """Story clusters (bench/clusters.py writes its own files): detection on the labelled
    pairs, and the 100k archive's rebuild, pages and ingest with detection on and off."""
    lines = []
    pairs_path, archive_path = RESULTS / "clusters_pairs.json", RESULTS / "clusters_100k.json"
    if pairs_path.exists():
        pairs = json.loads(pairs_path.read_text())
        chosen = pairs["chosen_on_A"]
        lines += [
            "## Story clusters: detection on labelled pairs (`python -m bench.clusters pairs`)",
            "",
            "Thresholds chosen on half A: "
            + ", ".join(f"{name.replace('_', ' ')} {value}" for name, value in chosen.items())
            + ".",
            "",
            _row(
                ["pairs", "half", "count", "same", "precision", "recall", "false joins", "missed"]
            ),
            _row(["---"] * 8),
        ]
        for which, key in (
            ("all", "halves"),
            ("natural (hand-labelled and identical)", "halves_natural"),
            ("hand-labelled", "halves_hand_labelled"),
        ):
            for half, r in pairs.get(key, {}).items():
                lines.append(_row([which, half, r["pairs"], r["same"], round(r["precision"], 3),
                                   round(r["recall"], 3), r["false_joins"],
                                   r["missed"]]))  # fmt: skip
        lines += ["", _row(["kind", "pairs", "same story", "joined"]), _row(["---"] * 4)]
        for kind, r in pairs["by_kind"].items():
            lines.append(_row([kind, r["pairs"], r["same"], r["joined"]]))
        lines.append("")
    if archive_path.exists():
        a = json.loads(archive_path.read_text())
        shape, rebuild = a["shape"], a["rebuild"]
        lines += [
            "## Story clusters at 100k (`python -m bench.clusters archive`, SQLite)",
            "",
            f"`clusters rebuild`: {rebuild['seconds']} s, peak {rebuild['peak_rss_mb']} MB "
            f"({rebuild['said']}). Search index built with clusters: "
            f"{a['search_index_build']['seconds']} s.",
            "",
            f"{shape['public_stories']} public stories: {shape['clusters']} clusters hold "
            f"{shape['copies_in_clusters']} copies, {shape['stories_alone']} stand alone, so "
            f"a collapsed list counts {shape['collapsed_count']} (cluster size p50 "
            f"{shape['cluster_size_p50']}, p99 {shape['cluster_size_p99']}, max "
            f"{shape['cluster_size_max']}).",
            "",
            _row(["page (one gunicorn worker, page cache off)", "requests", "p50 ms", "p95 ms"]),
            _row(["---"] * 4),
        ]
        for page, r in a["pages"].items():
            lines.append(_row([page, r["requests"], r["p50_ms"], r["p95_ms"]]))
        if "ingest" in a:
            i = a["ingest"]
            lines += ["", _row(["ingest of the same new stories", "seconds", "words/s"]),
                      _row(["---"] * 3)]  # fmt: skip
            for mode in ("on", "off"):
                lines.append(_row([f"detection {mode}", i[mode]["seconds"],
                                   i[mode]["words_per_s"]]))  # fmt: skip
            lines += ["", f"{i['files']} files, {i['words']} words; on/off = "
                      f"{i['ratio_on_to_off']}.", ""]  # fmt: skip
    lines += _small_cluster_lines()
    return lines


PAGE_COLUMNS = [
    "page", "requests", "gunicorn p50 ms", "p95 ms", "in process p50 ms", "p95 ms",
    "CPU p50 ms", "CPU p95 ms",
]  # fmt: skip


def _ingest_pair_lines(a: dict) -> list[str]:
    """`bench.clusters ingest`'s interleaved pairs: every run, then the totals."""
    i = a["ingest"]
    when = f"{a['measured']}: " if a.get("measured") else ""
    lines = [
        f"{when}an archive of the first {a['archive_stories']} real stories, then half of "
        + (
            f"the {i['files']} real stories that follow them in the corpora (an ordinary "
            "batch: a few are copies) "
            if a.get("kind") == "real"
            else f"{i['files']} derived copies of them (each joins a cluster) "
        )
        + "into a fresh copy of it, "
        f"{i['pairs']} pairs of runs with detection on and off, interleaved (on, off, then "
        "off, on, ...; the halves in turn). CPU is the ingest's own, its threads' "
        "(Tantivy's) and its workers'. The machine has 2 cores and is shared: the wall "
        "times carry other people's load.",
        "",
        _row(
            [
                "pair",
                "half",
                "detection",
                "seconds",
                "CPU seconds",
                "words per CPU second",
                "index documents",
                "of them clusters'",
                "commits",
            ]
        ),
        _row(["---"] * 9),
    ]
    for r in i["runs"]:
        n = r["index"]
        lines.append(_row([r["pair"], r["half"], r["mode"], r["seconds"], r["cpu_seconds"],
                           r["words_per_cpu_s"], n.get("documents", ""),
                           n.get("cluster_documents", ""), n.get("commits", "")]))  # fmt: skip
    lines += ["", _row(["detection", "seconds", "words/s", "CPU seconds",
                        "words per CPU second", "index documents"]),
              _row(["---"] * 6)]  # fmt: skip
    for mode in ("on", "off"):
        m = i[mode]
        lines.append(_row([mode, m["seconds"], m["words_per_s"], m["cpu_seconds"],
                           m["words_per_cpu_s"], m["index_documents"]]))  # fmt: skip
    pairs = ", ".join(f"{p['wall']} / {p['cpu']}" for p in i["pair_ratios"])
    lines += ["", f"On/off over all runs: {i['ratio_on_to_off']} by wall time, "
              f"{i['cpu_ratio_on_to_off']} by CPU time; each pair (wall / CPU): {pairs}.",
              ""]  # fmt: skip
    loads = [r["load_average_after"] for r in i["runs"] if "load_average_after" in r]
    if loads:
        lines += [f"The machine's load average (1 min, 2 cores) after each run: "
                  f"{', '.join(str(x) for x in loads)}.", ""]  # fmt: skip
    return lines


def _small_cluster_lines() -> list[str]:
    """`python -m bench.clusters ingest` and `pages`: on archives this machine builds in
    minutes, with CPU times beside the wall times (the machine is shared)."""
    lines = []
    pages_path = RESULTS / "clusters_pages.json"
    for name, engine, kind in (
        ("clusters_ingest", "SQLite", ""),
        ("clusters_ingest_real", "SQLite", " real"),
        ("clusters_ingest_postgres", "PostgreSQL", ""),
        ("clusters_ingest_postgres_real", "PostgreSQL", " real"),
    ):
        ingest_path = RESULTS / f"{name}.json"
        if not ingest_path.exists():
            continue
        a = json.loads(ingest_path.read_text())
        i = a["ingest"]
        lines += [
            "## Story clusters: ingest with detection on and off (`python -m bench.clusters "
            f"ingest{'' if engine == 'SQLite' else ' postgres'}{kind}`, {engine})",
            "",
        ]
        if "runs" in i:
            lines += _ingest_pair_lines(a)
            continue
        lines += [
            f"An archive of the first {a['archive_stories']} real stories, then {i['files']} "
            f"derived copies of them ({i['words']} words), half with detection and half "
            "without, in the order on, off, off, on.",
            "",
            _row(["detection", "seconds", "words/s", "CPU seconds", "words per CPU second"]),
            _row(["---"] * 5),
        ]
        for mode in ("on", "off"):
            m = i[mode]
            lines.append(_row([mode, m["seconds"], m["words_per_s"], m.get("cpu_seconds", ""),
                               m.get("words_per_cpu_s", "")]))  # fmt: skip
        lines += ["", f"On/off: {i['ratio_on_to_off']} by wall time, "
                  f"{i.get('cpu_ratio_on_to_off', '-')} by CPU time.", ""]  # fmt: skip
    if pages_path.exists():
        a = json.loads(pages_path.read_text())
        shape = a["shape"]
        lines += [
            "## Story clusters: the versions page (`python -m bench.clusters pages`, SQLite)",
            "",
            f"{shape['public_stories']} public stories in {shape['clusters']} clusters (size "
            f"p50 {shape['cluster_size_p50']}, p99 {shape['cluster_size_p99']}, max "
            f"{shape['cluster_size_max']}; derived copies placed in their originals' clusters).",
            "",
            _row(PAGE_COLUMNS),
            _row(["---"] * 8),
        ]
        for page, r in a["pages"].items():
            q = a.get("pages_in_process", {}).get(page, {})
            cpu = q.get("cpu", {})
            lines.append(_row([page, r["requests"], r["p50_ms"], r["p95_ms"], q.get("p50_ms", ""),
                               q.get("p95_ms", ""), cpu.get("p50_ms", ""),
                               cpu.get("p95_ms", "")]))  # fmt: skip
        lines.append("")
    versions_path = RESULTS / "clusters_versions.json"
    if versions_path.exists():
        a = json.loads(versions_path.read_text())
        lines += [
            "## Story clusters: the versions page at scale (`python -m bench.clusters "
            "versions`, SQLite)",
            "",
            f"{a['stories']} invented stories as bare rows, in clusters of 2-6, 150, 240 and "
            "1,000 copies; each page through Django's test client, the page cache off.",
            "",
            _row(["page", "requests", "p50 ms", "p95 ms", "CPU p50 ms", "CPU p95 ms"]),
            _row(["---"] * 6),
        ]
        for page, q in a["pages_in_process"].items():
            lines.append(_row([page, q["requests"], q["p50_ms"], q["p95_ms"],
                               q["cpu"]["p50_ms"], q["cpu"]["p95_ms"]]))  # fmt: skip
        lines.append("")
    return lines
