"""Pure-Python domain core: records, validation, text folding, clocks, ids and permissions.

Nothing here touches a database, the network or Qt; the server imports it too.
"""
