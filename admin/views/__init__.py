"""Admin views, one module per area; each exports `routes`."""
