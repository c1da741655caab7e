"""Scores, ranks and the figures derived from them: pure functions, no files."""
