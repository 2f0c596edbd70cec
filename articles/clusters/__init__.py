"""Copies of one story: near-duplicate detection and the differences between copies.

Pure Python, no Django models (like ingest/ and tagging/), so the benchmark and
worker processes can use it on plain text.

- `fingerprint(text)` reads a story's words once: its word 5-shingles (hashed to 64
  bits), its lede's shingles, the numbers it states, its dateline's date, and its LSH
  keys (MinHash bands; datasketch's affine32 signatures, computed in numpy).
- Two stories that share an LSH key are candidates; `similarity` compares their
  shingle sets exactly and `same_story` decides. Keys only find candidates: every
  decision is made on the exact sets, so a key collision never joins two stories.
- `diff.paragraphs` lines up two copies paragraph by paragraph for the versions view.

The thresholds were chosen on one half of the labelled pairs and checked on the other
(bench/clusters.py; the figures are in bench/RESULTS.md).
"""

from .detect import (
    KEY_COUNT,
    MIN_SHINGLES,
    Fingerprint,
    Packed,
    Similarity,
    Thresholds,
    candidate_keys,
    fingerprint,
    packed,
    same_story,
    similarity,
    similarity_packed,
)

__all__ = [
    "KEY_COUNT",
    "MIN_SHINGLES",
    "Fingerprint",
    "Packed",
    "Similarity",
    "Thresholds",
    "candidate_keys",
    "fingerprint",
    "packed",
    "same_story",
    "similarity",
    "similarity_packed",
]
