"""`tracker lineage` through the driver alone (db/lite.py, issue 14): on a database holding
both a Grok crawl and a Hub sweep, SQLite file and PostgreSQL alike, the fast path prints
exactly what the full path (SQLAlchemy) prints for swept targets, Grok targets in every
spelling, and leaves unknown targets to the full path's "did you mean"; and a swept family's
lineage loads no SQLAlchemy.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from db import swept_family
from db.session import open_database
from tests.conftest import _drop_schema, _postgres_schema_url
from tests.fakes import grok_world
from tests.fakes.hf_hub import FakeHub
from tests.fakes.hf_population import Population
from tracker import render, service
from tracker.cli import cli
from tracker.config import load_config
from tracker.pipeline import crawl
from tracker.sweep import sweep

POPULATION = Population(3_000)
MEMBER = next(  # a member of the Llama family with descendants of its own
    POPULATION.repo_id(i) for i in range(len(POPULATION.kind))
    if POPULATION.repo_id(i) in POPULATION.family(0)
    and POPULATION.repo_id(i) != "meta-llama/Llama-3.1-8B"
    and any(i in p for p in POPULATION.parents)
)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres",
                                                               marks=pytest.mark.postgres)])
def url(request, tmp_path_factory):
    """A Grok crawl and a sweep in one database, big families stored together."""
    schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('fast') / 'tracker.db'}"
    else:
        url, schema = _postgres_schema_url()
    try:
        with FakeHub(grok_world.fake_repos()) as hub:
            config = load_config(environ={"HF_ENDPOINT": hub.url},
                                 overrides={"database.url": url})
            assert crawl(config, hubs=["huggingface"]).status == "ok"
        with FakeHub(population=POPULATION) as hub:
            sweep(load_config(environ={"HF_ENDPOINT": hub.url}, overrides={"database.url": url}))
        engine = open_database(url)
        try:  # the Llama family stored together: its read is the stored path
            assert swept_family.rebuild(engine, "huggingface", big=50)["families"]
        finally:
            engine.dispose()
        yield url
    finally:
        if schema is not None:
            _drop_schema(schema)


def printed(result) -> tuple[str, str, str]:
    return (render.lineage_tree(result), render.lineage_table(result),
            render.dumps({"target": result.label, "nodes": render.lineage_rows(result)}))


@pytest.mark.parametrize(("target", "depth"), [
    ("meta-llama/Llama-3.1-8B", None),  # a stored family
    ("huggingface:meta-llama/Llama-3.1-8B", 2),
    ("META-LLAMA/llama-3.1-8b", None),  # the Hub's ids match in any case
    (MEMBER, None),  # walked
    ("grok-1", None), ("GROK-2", 1),
    ("huggingface:keyfan/grok-1-hf", None), ("keyfan/grok-1-hf", 0),
    ("huggingface:KEYFAN/grok-1-hf", None), ("https://huggingface.co/keyfan/grok-1-hf", None),
])
def test_the_driver_path_prints_what_the_full_path_prints(url, target, depth):
    config = load_config(environ={}, overrides={"database.url": url})
    fast = service._lineage_lite(config, target, depth)
    full = service._lineage_store(config, target, depth)
    assert fast is not None
    assert printed(fast) == printed(full)
    assert fast.label == full.label and fast.note == full.note


@pytest.mark.parametrize("target", ["nobody/nothing", "grok-3", "huggingface:nobody/nothing"])
def test_an_unknown_target_is_left_to_the_full_path_which_says_so(url, target):
    config = load_config(environ={}, overrides={"database.url": url})
    assert service._lineage_lite(config, target, None) is None
    result = CliRunner().invoke(cli, ["--database", url, "lineage", target])
    assert result.exit_code == 2 and "neither a root" in result.output


LOADED = (
    "import sys\n"
    "from tracker.cli import main\n"
    "try:\n"
    "    main(['--database', {url!r}, 'lineage', 'meta-llama/Llama-3.1-8B'])\n"
    "except SystemExit as stop:\n"
    "    assert not stop.code, stop.code\n"
    "heavy = {{'sqlalchemy', 'alembic', 'rich', 'networkx', 'requests'}}\n"
    "print(sorted(heavy & {{m.split('.')[0] for m in sys.modules}}), file=sys.stderr)\n"
)


def test_a_swept_family_s_lineage_loads_no_sqlalchemy(url):
    done = subprocess.run([sys.executable, "-c", LOADED.format(url=url)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "declared lineage only" in done.stdout
    assert done.stderr.strip().splitlines()[-1] == "[]"


def test_a_postgresql_server_that_cannot_be_reached_is_tried_once(tmp_path):
    """A server that answers no PostgreSQL (here: it hangs up at once; a host that never
    answers costs a whole connect timeout) was tried by the driver-only path, then again by
    the full path for its message: now one attempt, one line, exit 5."""
    import socket
    import threading

    listener = socket.create_server(("127.0.0.1", 0))
    accepted = []

    def serve():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            accepted.append(conn)
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    port = listener.getsockname()[1]
    url = (f"postgresql+psycopg://postgres:secret@127.0.0.1:{port}/test"
           "?sslmode=disable&gssencmode=disable")
    try:
        out = CliRunner().invoke(cli, ["--database", url, "lineage", "grok-1"])
    finally:
        listener.close()
    assert out.exit_code == 5, out.output
    assert out.output.startswith(
        f"tracker: cannot open database postgresql+psycopg://postgres:***@127.0.0.1:{port}/test"
    ), out.output
    assert "secret" not in out.output
    assert len(accepted) == 1
