"""Every stored source, copyright line and date, run through its validator.

Run: DATABASE_URL=… .venv/bin/python bench/metadata_audit.py [--show N]

Reads the archive that DATABASE_URL names (ingest the corpora into it first), lists each
distinct source or publisher name that a story credits, each distinct copyright line and
each published or updated date, and counts those that their validator in
articles/ingest/validate.py refuses or would change. A source or
publisher that is the story's own headline fails too. Prints the count per kind and up to N
failing values of each kind, with one story that carries it.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def audit() -> dict[str, dict]:
    """{kind: {"checked": n, "failed": [(value, path)]}} for source, copyright and date."""
    from django.db.models import F

    from articles.ingest import validate
    from articles.models import Article

    now = datetime.now(UTC)
    report: dict[str, dict] = {}

    def check(kind: str, rows, ok) -> None:
        seen: dict[object, str] = {}
        for value, path in rows:
            seen.setdefault(value, path)
        failed = [(value, path) for value, path in seen.items() if not ok(value)]
        report[kind] = {"checked": len(seen), "failed": failed}

    names = []
    for field in ("source__name", "publisher__name"):
        names += Article.objects.exclude(**{f"{field}": None}).values_list(field, "source_path")
    check("source", names, lambda name: validate.valid_source(name) == name)
    headlines = []
    for field in ("source__name", "publisher__name"):
        same = Article.objects.filter(**{f"{field}__iexact": F("title")})
        headlines += same.values_list(field, "source_path")
    check("source that is the story's headline", headlines, lambda name: False)
    lines = Article.objects.exclude(copyright="").values_list("copyright", "source_path")
    check("copyright", lines, lambda line: validate.valid_copyright(line) == line)
    dates = []
    for field in ("published_at", "updated_at_source"):
        dates += Article.objects.exclude(**{field: None}).values_list(field, "source_path")
    check("date", dates, lambda when: validate.plausible_date(when, now=now) == when)
    return report


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")
    import django

    django.setup()
    show = int(argv[argv.index("--show") + 1]) if "--show" in argv else 20
    report = audit()
    for kind, found in report.items():
        print(f"{kind}: {found['checked']} distinct values, {len(found['failed'])} fail")
        for value, path in found["failed"][:show]:
            print(f"  {value!r}  ({path})")
    return 1 if any(found["failed"] for found in report.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
