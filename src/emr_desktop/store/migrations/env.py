"""Alembic environment: migrations always run on a connection the store hands over."""

from __future__ import annotations

from alembic import context

from emr_desktop.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,
    include_object=lambda obj, name, type_, reflected, compare_to: (
        not (type_ == "table" and name is not None and name.startswith("patient_fts"))
    ),
)
with context.begin_transaction():
    context.run_migrations()
