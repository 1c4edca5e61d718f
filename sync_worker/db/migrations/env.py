"""Alembic environment: the URL comes from the caller (see sync_worker.db.migrate)."""

from alembic import context
from sqlalchemy import create_engine, pool

from sync_worker.db.models import Base

url = context.config.attributes["database_url"]
connectable = create_engine(url, poolclass=pool.NullPool)
with connectable.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=url.startswith("sqlite"),  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
