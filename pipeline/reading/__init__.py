"""Reading the units' files and the bloc's books without trusting them: the folder, the workers, the sheets."""
