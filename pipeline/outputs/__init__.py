"""What a run writes: the ranking workbook, the results JSON, the documents, feedback drafts, PDFs."""
