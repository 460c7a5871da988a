"""Deterministic raw-data generator (see cli.py)."""
