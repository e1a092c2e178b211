"""Use cases: the only write path; each one a transaction with its audit row."""
