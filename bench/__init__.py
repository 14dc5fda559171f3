"""Benchmarks of the help desk (not tests): ``make bench [ARGS=...]``; see
docs/performance.md."""
