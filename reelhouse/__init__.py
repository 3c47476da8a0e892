"""Reelhouse: an open media data platform for people who work in Python."""

__version__ = "0.1.0"
