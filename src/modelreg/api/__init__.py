"""The native REST API: routes and wire schemas over the services."""
