"""Sync with the central server (DESIGN §4): HTTP client, push/pull engine, background loop.

Imports `core`, `store` and `requests`; never Qt, never the server package.
"""
