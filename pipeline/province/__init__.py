"""A province's board: every bloc of the year in one run, the consolidated proposals, years side by side.

Above `forms/`, below `cli/`: it calls the same library functions as `bloc-score run` for a bloc given as its
working folder, and reads a bloc's sent results file as sent (docs/province.md).
"""
