"""A bloc-year's rules: the model, loading and checking the rules file, and the template's layout contract."""
