"""What the bloc sends out to be filled: templates, appraisal and peer workbooks, the tally, next year's rules."""
