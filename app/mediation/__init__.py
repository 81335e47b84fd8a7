"""Mediated participation ("aller vers"): agents record what residents without an account said in person."""
