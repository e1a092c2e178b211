"""GraphQL types of scoring: scores, lines, adjustments, appeals."""
