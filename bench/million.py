"""A million-story archive, for the search benchmark's last point.

Built from the 100k growth archive by copying its stories and their mentions nine
times, each copy's dates shifted back by two more years (and its content hash, path
and URL made its own), as the search issue allows. The search index is then built
from it by the project's own indexer (bench/search.py times that), never copied.
`python -m bench.million sqlite|postgresql` builds one and probes it.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import time
from contextlib import closing

from .common import PG_ADMIN, WORK, merge_results, pg_url

COPIES = 9  # besides the original: ten times the stories
YEARS_APART = 2

SPECIAL = {
    "content_hash": "substr(content_hash, 1, 56) || '{k:08d}'",
    "source_path": "source_path || '#copy{k}'",
    "url": "CASE WHEN url = '' THEN '' ELSE url || '#copy{k}' END",
}


def _columns(names: list[str], k: int, shift: str, offset: int) -> str:
    out = []
    for name in names:
        if name == "id":
            out.append(f"id + {k * offset}")
        elif name == "published_at":
            out.append(shift.format(k=k * YEARS_APART))
        elif name in SPECIAL:
            out.append(SPECIAL[name].format(k=k))
        else:
            out.append(f'"{name}"')
    return ", ".join(out)


SQLITE_SHIFT = (
    "CASE WHEN published_at IS NULL THEN NULL "
    "ELSE strftime('%Y-%m-%d %H:%M:%S', published_at, '-{k} years') END"
)
POSTGRES_SHIFT = "published_at - interval '{k} years'"


def copy_statements(
    articles: list[str], mentions: list[str], k: int, shift: str, offsets: tuple[int, int]
) -> list[str]:
    """The two INSERTs that add copy `k` of every original story and its mentions."""
    offset, mention_offset = offsets
    mention_columns = [
        f"id + {k * mention_offset}"
        if c == "id"
        else (f"article_id + {k * offset}" if c == "article_id" else c)
        for c in mentions
    ]
    return [
        f"INSERT INTO articles_article ({', '.join(articles)}) "
        f"SELECT {_columns(articles, k, shift, offset)} "
        f"FROM articles_article WHERE id < {offset}",
        f"INSERT INTO articles_mention ({', '.join(mentions)}) "
        f"SELECT {', '.join(mention_columns)} FROM articles_mention WHERE id < {mention_offset}",
    ]


def build_sqlite(source: str, name: str = "bench_million_sqlite") -> str:
    target = WORK / f"{name}.sqlite3"
    target.unlink(missing_ok=True)
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
    with closing(sqlite3.connect(target)) as db:
        db.execute("PRAGMA journal_mode=WAL")
        offset = db.execute("SELECT max(id) FROM articles_article").fetchone()[0] + 1
        mention_offset = db.execute("SELECT max(id) FROM articles_mention").fetchone()[0] + 1
        articles = [r[1] for r in db.execute("PRAGMA table_info(articles_article)")]
        mentions = [r[1] for r in db.execute("PRAGMA table_info(articles_mention)")]
        for k in range(1, COPIES + 1):
            offsets = (offset, mention_offset)
            for sql in copy_statements(articles, mentions, k, SQLITE_SHIFT, offsets):
                db.execute(sql)
            db.commit()
            print(f"million/sqlite: copy {k} of {COPIES}", flush=True)
        db.execute("ANALYZE")
    return f"sqlite:///{target}"


def build_postgresql(source_db: str, name: str = "bench_million_postgresql") -> str:
    import psycopg

    admin = PG_ADMIN.replace("postgres://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source_db}"')
    url = pg_url(name)
    with psycopg.connect(url.replace("postgres://", "postgresql://")) as db:
        offset = db.execute("SELECT max(id) + 1 FROM articles_article").fetchone()[0]
        mention_offset = db.execute("SELECT max(id) + 1 FROM articles_mention").fetchone()[0]

        def columns(table: str) -> list[str]:
            return [
                r[0]
                for r in db.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                    "AND is_generated = 'NEVER' ORDER BY ordinal_position",
                    [table],
                )
            ]

        articles, mentions = columns("articles_article"), columns("articles_mention")
        for k in range(1, COPIES + 1):
            offsets = (offset, mention_offset)
            for sql in copy_statements(articles, mentions, k, POSTGRES_SHIFT, offsets):
                db.execute(sql)
            db.commit()
            print(f"million/postgresql: copy {k} of {COPIES}", flush=True)
        for table in ("articles_article", "articles_mention"):
            db.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"
            )
        db.commit()
    with psycopg.connect(url.replace("postgres://", "postgresql://"), autocommit=True) as db:
        db.execute("VACUUM ANALYZE")
    return url


def database_size(url: str) -> int:
    if url.startswith("sqlite:///"):
        from pathlib import Path

        path = url.removeprefix("sqlite:///")
        files = [Path(path), Path(f"{path}-wal")]
        return sum(f.stat().st_size for f in files if f.exists())
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://")) as db:
        return db.execute("SELECT pg_database_size(current_database())").fetchone()[0]


def run(engine: str) -> dict:
    from . import search
    from .corpus import build as corpus_build

    growth = json.loads((WORK / f"growth-{engine}.json").read_text())
    last = growth[-1]["database_url"]
    start = time.perf_counter()
    if engine == "sqlite":
        url = build_sqlite(last.removeprefix("sqlite:///"))
    else:
        url = build_postgresql(last.rsplit("/", 1)[1])
    copy_seconds = time.perf_counter() - start
    slices = corpus_build(WORK / "corpus100k", search.SIZES)
    timings = search.probe(url, search.candidate_pairs(slices))
    result = {
        "database_url": url,
        "copy_seconds": round(copy_seconds, 1),
        "database_size_mb": round(database_size(url) / 1e6),
        **timings,
    }
    print(json.dumps({k: v for k, v in result.items() if k != "classes"}), flush=True)
    return result


def main() -> int:
    engines = sys.argv[1:] or ["sqlite", "postgresql"]
    for engine in engines:
        merge_results(f"search_million_{engine}", run(engine))
    return 0


if __name__ == "__main__":
    sys.exit(main())
