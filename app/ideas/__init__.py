"""Residents' ideas: needs observed on the ground."""
