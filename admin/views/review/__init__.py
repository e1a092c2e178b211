"""Admin pages of review: calibration."""
