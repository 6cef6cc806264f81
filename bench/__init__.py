"""Benchmark harness: England-scale synthetic extracts, query and page timings (issue 6)."""
