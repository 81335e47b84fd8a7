"""Associations' proposals: drafting, publishing, withdrawing."""
