"""Benchmarks at the brief's scale (not tests): run each module with ``python -m``."""
