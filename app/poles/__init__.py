"""Pôles territoriaux de solidarité: the territory and its hubs."""
