"""`tracker sweep` when the PostgreSQL server stops taking its writes part-way: the database
made read-only (`default_transaction_read_only`, its sessions ended, as a failover to a
standby does) or the tracker's role losing INSERT on the sweep's table. Either must end in one
line naming the page not stored, exit 5 as a full SQLite disk does, lose no page stored
before it, and resume once the database takes writes again. The real server, a database
(or a role) of the test's own; the fake Hub over real HTTP."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, create_engine, make_url, text

from tests.conftest import PG_URL
from tests.fakes.hf_hub import FakeHub, Pause
from tests.fakes.hf_population import Population
from tests.helpers.sweeping import NthListing, config_for, stored
from tracker.cli import cli
from tracker.errors import EXIT_DATABASE

pytestmark = pytest.mark.postgres
WAIT = 60.0


@pytest.fixture
def admin() -> Iterator[Engine]:
    engine = create_engine(make_url(PG_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect():
            pass
    except Exception as exc:  # no server: as conftest's db_url does
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {str(exc).splitlines()[0]}")
    yield engine
    engine.dispose()


Case = Iterator[tuple[str, Callable[[], None], Callable[[], None]]]  # url, refuse, mend


def read_only_database(admin: Engine) -> Case:
    """A database of the test's own, then made read-only with its sessions ended."""
    name = "tracker_ro_" + uuid.uuid4().hex[:10]
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def refuse() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'))
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = :name"), {"name": name})

    def mend() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" RESET default_transaction_read_only'))

    try:
        yield make_url(PG_URL).set(database=name).render_as_string(False), refuse, mend
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def revoked_role(admin: Engine) -> Case:
    """A role of the test's own sweeping into a schema of its own, then losing INSERT."""
    name = "tracker_rw_" + uuid.uuid4().hex[:10]
    test_db = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with test_db.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{name}" LOGIN'))
        conn.execute(text(f'CREATE SCHEMA "{name}" AUTHORIZATION "{name}"'))
    url = make_url(PG_URL).set(username=name).update_query_dict(
        {"options": f"-csearch_path={name}"}
    )

    def refuse() -> None:
        with test_db.connect() as conn:
            conn.execute(text(f'REVOKE INSERT, UPDATE ON "{name}".swept_models FROM "{name}"'))

    def mend() -> None:
        with test_db.connect() as conn:
            conn.execute(text(f'GRANT INSERT, UPDATE ON "{name}".swept_models TO "{name}"'))

    try:
        yield url.render_as_string(False), refuse, mend
    finally:
        with test_db.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{name}"'))
        test_db.dispose()


def pages_stored(url: str, pages: int) -> bool:
    """Whether the sweep has committed `pages` pages, asked until it has (at most WAIT s):
    page 2 is written while page 3 is fetched, and the Hub sees no request after it."""
    engine = create_engine(url)
    deadline = time.monotonic() + WAIT
    try:
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                if conn.execute(text("SELECT pages FROM sweep_state")).scalar() == pages:
                    return True
            time.sleep(0.02)
        return False
    finally:
        engine.dispose()


@pytest.mark.parametrize("make", [read_only_database, revoked_role],
                         ids=["database made read-only", "INSERT revoked"])
def test_a_postgres_that_stops_taking_writes_mid_sweep_ends_in_one_line_and_resumes(
    admin, tmp_path, make
):
    """Bug: COPY runs on the driver's own cursor, so psycopg's ReadOnlySqlTransaction (or
    InsufficientPrivilege) escaped the tracker's error table: a traceback and exit 1, where a
    full SQLite disk got one line and exit 5."""
    population = Population(5_000)
    cases = make(admin)
    url, refuse, mend = next(cases)
    try:
        with FakeHub(population=population) as hub:
            config = config_for(url, hub, tmp_path)
            pause = Pause()
            hub.faults.add(NthListing(3), pause)  # page 3 held until the writes stop

            def stop_the_writes() -> None:
                if pause.reached.wait(WAIT) and pages_stored(url, 2):
                    refuse()  # page 3 is the first the database refuses
                pause.release.set()

            helper = threading.Thread(target=stop_the_writes)
            helper.start()
            result = CliRunner().invoke(cli, ["--config", str(config), "sweep"])
            helper.join(WAIT)
            assert result.exit_code == EXIT_DATABASE, result.output
            assert "Traceback" not in result.output
            last = result.output.strip().splitlines()[-1]
            assert stored(url)[0] == 2_000  # the pages before it, whole
            assert last.startswith("tracker: database error: ")
            assert "could not write page 3 " in last
            assert "run `tracker sweep` again to resume" in last

            mend()
            result = CliRunner().invoke(cli, ["--config", str(config), "sweep"])
        assert result.exit_code == 0, result.output
        assert "(full, resumed): complete" in result.output
        assert stored(url) == (5_000, population.expected_edges())
    finally:
        cases.close()
