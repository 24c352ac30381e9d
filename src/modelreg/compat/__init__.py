"""Compatibility views: other registries' wire protocols as thin adapters over the services."""
