"""Two copies of a story side by side: which paragraphs one added, removed, changed or
moved, and within a changed paragraph which words. Escaped here, marked with
<ins>/<del>, so a story's own markup never reaches the page."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Paragraphs this alike (difflib's ratio of their words) are one paragraph changed;
# less alike, one removed and another added.
CHANGED_RATIO = 0.5


@dataclass
class Row:
    kind: str  # "same", "changed", "removed", "added", "moved"
    left: SafeString | str
    right: SafeString | str


def _normal(paragraph: str) -> str:
    return " ".join(paragraph.split())


def _words(left: str, right: str) -> tuple[SafeString, SafeString]:
    a, b = left.split(), right.split()
    out_a, out_b = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        old, new = escape(" ".join(a[i1:i2])), escape(" ".join(b[j1:j2]))
        if op == "equal":
            out_a.append(old)
            out_b.append(new)
            continue
        if i2 > i1:
            out_a.append(SafeString(f"<del>{old}</del>"))  # `old` is escaped
        if j2 > j1:
            out_b.append(SafeString(f"<ins>{new}</ins>"))  # `new` is escaped
    return mark_safe(" ".join(out_a)), mark_safe(" ".join(out_b))  # every piece escaped


def paragraphs(left: list[str], right: list[str]) -> list[Row]:
    """Rows in reading order of both copies: a paragraph both have, one only the left
    (removed) or only the right (added) has, one changed between them, or one both
    have in another place (moved, shown where the right copy has it)."""
    a = [_normal(p) for p in left if p.strip()]
    b = [_normal(p) for p in right if p.strip()]
    rows: list[Row] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            rows += [Row("same", escape(p), escape(p)) for p in a[i1:i2]]
            continue
        old, new = a[i1:i2], b[j1:j2]
        while old or new:
            if old and new:
                ratio = difflib.SequenceMatcher(None, old[0].split(), new[0].split()).ratio()
                if ratio >= CHANGED_RATIO:
                    rows.append(Row("changed", *_words(old.pop(0), new.pop(0))))
                    continue
            if old and (not new or old[0] not in b[j1:]):
                rows.append(Row("removed", escape(old.pop(0)), ""))
            elif new:
                rows.append(Row("added", "", escape(new.pop(0))))
            else:
                rows.append(Row("removed", escape(old.pop(0)), ""))
    # A paragraph removed in one place and added in another is one that moved.
    removed = {r.left: r for r in rows if r.kind == "removed"}
    out = []
    for row in rows:
        if row.kind == "added" and row.right in removed:
            out.append(Row("moved", row.right, row.right))
            removed.pop(row.right).kind = "gone"
            continue
        out.append(row)
    return [row for row in out if row.kind != "gone"]


def summary(rows: list[Row]) -> dict[str, int]:
    counts = {"same": 0, "changed": 0, "removed": 0, "added": 0, "moved": 0}
    for row in rows:
        counts[row.kind] += 1
    return counts
