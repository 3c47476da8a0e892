"""Alembic's environment for the API database: online only, on the connection `upgrade` passes.

Alembic runs this file as a script (module `env_py`); imported as a module by tools that walk
the package, it does nothing.
"""

from alembic import context

from reelhouse.db import Base


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through reelhouse.migrations (`reelhouse db upgrade`)")
    context.configure(
        connection=connection, target_metadata=Base.metadata, compare_type=True,
        # SQLite alters a table by copying it: later revisions' ALTERs run as batch operations.
        render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


if __name__ != "reelhouse.migrations.env":
    run()
