"""Validating what was read into the entries that are scored, every problem at its cell."""
