"""GraphQL types of review: calibration."""
