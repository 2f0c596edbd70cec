"""The benchmark corpus: Reuters-21578 and BBC News, and a 100k archive derived from them.

Derived stories are real stories of three paragraphs or more with the paragraphs
after the first shuffled (the first, with its dateline, stays first) into an order
no other story has, a numbered variant label on the title and the date moved by a
few weeks. They read like news, carry the same names and words as the
originals (so tagging and search do real work), and hash differently, so the
archive stores each once. The real stories come first, byte for byte.
"""

from __future__ import annotations

import csv
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from .common import CORPUS

VARIANTS = ["Update", "Analysis", "Follow-up", "Briefing", "Review", "Report", "Digest", "Recap"]


@dataclass
class Source:
    path: Path
    date: str  # ISO date or ""


def real_sources(limit: int | None = None) -> list[Source]:
    reuters = CORPUS / "reuters21578"
    dates: dict[str, str] = {}
    with open(reuters / "metadata.tsv", encoding="utf-8", errors="replace") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            try:
                when = datetime.strptime(row["date"].split(".")[0], "%d-%b-%Y %H:%M:%S")
                dates[row["newid"]] = when.date().isoformat()
            except (ValueError, KeyError, AttributeError):
                continue
    sources = [
        Source(path, dates.get(str(int(path.stem)), ""))
        for path in sorted((reuters / "articles").glob("*.txt"))
    ]
    sources += [Source(path, "") for path in sorted((CORPUS / "bbc").glob("*/*.txt"))]
    return sources[:limit] if limit else sources


def _split(text: str) -> tuple[str, list[str]]:
    title, _, rest = text.strip().partition("\n")
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n|\n(?=\s{3,}\S)", rest) if p.strip()]
    return title.strip(), paragraphs


def derived(sources: list[Source], count: int, seed: int = 1987) -> Iterator[tuple[str, str, str]]:
    """(file name, text, date) for `count` stories derived from `sources`.

    Each derived body differs from every other story's, real or derived (the archive
    stores a body once): a story whose paragraphs cannot be put in a new order is
    passed over."""
    usable = []
    seen: set[str] = set()
    for source in sources:
        text = source.path.read_bytes().decode("utf-8", errors="replace")
        title, paragraphs = _split(text)
        seen.add(_key(paragraphs))
        if title and len(paragraphs) >= 3:
            usable.append((source, title, paragraphs))
    rng = random.Random(seed)
    made, turn = 0, 0
    while made < count:
        source, title, paragraphs = usable[turn % len(usable)]
        round_ = turn // len(usable) + 1
        turn += 1
        rest = paragraphs[1:]
        for _attempt in range(4):
            rng.shuffle(rest)
            if _key([paragraphs[0], *rest]) not in seen:
                break
        else:
            continue
        body = [paragraphs[0], *rest]
        seen.add(_key(body))
        label = f"{VARIANTS[made % len(VARIANTS)]} {round_}"
        date = ""
        if source.date:
            moved = datetime.fromisoformat(source.date) + timedelta(days=rng.randint(-60, 60))
            date = moved.date().isoformat()
        text = f"{label}: {title}\n\n" + "\n\n".join(body) + "\n"
        yield f"d{made:06d}.txt", text, date
        made += 1


def _key(paragraphs: list[str]) -> str:
    return " ".join(" ".join(paragraphs).split())


def build(folder: Path, sizes: list[int]) -> list[Path]:
    """Write the corpus in slices: slice k holds the stories from sizes[k-1] to sizes[k].

    Returns the slice folders; beside each is its manifest of dates (see manifest_for),
    outside the folder, so that ingesting the folder does not read it as a story."""
    sources = real_sources()
    total = sizes[-1]
    stamp = folder / f".built-v3-{'-'.join(map(str, sizes))}"
    slices = [folder / f"slice{k:02d}" for k in range(len(sizes))]
    if stamp.exists():
        return slices
    folder.mkdir(parents=True, exist_ok=True)

    def stories() -> Iterator[tuple[str, bytes, str]]:
        for source in sources[:total]:
            yield (
                f"{source.path.parent.name}-{source.path.name}",
                source.path.read_bytes(),
                source.date,
            )
        for name, text, date in derived(sources, max(0, total - len(sources))):
            yield name, text.encode("utf-8"), date

    bounds = [0, *sizes]
    iterator = stories()
    for k, target in enumerate(slices):
        target.mkdir(parents=True, exist_ok=True)
        (target / "manifest.tsv").unlink(missing_ok=True)  # where an older build put it
        with open(manifest_for(target), "w", encoding="utf-8") as manifest:
            manifest.write("file\tdate\n")
            for _ in range(bounds[k + 1] - bounds[k]):
                name, data, date = next(iterator)
                (target / name).write_bytes(data)
                manifest.write(f"{name}\t{date}\n")
    stamp.touch()
    return slices


def manifest_for(slice_folder: Path) -> Path:
    return slice_folder.parent / f"{slice_folder.name}.manifest.tsv"
