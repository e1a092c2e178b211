"""Use cases of setting up: organisation, KPIs, the policy, cycles, the config file, CSV import."""
