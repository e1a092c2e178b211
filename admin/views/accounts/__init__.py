"""Admin pages of accounts: sign-in and users."""
