"""GraphQL types of the organisation: employees, teams, positions, cycles, KPIs."""
