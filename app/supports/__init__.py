"""Supports: one person backs an idea or a proposal, once."""
