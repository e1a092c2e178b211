"""GraphQL types of accounts: the viewer, sign-in, tokens."""
