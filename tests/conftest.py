"""Shared fixtures: an isolated home, and databases on a SQLite file and on PostgreSQL.

Every test gets its own HF_HOME and a working directory of its own (huggingface_hub's
`patch_constants` habit), so nothing reads or writes the user's real caches or config.
`db_url` runs a test once on a SQLite file in tmp_path and once on a fresh schema of the
PostgreSQL server at TRACKER_TEST_POSTGRES_URL; where no server answers the PostgreSQL case
skips with the reason, unless CI is set: then it fails. Hypothesis runs without deadlines.
"""

from __future__ import annotations

import os
import uuid

import pytest
from hypothesis import settings

# No per-example wall-clock deadline: on a shared 2-core machine (CI, or tests running beside a
# benchmark) a slow example is not a failing one; Hypothesis' 200 ms default made property
# tests fail at random with DeadlineExceeded.
settings.register_profile("tracker", deadline=None)
settings.load_profile("tracker")

PG_URL = os.environ.get(
    "TRACKER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
# Variables of the user's environment that would leak into a test's config.
_LEAKY = (
    "TRACKER_DATABASE_URL",
    "HF_ENDPOINT",
    "HF_TOKEN",
    "GITHUB_TOKEN",
    "GITHUB_API_URL",
    "MODELSCOPE_ENDPOINT",
    "TRACKER_LOG_FILE",
    "TRACKER_CRON",
    "TRACKER_LICENSE_RULES",
)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("HF_HOME", str(home / "hf"))
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    monkeypatch.setenv("HF_HUB_DISABLE_IMPLICIT_TOKEN", "1")
    for name in _LEAKY:
        monkeypatch.delenv(name, raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return home


def _postgres_schema_url() -> tuple[str, str]:
    """A URL whose connections see only a new, empty schema; skip/fail if no server."""
    from sqlalchemy import create_engine, text

    schema = "t_" + uuid.uuid4().hex[:12]
    try:
        engine = create_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine.dispose()
    except Exception as exc:  # no server, no driver
        reason = f"PostgreSQL not reachable at {PG_URL}: {str(exc).splitlines()[0]}"
        if os.environ.get("CI"):
            pytest.fail(reason + " (CI is set, so this is a failure)")
        pytest.skip(reason)
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}", schema


def _drop_schema(schema: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """A database URL, once for a SQLite file and once for a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'tracker.db'}"
        return
    url, schema = _postgres_schema_url()
    try:
        yield url
    finally:
        _drop_schema(schema)


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'tracker.db'}"


@pytest.fixture
def postgres_url():
    url, schema = _postgres_schema_url()
    try:
        yield url
    finally:
        _drop_schema(schema)
