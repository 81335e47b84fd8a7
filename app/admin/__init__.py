"""Administration of the platform."""
