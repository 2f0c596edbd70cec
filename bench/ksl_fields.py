"""Share of KSL-style header and footer fields read right, on invented layouts.

Run: .venv/bin/python bench/ksl_fields.py

Three folders of invented pages, each with an expected.json (file name -> the twelve fields):
- tests/fixtures/ksl/layouts: written together with the parser's header rules;
- tests/fixtures/ksl/unseen: written afterwards, from the bylines and stamps KSL.com prints,
  and measured before the parser was changed for any of them (issue #21's "unseen layouts");
  the parser was then changed for what they showed (138/144 -> 144/144);
- tests/fixtures/ksl/holdout: written after that change and never used to change the parser:
  the held-out figure.

A field is right when it equals the expected value exactly (the lede: the first characters
of the first paragraph, as many as expected). The figures go to bench/results/ksl_fields.json,
which bench/report.py shows in bench/RESULTS.md. tests/ingest/test_ingest_ksl.py imports
`measure` to hold the figures above a floor.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from articles.ingest import ParsedStory, parse_bytes  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "ksl"
FOLDERS = ("layouts", "unseen", "holdout")


def expected(folder: str) -> dict[str, dict]:
    return json.loads((FIXTURES / folder / "expected.json").read_text(encoding="utf-8"))


def fields(story: ParsedStory, *, lede: int) -> dict:
    """The fields of a story in expected.json's terms."""

    def stamp(when):
        return when.isoformat() if when else None

    return {
        "title": story.title,
        "byline": story.byline,
        "source": story.source,
        "published_at": stamp(story.published_at),
        "updated_at": stamp(story.updated_at),
        "read_time": list(story.read_time) if story.read_time else None,
        "dateline": story.dateline,
        "section": story.section,
        "topics": story.topics,
        "disclaimer": bool(story.disclaimer),
        "paragraphs": len(story.paragraphs),
        "lede": story.paragraphs[0][:lede] if story.paragraphs else "",
    }


def read(folder: str, name: str, want: dict) -> dict:
    data = (FIXTURES / folder / name).read_bytes()
    return fields(parse_bytes(data, path=name), lede=len(want["lede"]))


def measure(folder: str) -> tuple[int, int, list[tuple[str, str, object, object]]]:
    """Fields right, fields in all, and each wrong one: (file, field, read, expected)."""
    right = total = 0
    wrong = []
    for name, want in expected(folder).items():
        got = read(folder, name, want)
        for key, value in want.items():
            total += 1
            if got[key] == value:
                right += 1
            else:
                wrong.append((name, key, got[key], value))
    return right, total, wrong


RESULT = ROOT / "bench" / "results" / "ksl_fields.json"


def main() -> int:
    figures = {}
    for folder in FOLDERS:
        right, total, wrong = measure(folder)
        pages = len(expected(folder))
        print(f"{folder}: {right}/{total} fields right ({right / total:.1%}) on {pages} pages")
        for name, key, got, want in wrong:
            print(f"  {name} {key}: read {got!r}, expected {want!r}")
        figures[folder] = {
            "pages": pages,
            "right": right,
            "total": total,
            "share": round(right / total, 4),
        }
    RESULT.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
