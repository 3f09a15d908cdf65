"""Benchmarks: `python -m benchmarks.op_overhead`."""
