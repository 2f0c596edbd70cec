"""Links from a story's text to the pages of the entities it is tagged with.

The body is untrusted text: it is escaped piece by piece here and only the links this
module writes are markup, so a story's own `<script>` stays text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class LinkTarget:
    names: tuple[str, ...]  # the forms to look for: the surface form found, the name
    url: str
    title: str  # said to the reader: "Tony Blair (person)"


def _pattern(names: tuple[str, ...]) -> re.Pattern | None:
    forms = sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True)
    if not forms:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(f) for f in forms) + r")(?!\w)")


def link_first_mentions(paragraphs: list[str], targets: list[LinkTarget]) -> list[SafeString]:
    """The paragraphs, escaped, with the first mention of each target linked to its
    page. Where two mentions overlap the one found first (then the longer) wins."""
    found: list[tuple[int, int, int, LinkTarget]] = []  # paragraph, start, end, target
    for target in targets:
        pattern = _pattern(target.names)
        if pattern is None:
            continue
        for index, text in enumerate(paragraphs):
            match = pattern.search(text)
            if match:
                found.append((index, match.start(), match.end(), target))
                break
    found.sort(key=lambda f: (f[0], f[1], -(f[2] - f[1])))
    by_paragraph: dict[int, list[tuple[int, int, LinkTarget]]] = {}
    for index, start, end, target in found:
        spans = by_paragraph.setdefault(index, [])
        if spans and start < spans[-1][1]:
            continue  # inside a mention already linked
        spans.append((start, end, target))
    out = []
    for index, text in enumerate(paragraphs):
        pieces, at = [], 0
        for start, end, target in by_paragraph.get(index, []):
            pieces.append(escape(text[at:start]))
            pieces.append(
                format_html(
                    '<a class="entity-link" href="{}" title="{}">{}</a>',
                    target.url,
                    target.title,
                    text[start:end],
                )
            )
            at = end
        pieces.append(escape(text[at:]))
        out.append(mark_safe("".join(pieces)))  # every piece above is escaped
    return out
