"""The vocabulary every layer shares: errors, the issue registry, labels and their catalogues, text, numbers, cells."""
