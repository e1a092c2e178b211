"""Review of a cycle before it is finalised: calibration (SCORING.md §12)."""
