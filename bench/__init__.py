"""Benchmarks: `make bench` (BENCH_SCALE=small for a few minutes' version)."""
