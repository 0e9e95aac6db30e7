"""Compose stage: sections, trimming, summaries (extractive and LLM)."""
