"""Admin pages of review: calibration, shadow scorecards and the pilot report."""
