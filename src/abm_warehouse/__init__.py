"""Tooling of the open B2B marketing / ABM analytics warehouse."""

__version__ = "0.1.0"
