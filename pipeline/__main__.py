"""Allow `python -m pipeline`."""

from pipeline.cli.main import main

main(prog_name="bloc-score")
