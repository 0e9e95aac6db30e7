"""briefing: a daily news briefing from your feeds, one story per event, every sentence sourced."""

__version__ = "0.1.0"
