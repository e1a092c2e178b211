"""Use cases of scoring: ingest, recompute, corrections, appeals, finalisation, results."""
