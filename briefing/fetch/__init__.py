"""Fetch stage: the guarded, polite HTTP client, feeds and their entries, OPML."""
