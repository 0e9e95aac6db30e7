"""Text tools shared by several stages: sentences, stop words, dates, clean lines."""
