"""Accompaniment of proposals by the poles."""
