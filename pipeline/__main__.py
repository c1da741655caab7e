"""Allow `python -m pipeline`."""

from pipeline.cli import main

main(prog_name="bloc-score")
