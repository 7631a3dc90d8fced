"""Benchmark harnesses: runnable scripts whose pure scoring functions the tests import."""
