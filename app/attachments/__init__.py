"""Attachments: type detection, storage, the optional virus scan, and the rules of who attaches what."""
