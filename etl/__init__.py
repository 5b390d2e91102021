"""Extract, validate and load claims (837P), remittances (835) and CSV exports into DuckDB."""
