"""Use cases: each function is one transaction with its permission check and audit row.

The GUI and `emr-admin` call these same functions; nothing bypasses them.
"""
