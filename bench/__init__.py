"""Benchmarks: a national-scale data generator and an HTTP load driver (see docs/benchmarks.md)."""
