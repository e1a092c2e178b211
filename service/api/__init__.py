"""The Strawberry GraphQL API, mounted at /graphql by service.app."""
