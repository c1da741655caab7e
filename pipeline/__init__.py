"""bloc-score: validate, score and rank the self-assessments of an emulation bloc's member units."""

__version__ = "0.1.0"
