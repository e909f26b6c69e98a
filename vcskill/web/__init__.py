"""The verification page and web API (wiring: may import did_registry)."""
