"""The working folder: its folders, making one, and choosing the year's rules file."""
