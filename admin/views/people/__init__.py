"""Admin pages of the people side: goals, development, check-ins, feedback, recognition."""
