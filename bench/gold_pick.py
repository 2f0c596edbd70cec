"""The stories of the gold set's "fresh" third, picked by a rule fixed before any was read.

    .venv/bin/python bench/gold_pick.py        # prints the corpus paths, one a line
    .venv/bin/python bench/gold_pick.py --seed 16 --scale 0.6   # another draw, 60 % as big

The second blind set, "fresh2", was drawn with --seed 17 --scale 0.67 (26 stories: each
kind's count rounds up), after "fresh" was in the gold set, so none of its stories recurs.

Per kind of source, the candidate files are shuffled by a seeded random generator and the
first ones that pass the filters are taken: not already in the gold set, 100 to 800 words
(a headline alone or a brief names too little to score; a long feature takes too long to
label by hand), and English (the word "the" is at least 2 % of the words). newspaper4k's
pages are drawn from its local and national news outlets, chosen by the site's name only.
The rule, the seed and the counts were fixed before any story was picked; the stories were
labelled by reading them and committed before the tagger ran on them.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.gold import CORPUS, load_gold  # noqa: E402

SEED = 15
# (folder inside the corpus, glob, how many)
DRAWS = [
    ("reuters21578/articles", "*.txt", 8),
    ("bbc/business", "*.txt", 2),
    ("bbc/entertainment", "*.txt", 2),
    ("bbc/politics", "*.txt", 2),
    ("bbc/sport", "*.txt", 2),
    ("bbc/tech", "*.txt", 2),
    ("scrapes/expected_body", "*.txt", 6),
    ("newspaper4k/text", "*.txt", 6),
]
NEWS_SITES = {
    "al.com",
    "bloomberg.com",
    "bostonherald.com",
    "businessweek.com",
    "cleveland.com",
    "cnn",
    "dailycaller.com",
    "dailystar.co.uk",
    "dallasnews.com",
    "foxbusiness.com",
    "foxnews.com",
    "globalnews.ca",
    "gulflive.com",
    "huffingtonpost.com",
    "mlive.com",
    "nj.com",
    "nola.com",
    "nydailynews.com",
    "nypost.com",
    "oregonlive.com",
    "pe.com",
    "reuters.com",
    "syracuse.com",
    "talkingpointsmemo.com",
    "telegraph.co.uk",
    "theglobeandmail.com",
    "usnews.com",
}


def _site(path: Path) -> str:
    return path.stem.rstrip("0123456789")


def _eligible(path: Path) -> bool:
    words = path.read_bytes().decode("utf-8", "replace").split()
    if not 100 <= len(words) <= 800:
        return False
    return sum(w.casefold() == "the" for w in words) >= 0.02 * len(words)


def pick(corpus: Path = CORPUS, seed: int = SEED, scale: float = 1.0) -> list[str]:
    taken = {item["source"] for item in load_gold()}
    # A byte-identical copy of a gold story is no fresh story (the BBC folders hold 98).
    seen_bytes = {(corpus / s).read_bytes() for s in taken if (corpus / s).is_file()}
    rng = random.Random(seed)
    out = []
    for folder, pattern, full_count in DRAWS:
        count = max(1, math.ceil(full_count * scale))
        candidates = sorted((corpus / folder).glob(pattern))
        if folder == "newspaper4k/text":
            candidates = [p for p in candidates if _site(p) in NEWS_SITES]
        rng.shuffle(candidates)
        chosen: list[str] = []
        for path in candidates:
            rel = str(path.relative_to(corpus))
            if len(chosen) == count:
                break
            if rel in taken or not _eligible(path):
                continue
            data = path.read_bytes()
            if data in seen_bytes:
                continue
            seen_bytes.add(data)
            chosen.append(rel)
        out += chosen
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--scale", type=float, default=1.0, help="times the counts of DRAWS")
    args = parser.parse_args()
    print(*pick(seed=args.seed, scale=args.scale), sep="\n")
