"""Benchmarks (`make bench`) and their data generator; not part of CI."""
