"""The growth archive's derived tail, stored without tagging it again.

The derived stories of bench/corpus.py are real stories with their paragraphs after
the first shuffled, a variant label on the headline and the date moved. Ingesting
them runs the tagger on text it has already tagged, and on a busy two-core machine
the 70,000 of the last slice took about two hours. This stores each derived story
as its original's row with the derived headline, body, date, path and hash, and the
original's mentions: what ingest would store but for the tagger seeing the
paragraphs in another order. Search indexes them with its own code, from nothing
(bench/search.py), as ever.

`python -m bench.tail ARCHIVE.sqlite3 SLICE_FOLDER [SLICE_FOLDER...]` adds the
slices' derived stories (files named d*.txt) to the archive; real stories in a slice
must have been ingested already.
"""

from __future__ import annotations

import csv
import hashlib
import re
import sqlite3
import sys
from collections import Counter
from contextlib import closing
from datetime import datetime
from pathlib import Path

_BLANK = re.compile(r"\n\s*\n")


def _normal(text: str) -> str:
    return " ".join(text.split())


def _paragraphs(body: str) -> list[str]:
    return [p for p in (_normal(part) for part in _BLANK.split(body)) if p]


def originals(db: sqlite3.Connection) -> dict[str, int]:
    """Each paragraph of a real (not derived) story -> the first story that has it."""
    out: dict[str, int] = {}
    rows = db.execute(
        "SELECT id, body FROM articles_article WHERE source_path NOT LIKE '%/d______.txt'"
    )
    for pk, body in rows:
        for paragraph in _paragraphs(body):
            out.setdefault(paragraph, pk)
            out.setdefault(paragraph[:60], pk)  # the parser may have split or joined lines
    return out


def add_slice(
    db: sqlite3.Connection, folder: Path, index: dict[str, int], placed: list | None = None
) -> int:
    """Add the folder's derived stories; `placed`, if given, gets (story id, original id)
    for each."""
    dates = {}
    with open(folder.parent / f"{folder.name}.manifest.tsv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            dates[row["file"]] = row["date"]
    columns = [r[1] for r in db.execute("PRAGMA table_info(articles_article)")]
    mention_columns = [r[1] for r in db.execute("PRAGMA table_info(articles_mention)")]
    kept = [c for c in mention_columns if c not in ("id", "article_id")]
    now = datetime.now().isoformat(sep=" ")
    stored = {r[0] for r in db.execute("SELECT source_path FROM articles_article")}
    added, skipped = 0, []
    for path in sorted(folder.glob("d*.txt")):
        if str(path) in stored:  # ingested already
            continue
        text = path.read_text(encoding="utf-8")
        headline, _, rest = text.partition("\n")
        paragraphs = _paragraphs(rest)
        votes = Counter(index[p] for p in paragraphs if p in index)
        votes = votes or Counter(index[p[:60]] for p in paragraphs if p[:60] in index)
        if not votes:  # its original was not stored (a duplicate of another, say)
            skipped.append(path.name)
            continue
        original = votes.most_common(1)[0][0]
        row = dict(
            zip(
                columns,
                # Not *: that has the generated month_day, which table_info leaves out.
                db.execute(
                    f"SELECT {', '.join(columns)} FROM articles_article WHERE id = ?", [original]
                ).fetchone(),
                strict=True,
            )
        )
        body = "\n\n".join(part.strip() for part in _BLANK.split(rest.strip()))
        published = row["published_at"]
        if dates.get(path.name):
            clock = published[11:] if published else "00:00:00"
            published = f"{dates[path.name]} {clock}"
        row.update(
            id=None,
            title=headline.strip(),
            slug=(row["slug"] or "story")[:180] + f"-{path.stem}",
            body=body,
            summary=paragraphs[0][:300],
            word_count=len(body.split()),
            published_at=published,
            content_hash=hashlib.sha256(_normal(body).encode()).hexdigest(),
            source_path=str(path),
            raw_input=text,
            url="",
            created_at=now,
            updated_at=now,
        )
        names = [c for c in columns if c != "id"]
        cursor = db.execute(
            f"INSERT INTO articles_article ({', '.join(names)}) "
            f"VALUES ({', '.join('?' for _ in names)})",
            [row[c] for c in names],
        )
        if placed is not None:
            placed.append((cursor.lastrowid, original))
        db.execute(
            f"INSERT INTO articles_mention (article_id, {', '.join(kept)}) "
            f"SELECT ?, {', '.join(kept)} FROM articles_mention WHERE article_id = ?",
            [cursor.lastrowid, original],
        )
        added += 1
    if skipped:
        print(f"tail: {len(skipped)} in {folder.name} have no stored original, e.g. {skipped[:3]}")
    return added


def main() -> int:
    archive, *folders = sys.argv[1:]
    with closing(sqlite3.connect(archive)) as db:
        index = originals(db)
        for folder in folders:
            added = add_slice(db, Path(folder), index)
            db.commit()
            print(f"tail: {added} derived stories from {folder}", flush=True)
        db.execute("ANALYZE")
    return 0


if __name__ == "__main__":
    sys.exit(main())
