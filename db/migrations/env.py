"""Alembic environment: runs on the connection `db.session.migrate` hands over."""

from alembic import context

from db.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # `alembic` CLI use: the URL comes from alembic.ini / -x url=
    from sqlalchemy import create_engine

    url = context.get_x_argument(as_dictionary=True).get("url", "sqlite:///tracker.db")
    connection = create_engine(url).connect()

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
