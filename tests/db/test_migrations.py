"""The schema comes from Alembic on open, on a new database and an existing one."""

from sqlalchemy import inspect, text

from db.session import open_database


def test_open_creates_schema_and_reopens(db_url):
    engine = open_database(db_url)
    tables = set(inspect(engine).get_table_names())
    assert {"nodes", "edges", "crawl_runs", "observations", "files", "aliases"} <= tables
    engine.dispose()
    engine = open_database(db_url)  # a second open migrates nothing and loses nothing
    with engine.connect() as conn:
        assert conn.execute(text("select version_num from alembic_version")).scalar() == "0001"
    engine.dispose()
