"""Threaded discussion of ideas and proposals."""
