"""Admin pages of scoring: scores and their explanation, appeals."""
