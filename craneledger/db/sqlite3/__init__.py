"""SQLite backend that stores decimals as text, so they round-trip exactly."""
