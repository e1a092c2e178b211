"""Admin pages of setting up: people and teams, KPIs, cycles, the policy, imports."""
