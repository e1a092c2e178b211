"""Use cases of accounts: sign-in, sessions, users, tokens, and who may see what (access)."""
