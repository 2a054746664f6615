"""The encrypted local chart store: SQLCipher through SQLAlchemy, keys, migrations, search,
outbox and audit log. Never imports Qt or the network."""
