"""The bloc's procedure over what was read: its appraisal, the units' cross-scoring, the vote."""
