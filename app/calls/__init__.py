"""Calls for projects."""
