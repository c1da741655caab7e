"""The `bloc-score` command: options in, one library call, what happened out."""
