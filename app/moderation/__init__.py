"""Scoped moderation: reports, queues, actions, suspensions, audit log."""
