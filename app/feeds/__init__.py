"""Feeds and discovery: Atom feeds, sitemap.xml and robots.txt, for readers and search engines."""
