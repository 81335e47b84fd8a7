"""Public profiles of residents."""
