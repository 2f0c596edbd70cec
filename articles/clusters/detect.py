"""Near-duplicate detection: MinHash/LSH for candidates, exact shingle sets to decide."""

from __future__ import annotations

import datetime
import hashlib
import re
from dataclasses import dataclass
from functools import cache

import numpy as np

_WORD = re.compile(r"\w+")
# A story's numbers: its words with a digit in them (what r"\w*\d\w*" finds in the text).
_DIGIT = re.compile(r"\d")
SHINGLE = 5  # words per shingle
# A story of fewer shingles than this (about 14 words) joins no cluster on its own:
# so short a text (a price line, a one-sentence brief) matches its templates too well.
MIN_SHINGLES = 10
# The first shingles of a story, in reading order: its lede. A copy keeps the lede (a
# trim cuts the end, chrome goes around it); another report of the same event shares
# background paragraphs but opens its own way.
HEAD = 30
# A wire dateline's date ("FRANKFURT, March 5 -") within the first characters of a body.
_DATELINE = re.compile(
    r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
    r"(?:uary|ruary|ch|il|e|y|ust|t|tember|ober|ember)?\.?\s+(\d{1,2})\b",
    re.IGNORECASE,
)
_DATELINE_SPAN = 120
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
NUM_PERM = 64
# LSH bands of BAND_ROWS rows: a pair with Jaccard J becomes a candidate with
# probability 1 - (1 - J**BAND_ROWS)**KEY_COUNT (0.99 at J = 0.4, 0.8 at J = 0.25).
BAND_ROWS = 2
KEY_COUNT = NUM_PERM // BAND_ROWS
_BAND_PERSONS = tuple(band.to_bytes(2, "big") for band in range(KEY_COUNT))  # hashed in
# MinHash as datasketch's "affine32" scheme computes it (the MurmurHash3 finaliser, then
# a * h + b modulo 2**32 with its seed's a and b), over the low half of each shingle's
# hash: the same signatures bit for bit (tests/services/test_clusters.py holds them
# against datasketch), without importing datasketch and scipy in every ingest.
_SEED = 1
_MASK32 = np.uint64((1 << 32) - 1)


@dataclass(frozen=True)
class Fingerprint:
    shingles: frozenset[int]
    numbers: frozenset[str]
    keys: tuple[int, ...]  # LSH band keys, signed 64-bit (they are stored in the database)
    head: tuple[int, ...] = ()  # the first HEAD distinct shingles, in reading order
    day: int | None = None  # the day of the year its dateline names, if it names one


@dataclass(frozen=True)
class Similarity:
    jaccard: float  # shared shingles / all shingles of either
    containment: float  # shared shingles / the smaller story's shingles
    numbers: float  # shared numbers / the numbers of the story that states fewer
    smaller: int  # the smaller story's shingle count
    head: float = 1.0  # the larger share of either story's lede found in the other
    days_apart: int | None = None  # between their datelines' dates, when both name one


@dataclass(frozen=True)
class Thresholds:
    containment: float  # with the lede shared (head >= `head`)
    jaccard: float
    numbers: float
    head: float = 0.0
    containment_alone: float = 0.0  # enough whatever the lede (a rewritten opening)
    days_apart: int = 366  # datelines further apart are two reports (a daily notice)
    short: int = 0  # a shorter story (a notice, a brief) must be nearly all in the other:
    containment_short: float = 0.0  # its template's next issue differs only in a word


# Chosen on half A of the labelled pairs, checked on half B (bench/clusters.py).
DEFAULT = Thresholds(
    containment=0.55,
    jaccard=0.2,
    numbers=0.0,
    head=0.5,
    containment_alone=0.75,
    days_apart=1,
    short=45,
    containment_short=0.9,
)


def words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def _hash64(data: str) -> int:
    return int.from_bytes(hashlib.blake2b(data.encode("utf-8"), digest_size=8).digest(), "big")


_word_hashes: dict[str, int] = {}
_MAX_WORDS = 500_000  # a long ingest's vocabulary; past it the cache starts again
# Odd 64-bit multipliers: a shingle's hash is a polynomial in its words' hashes.
_POWERS = np.array(
    [pow(0x9E3779B97F4A7C15, k, 1 << 64) | 1 for k in range(SHINGLE)], dtype=np.uint64
)


def _word_ids(tokens: list[str]) -> np.ndarray:
    if len(_word_hashes) > _MAX_WORDS:
        _word_hashes.clear()
    known = _word_hashes
    for token in set(tokens).difference(known):
        known[token] = _hash64(token)
    return np.fromiter(map(known.__getitem__, tokens), np.uint64, len(tokens))


def _mix(values: np.ndarray) -> np.ndarray:
    """A 64-bit finaliser (splitmix64's), so every bit of a shingle's hash depends on all
    of its words."""
    values = values ^ (values >> np.uint64(30))
    values = values * np.uint64(0xBF58476D1CE4E5B9)
    values = values ^ (values >> np.uint64(27))
    values = values * np.uint64(0x94D049BB133111EB)
    return values ^ (values >> np.uint64(31))


def shingles(tokens: list[str], size: int = SHINGLE) -> frozenset[int]:
    """The hashes of the text's runs of `size` words (the whole text when shorter)."""
    return frozenset(_ordered_shingles(tokens, size).tolist())


def _ordered_shingles(tokens: list[str], size: int = SHINGLE) -> np.ndarray:
    if not tokens:
        return np.empty(0, dtype=np.uint64)
    ids = _word_ids(tokens)
    with np.errstate(over="ignore"):  # the arithmetic is modulo 2**64 on purpose
        if len(ids) <= size:
            combined = (ids * _POWERS[: len(ids)]).sum(dtype=np.uint64, keepdims=True)
        else:
            count = len(ids) - size + 1
            combined = np.zeros(count, dtype=np.uint64)
            for k in range(size):
                combined += ids[k : k + count] * _POWERS[k]
        return _mix(combined)


@cache
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """datasketch's a (odd) and b for `_SEED`, drawn as it draws them."""
    generator = np.random.RandomState(_SEED)
    a = generator.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = generator.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


def _fmix32(values: np.ndarray) -> np.ndarray:
    values = values ^ (values >> np.uint32(16))
    values = values * np.uint32(0x85EBCA6B)
    values = values ^ (values >> np.uint32(13))
    values = values * np.uint32(0xC2B2AE35)
    return values ^ (values >> np.uint32(16))


def signature(hashes: frozenset[int] | np.ndarray) -> np.ndarray:
    """The MinHash signature (NUM_PERM uint32 values) of a set of 64-bit shingle hashes."""
    if not isinstance(hashes, np.ndarray):
        hashes = np.fromiter(hashes, np.uint64, len(hashes))
    a, b = _permutations()
    if not hashes.size:
        return np.full(NUM_PERM, np.iinfo(np.uint32).max, dtype=np.uint32)
    low = (hashes & _MASK32).astype(np.uint32)
    with np.errstate(over="ignore"):  # modulo 2**32 on purpose
        return (_fmix32(low)[:, None] * a + b).min(axis=0)


def candidate_keys(hashes: frozenset[int]) -> tuple[int, ...]:
    """The story's LSH keys: one per band of its MinHash signature, the band's number
    hashed in, as signed 64-bit integers."""
    if not hashes:
        return ()
    packed = signature(hashes).astype(">u4").tobytes()
    width = BAND_ROWS * 4  # a band's rows, as big-endian 32-bit values
    return tuple(
        int.from_bytes(
            hashlib.blake2b(
                packed[band * width : (band + 1) * width], digest_size=8, person=person
            ).digest(),
            "big",
            signed=True,
        )
        for band, person in enumerate(_BAND_PERSONS)
    )


def dateline_day(text: str) -> int | None:
    """The day of the year (1-366) of the date a body opens with, as wire datelines do."""
    found = _DATELINE.search(text[:_DATELINE_SPAN])
    if found is None:
        return None
    try:
        day = datetime.date(2000, _MONTHS.index(found[1].casefold()) + 1, int(found[2]))
    except ValueError:  # "May 40"
        return None
    return day.timetuple().tm_yday


def fingerprint(text: str, *, keys: bool = True) -> Fingerprint:
    """What detection needs of a story's text (its headline left out: copies re-headline).
    Without `keys`, only what a comparison needs (a candidate's stored keys found it)."""
    tokens = words(text)
    ordered = _ordered_shingles(tokens)
    hashed = frozenset(ordered.tolist())
    numbers = frozenset(filter(_DIGIT.search, tokens))
    return Fingerprint(
        shingles=hashed,
        numbers=numbers,
        keys=candidate_keys(hashed) if keys else (),
        head=tuple(dict.fromkeys(ordered[: HEAD * 2].tolist()))[:HEAD],
        day=dateline_day(text),
    )


@dataclass(frozen=True)
class Packed:
    """A fingerprint's shingles as a sorted array (8 bytes a shingle, against about 60
    in a frozenset): what a rebuild holds in memory for every story it has met."""

    shingles: np.ndarray
    numbers: frozenset[str]
    head: np.ndarray
    day: int | None


def packed(found: Fingerprint) -> Packed:
    return Packed(
        np.sort(np.fromiter(found.shingles, np.uint64, len(found.shingles))),
        found.numbers,
        np.fromiter(found.head, np.uint64, len(found.head)),
        found.day,
    )


def _share(found: int, of: int) -> float:
    return found / of if of else 1.0


def similarity(a: Fingerprint, b: Fingerprint) -> Similarity:
    head = max(
        _share(sum(h in b.shingles for h in a.head), len(a.head)),
        _share(sum(h in a.shingles for h in b.head), len(b.head)),
    )
    shared = len(a.shingles & b.shingles)
    return _similarity(shared, len(a.shingles), len(b.shingles), a, b, head)


def similarity_packed(a: Packed, b: Packed) -> Similarity:
    shared = np.intersect1d(a.shingles, b.shingles, assume_unique=True).size
    head = max(
        _share(int(np.isin(a.head, b.shingles).sum()), a.head.size),
        _share(int(np.isin(b.head, a.shingles).sum()), b.head.size),
    )
    return _similarity(shared, a.shingles.size, b.shingles.size, a, b, head)


def _similarity(
    shared: int, size_a: int, size_b: int, a: Fingerprint | Packed, b: Fingerprint | Packed,
    head: float,
) -> Similarity:  # fmt: skip
    smaller = min(size_a, size_b)
    union = size_a + size_b - shared
    fewest = min(len(a.numbers), len(b.numbers))
    numbers = len(a.numbers & b.numbers) / fewest if fewest else 1.0
    days_apart = None
    if a.day is not None and b.day is not None:
        days_apart = min(abs(a.day - b.day), 366 - abs(a.day - b.day))
    return Similarity(
        jaccard=shared / union if union else 0.0,
        containment=shared / smaller if smaller else 0.0,
        numbers=numbers,
        smaller=smaller,
        head=head,
        days_apart=days_apart,
    )


def same_story(found: Similarity, thresholds: Thresholds = DEFAULT) -> bool:
    """Whether two stories are copies of one: most of the shorter one's text is in the
    longer, and either they open alike or nearly all of it is (another report of the same
    event shares background paragraphs, not the lede); they are not mostly different;
    they state the same numbers; their datelines, if both have one, are no more than a
    day apart (a daily notice repeats its template word for word); and a short one is
    nearly all in the other."""
    return (
        found.smaller >= MIN_SHINGLES
        and found.jaccard >= thresholds.jaccard
        and found.numbers >= thresholds.numbers
        and (
            found.containment >= thresholds.containment_alone
            or (found.containment >= thresholds.containment and found.head >= thresholds.head)
        )
        and (found.days_apart is None or found.days_apart <= thresholds.days_apart)
        and (found.smaller >= thresholds.short or found.containment >= thresholds.containment_short)
    )
