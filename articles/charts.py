"""Geometry for the server-side SVG charts (counts over time), each with a table beside
it: no JavaScript, and every number a reader sees is also in the table."""

from __future__ import annotations

import calendar
from collections.abc import Callable

# Line colours for compared queries: each 3:1 or more against white (WCAG 1.4.11),
# told apart by their markers too, not by colour alone.
SERIES_COLOURS = ["#0b5394", "#b3261e", "#1e7b34", "#7b3fa0", "#8a5300"]
SERIES_MARKERS = ["circle", "square", "diamond", "triangle", "cross"]
# A bar chart labels at most about this many of its bars, so labels never collide.
MAX_AXIS_LABELS = 8
MAX_BAR = 40


def bar_chart(rows: list[dict], peak: int, *, width: int = 600, height: int = 160) -> dict:
    """Geometry for a bar chart of counts over time: rows of {"label", "count", ...}."""
    if not rows or not peak:
        return {}
    # Each bar sits in the middle of an equal slot (as the HTML labels under it do),
    # no wider than MAX_BAR, so one year's bar does not fill the page.
    slot = width / len(rows)
    bar = max(1.0, min(slot - 2, MAX_BAR))
    every = -(-len(rows) // MAX_AXIS_LABELS)  # label every n-th bar, at most ~8 labels
    bars = []
    for i, row in enumerate(rows):
        h = max(1, round(row["count"] / peak * (height - 20))) if row["count"] else 0
        tick = row.get("tick", row["label"]) if i % every == 0 else ""
        x = round(i * slot + (slot - bar) / 2, 2)
        bars.append({**row, "x": x, "y": height - h, "w": round(bar, 2), "h": h, "tick": tick})
    return {"width": width, "height": height, "bars": bars, "peak": peak}


def year_rows(counts: dict[int, int], url: Callable[[int], str] | None = None) -> list[dict]:
    """Every year from the first to the last with a count, the empty ones as 0, so the
    time axis is even."""
    if not counts:
        return []
    return [
        {
            "label": str(year),
            "count": counts.get(year, 0),
            "url": url(year) if url and counts.get(year) else "",
        }
        for year in range(min(counts), max(counts) + 1)
    ]


def span_rows(months: dict[int, int], url: Callable[[int, int], str] | None = None) -> list[dict]:
    """Every month from the first to the last with a count ({year * 100 + month: n}),
    the empty ones as 0."""
    if not months:
        return []
    first, last = min(months), max(months)
    rows: list[dict] = []
    year, month = divmod(first, 100)
    while year * 100 + month <= last:
        n = months.get(year * 100 + month, 0)
        rows.append(
            {
                "label": f"{calendar.month_abbr[month]} {year}",
                "tick": f"{calendar.month_abbr[month]} {year}"
                if month == 1 or not rows
                else calendar.month_abbr[month],
                "count": n,
                "url": url(year, month) if url and n else "",
            }
        )
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return rows


def month_rows(
    year: int, counts: dict[int, int], url: Callable[[int, int], str] | None = None
) -> list[dict]:
    """The twelve months of `year`, {month: count}, the empty ones as 0."""
    return [
        {
            "label": f"{calendar.month_abbr[m]} {year}",
            "tick": calendar.month_abbr[m],
            "count": counts.get(m, 0),
            "url": url(year, m) if url and counts.get(m) else "",
        }
        for m in range(1, 13)
    ]


def line_chart(
    labels: list[str], series: list[list[float]], *, width: int = 640, height: int = 240
) -> dict:
    """Geometry for lines of values over the same periods, one line per series."""
    peak = max((v for values in series for v in values), default=0)
    if not labels or not peak:
        return {}
    left, right, top, bottom = 48, 36, 12, 28
    inner_w, inner_h = width - left - right, height - top - bottom
    step = inner_w / max(1, len(labels) - 1)

    def x(i: int) -> float:
        return round(left + (i * step if len(labels) > 1 else inner_w / 2), 1)

    def y(v: float) -> float:
        return round(top + inner_h - v / peak * inner_h, 1)

    lines = []
    for n, values in enumerate(series):
        points = [
            {"x": x(i), "y": y(v), "value": v, "label": labels[i]} for i, v in enumerate(values)
        ]
        lines.append(
            {
                "colour": SERIES_COLOURS[n % len(SERIES_COLOURS)],
                "marker": SERIES_MARKERS[n % len(SERIES_MARKERS)],
                "path": " ".join(f"{p['x']},{p['y']}" for p in points),
                "points": points,
            }
        )
    every = max(1, len(labels) // 10)  # at most about ten axis labels
    ticks = [{"x": x(i), "label": label} for i, label in enumerate(labels) if i % every == 0]
    return {
        "width": width,
        "height": height,
        "lines": lines,
        "ticks": ticks,
        "peak": peak,
        "top": top,
        "left": left,
        "baseline": top + inner_h,
        "right": width - right,
        "label_y": height - 8,
        "tick_x": left - 6,
        "top_label_y": top + 4,
    }
