"""The server-rendered admin (Jinja2), mounted at /admin by service.app."""
