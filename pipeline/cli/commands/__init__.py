"""Commands of `bloc-score` that live in their own module; `pipeline.cli.main` registers them."""
