"""Benchmarks of the publisher and the function (`python -m bench.run`; see bench/README.md).

Benchmarks are not tests: they read the full data files under /work/shared/data (tests may
not), take minutes, and print figures against the issue's goals instead of passing or failing.
"""
