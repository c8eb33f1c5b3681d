"""The schema comes from Alembic on open: a new database, a current one, an older one."""

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text

from db.session import MIGRATIONS, make_engine, open_database, session_scope


def _head() -> str:
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(cfg).get_current_head()


HEAD = _head()


def test_open_creates_schema_and_reopens(db_url):
    engine = open_database(db_url)
    tables = set(inspect(engine).get_table_names())
    assert {"nodes", "edges", "crawl_runs", "observations", "files", "aliases"} <= tables
    engine.dispose()
    engine = open_database(db_url)  # a second open migrates nothing and loses nothing
    with engine.connect() as conn:
        assert conn.execute(text("select version_num from alembic_version")).scalar() == HEAD
    engine.dispose()


def test_database_made_by_an_older_version_is_upgraded_keeping_its_data(db_url):
    engine = make_engine(db_url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:  # what version 0001 of the tracker left behind
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.execute(
            text(
                "insert into crawl_runs (id, started_at, status, roots, hubs, counts, requests, "
                "errors, holder) values (1, '2026-11-01 04:00:00', 'ok', '[]', '[]', '{}', '{}', "
                "'[]', 'old')"
            )
        )
    engine.dispose()
    engine = open_database(db_url)
    with engine.connect() as conn:
        assert conn.execute(text("select version_num from alembic_version")).scalar() == HEAD
        assert conn.execute(text("select holder from crawl_runs")).scalar() == "old"
    assert "ix_edges_walk" in {i["name"] for i in inspect(engine).get_indexes("edges")}
    engine.dispose()


def test_runs_before_the_alert_outbox_are_a_silent_baseline(db_url):
    engine = make_engine(db_url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:  # a database from before alerts: two finished runs
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
        for run_id, status in ((1, "ok"), (2, "running")):
            conn.execute(
                text(
                    "insert into crawl_runs (id, started_at, status, roots, hubs, counts, "
                    "requests, errors, holder) values (:id, '2026-11-01 04:00:00', :status, "
                    "'[]', '[]', '{}', '{}', '[]', 'old')"
                ),
                {"id": run_id, "status": status},
            )
    engine.dispose()
    engine = open_database(db_url)
    with engine.connect() as conn:
        marked = conn.execute(text("select run_id, events from alert_runs")).all()
    engine.dispose()
    assert [tuple(r) for r in marked] == [(1, 0)]  # the dead run is derived by the next crawl


def test_a_postgresql_sweep_made_before_bytewise_keys_is_upgraded_and_still_walks(postgres_url):
    # under the database's collation every key comparison of a first sweep went through
    # strcoll: a third of the server's CPU. Keys are now bytewise ("C"), as on SQLite; a
    # database swept before keeps its rows, and its declared walks (recursive, from a key
    # cast from a parameter, which must carry the same collation) still answer
    from db import sweep as store

    engine = make_engine(postgres_url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0009")
        conn.execute(text(
            "insert into swept_edges (hub, child_key, parent_key, relation) values "
            "('huggingface', 'org/b-ft', 'org/base', 'finetune'), "
            "('huggingface', 'org/b-ft-gguf', 'org/b-ft', 'quantized')"
        ))
    engine.dispose()
    engine = open_database(postgres_url)
    try:
        with engine.connect() as conn:
            collations = dict(conn.execute(text(
                "SELECT table_name || '.' || column_name, collation_name "
                "FROM information_schema.columns WHERE table_schema = current_schema() "
                "AND table_name LIKE 'swept%' "
                "AND column_name IN ('key', 'child_key', 'parent_key', 'root')"
            )).all())
        assert collations == {
            "swept_models.key": "C", "swept_edges.child_key": "C",
            "swept_edges.parent_key": "C", "swept_family.key": "C",
            "swept_family.parent_key": "C", "swept_family.root": "C",
        }
        with session_scope(engine) as session:
            walked = store.declared_descendants(session, "huggingface", "org/base")
        assert sorted(r[0] for r in walked) == ["org/b-ft", "org/b-ft-gguf", "org/base"]
    finally:
        engine.dispose()
