"""Follows and the "mon fil" page of what one follows."""
