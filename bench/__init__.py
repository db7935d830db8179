"""Benchmarks of the DTI warehouse (`make bench`): see docs/benchmarks.md."""
