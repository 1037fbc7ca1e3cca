"""Crane Ledger: a self-hostable, API-first double-entry accounting service."""

__version__ = "0.1.0"
