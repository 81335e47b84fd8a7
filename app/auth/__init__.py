"""Accounts: registration, log-in, password management."""
