"""Near-duplicate detection: MinHash/LSH for candidates, exact shingle sets to decide."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache

import numpy as np

_WORD = re.compile(r"\w+")
_NUMBER = re.compile(r"\w*\d\w*")
SHINGLE = 5  # words per shingle
# A story of fewer shingles than this (about 14 words) joins no cluster on its own:
# so short a text (a price line, a one-sentence brief) matches its templates too well.
MIN_SHINGLES = 10
NUM_PERM = 64
# LSH bands of BAND_ROWS rows: a pair with Jaccard J becomes a candidate with
# probability 1 - (1 - J**BAND_ROWS)**KEY_COUNT (0.99 at J = 0.4, 0.8 at J = 0.25).
BAND_ROWS = 2
KEY_COUNT = NUM_PERM // BAND_ROWS
# datasketch's 32-bit permutations over the low half of each shingle's hash (its
# 64-bit scheme is twenty times slower; the exact comparison uses all 64 bits).
_SCHEME = "affine32"
_MASK32 = (1 << 32) - 1


@dataclass(frozen=True)
class Fingerprint:
    shingles: frozenset[int]
    numbers: frozenset[str]
    keys: tuple[int, ...]  # LSH band keys, signed 64-bit (they are stored in the database)


@dataclass(frozen=True)
class Similarity:
    jaccard: float  # shared shingles / all shingles of either
    containment: float  # shared shingles / the smaller story's shingles
    numbers: float  # shared numbers / the numbers of the story that states fewer
    smaller: int  # the smaller story's shingle count


@dataclass(frozen=True)
class Thresholds:
    containment: float
    jaccard: float
    numbers: float


# Chosen on half A of the labelled pairs, checked on half B (bench/clusters.py).
DEFAULT = Thresholds(containment=0.55, jaccard=0.2, numbers=0.5)


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
    out = np.empty(len(tokens), dtype=np.uint64)
    for i, token in enumerate(tokens):
        value = _word_hashes.get(token)
        if value is None:
            value = _word_hashes[token] = _hash64(token)
        out[i] = value
    return out


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
    if not tokens:
        return frozenset()
    ids = _word_ids(tokens)
    with np.errstate(over="ignore"):  # the arithmetic is modulo 2**64 on purpose
        if len(ids) <= size:
            combined = (ids * _POWERS[: len(ids)]).sum(dtype=np.uint64, keepdims=True)
        else:
            count = len(ids) - size + 1
            combined = np.zeros(count, dtype=np.uint64)
            for k in range(size):
                combined += ids[k : k + count] * _POWERS[k]
        return frozenset(_mix(combined).tolist())


@cache
def _permutations() -> np.ndarray:
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=1, scheme=_SCHEME).permutations


def _low32(value: int) -> int:
    return value & _MASK32


def _signature(hashes: frozenset[int]) -> np.ndarray:
    from datasketch import MinHash

    minhash = MinHash(
        num_perm=NUM_PERM, hashfunc=_low32, permutations=_permutations(), scheme=_SCHEME
    )
    minhash.update_batch(list(hashes))
    return minhash.hashvalues


def candidate_keys(hashes: frozenset[int]) -> tuple[int, ...]:
    """The story's LSH keys: one per band of its MinHash signature, the band's number
    hashed in, as signed 64-bit integers."""
    if not hashes:
        return ()
    values = _signature(hashes)
    keys = []
    for band in range(KEY_COUNT):
        rows = values[band * BAND_ROWS : (band + 1) * BAND_ROWS].astype(">u4").tobytes()
        digest = hashlib.blake2b(rows, digest_size=8, person=band.to_bytes(2, "big")).digest()
        keys.append(int.from_bytes(digest, "big", signed=True))
    return tuple(keys)


def fingerprint(text: str) -> Fingerprint:
    """What detection needs of a story's text (its headline left out: copies re-headline)."""
    tokens = words(text)
    hashed = shingles(tokens)
    numbers = frozenset(_NUMBER.findall(text.casefold()))
    return Fingerprint(shingles=hashed, numbers=numbers, keys=candidate_keys(hashed))


@dataclass(frozen=True)
class Packed:
    """A fingerprint's shingles as a sorted array (8 bytes a shingle, against about 60
    in a frozenset): what a rebuild holds in memory for every story it has met."""

    shingles: np.ndarray
    numbers: frozenset[str]


def packed(found: Fingerprint) -> Packed:
    return Packed(
        np.sort(np.fromiter(found.shingles, np.uint64, len(found.shingles))), found.numbers
    )


def similarity(a: Fingerprint, b: Fingerprint) -> Similarity:
    return _similarity(len(a.shingles & b.shingles), len(a.shingles), len(b.shingles), a, b)


def similarity_packed(a: Packed, b: Packed) -> Similarity:
    shared = np.intersect1d(a.shingles, b.shingles, assume_unique=True).size
    return _similarity(shared, a.shingles.size, b.shingles.size, a, b)


def _similarity(shared: int, size_a: int, size_b: int, a, b) -> Similarity:
    smaller = min(size_a, size_b)
    union = size_a + size_b - shared
    fewest = min(len(a.numbers), len(b.numbers))
    numbers = len(a.numbers & b.numbers) / fewest if fewest else 1.0
    return Similarity(
        jaccard=shared / union if union else 0.0,
        containment=shared / smaller if smaller else 0.0,
        numbers=numbers,
        smaller=smaller,
    )


def same_story(found: Similarity, thresholds: Thresholds = DEFAULT) -> bool:
    """Whether two stories are copies of one: most of the shorter one's text is in the
    longer, they are not mostly different, and they state the same numbers (a market
    report or a dividend notice differs from the next one of its template mainly there)."""
    return (
        found.smaller >= MIN_SHINGLES
        and found.containment >= thresholds.containment
        and found.jaccard >= thresholds.jaccard
        and found.numbers >= thresholds.numbers
    )
