"""`tracker sweep` over a generated Hub of 100,000 models: exact rows and edges, a sweep
stopped part-way (a 504 past the retries, a SIGKILL, a page nested past the limit) resumed at
its page, incremental sweeps that stop at the watermark, and a page only the standard
library decodes. The fake Hub speaks real HTTP; databases are real."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from crawlers.bounded import MAX_DEPTH
from db.session import make_engine
from tests.fakes.hf_hub import FakeHub, Pause, Reply, server_error
from tests.fakes.hf_population import TINY, UNDECLARED, Population
from tests.helpers.sweeping import Killed, NthListing, config_for, stored
from tracker.cli import cli
from tracker.config import load_config
from tracker.sweep import sweep

REPO = Path(__file__).resolve().parents[2]
WAIT = 60.0


def test_whole_hub_sweep_stopped_by_a_504_resumes_then_sweeps_incrementally(db_url, tmp_path):
    population = Population(100_000)
    with FakeHub(population=population) as hub:
        config = load_config(config_for(db_url, hub, tmp_path))
        hub.faults.add(NthListing(50), server_error(504))
        first = sweep(config)
        assert (first.status, first.pages) == ("interrupted", 49)
        assert "504" in first.error
        assert stored(db_url)[0] == 49_000  # every page before the 504 is kept

        resumed = sweep(config)
        assert resumed.resumed and resumed.status == "complete"
        # 50 pages to the end, and one past it: the last page is full and has no next link,
        # so one request checks the same place and one reads past it (the listing ends there)
        assert resumed.pages == 52 and resumed.sweep == first.sweep
        assert first.requests + resumed.requests == 103  # the 504, 100 pages, 2 end checks
        models, edges = stored(db_url)
        assert models == 100_000
        assert edges == population.expected_edges()

        pushed = range(7, 100_000, 31)
        population.touch(pushed)  # 3,226 models pushed to
        added = population.add(40)
        hub.reset_counts()
        daily = sweep(config)
        assert (daily.status, daily.full, daily.new, daily.changed) == (
            "complete",
            False,
            40,
            len(pushed),
        )
        assert hub.total == daily.requests == 4
        models, edges = stored(db_url)
        assert models == 100_040 and edges == population.expected_edges()
        assert any(population.parents[i] for i in added)  # new models brought new edges

        again = sweep(config)  # nothing changed: one page, nothing written
        assert (again.requests, again.new, again.changed) == (1, 0, 0)


def test_a_sweep_killed_with_sigkill_resumes_at_the_page_it_reached(tmp_path):
    population = Population(12_000)
    url = f"sqlite:///{tmp_path / 'sweep.db'}"
    with FakeHub(population=population) as hub:
        config = config_for(url, hub, tmp_path)
        hold, pause = NthListing(6), Pause()
        hub.faults.add(hold, pause)
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        proc = subprocess.Popen(
            [sys.executable, "-m", "tracker", "--config", str(config), "sweep"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=env,
            cwd=tmp_path,
        )
        try:
            reached = pause.reached.wait(WAIT)
            os.kill(proc.pid, signal.SIGKILL)
            assert proc.wait(WAIT) == -signal.SIGKILL
        finally:
            if proc.poll() is None:
                proc.kill()
            pause.release.set()
        assert reached, proc.stderr.read().decode()
        assert stored(url)[0] in (4_000, 5_000)  # page 5 may be written while 6 is asked
        hub.reset_counts()
        report = sweep(load_config(config))
        assert report.resumed and report.status == "complete"
        assert report.requests <= 10  # pages 5 or 6 to 12, and 2 proving 12 the last
        assert hub.total - report.requests <= 1  # + the request held at the kill, if late
        models, edges = stored(url)
        assert models == 12_000 and edges == population.expected_edges()


def test_sweep_command_prints_a_summary_and_json(tmp_path):
    population = Population(2_500)
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    with FakeHub(population=population) as hub:
        config = config_for(url, hub, tmp_path)
        result = CliRunner().invoke(cli, ["--config", str(config), "sweep"])
        assert result.exit_code == 0, result.output
        assert "sweep 1 of huggingface (full): complete" in result.output
        assert "stored: 2,500 models" in result.output
        assert max(len(line) for line in result.output.splitlines()) <= 80
        result = CliRunner().invoke(
            cli, ["--config", str(config), "sweep", "--full", "--format", "json"]
        )
        assert result.exit_code == 0, result.output
        assert '"full": true' in result.output and '"changed": 0' in result.output
        engine = make_engine(url)
        with engine.connect() as conn:  # no row rewritten: each still names the sweep 1 wrote
            written = conn.execute(text("SELECT DISTINCT sweep FROM swept_models")).all()
        engine.dispose()
        assert written == [(1,)]

        # any swept model answers `tracker lineage`, from its declared edges alone
        result = CliRunner().invoke(cli, ["--config", str(config), "lineage",
                                          "meta-llama/Llama-3.1-8B"])
        assert result.exit_code == 0, result.output
        lines = result.output.splitlines()
        assert lines[0].startswith("huggingface:meta-llama/Llama-3.1-8B")
        family = population.family(0)
        assert f"{len(family) - 1} descendants" in result.output
        assert "declared lineage only" in result.output
        assert "?" not in result.output  # nothing inferred
        result = CliRunner().invoke(cli, ["--config", str(config), "lineage",
                                          "huggingface:meta-llama/Llama-3.1-8B", "--format",
                                          "json", "--relation", "adapter"])
        assert result.exit_code == 0, result.output
        result = CliRunner().invoke(cli, ["--config", str(config), "lineage", "nobody/nothing"])
        assert result.exit_code == 2 and "neither a root" in result.output


def test_grok_shaped_models_become_candidates_whatever_their_name(db_url, tmp_path):
    from db import sweep as swept
    from db.session import open_database, session_scope

    population = Population(20_000)
    with FakeHub(population=population) as hub:
        config = load_config(config_for(db_url, hub, tmp_path))
        sweep(config)
    engine = open_database(db_url)
    try:
        with engine.connect() as conn:  # the bulk load left the planner fresh statistics
            if engine.dialect.name == "postgresql":  # and a visibility map (VACUUM): walks
                vacuumed = conn.execute(  # read index-only, no heap fetch per member
                    text(
                        "SELECT count(*) FROM pg_stat_user_tables WHERE schemaname = "
                        "current_schema() AND relname IN ('swept_models', 'swept_edges') "
                        "AND last_vacuum IS NOT NULL AND last_analyze IS NOT NULL"
                    )
                ).scalar()
                assert vacuumed == 2
            else:
                stats = "SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'swept_edges'"
                assert conn.execute(text(stats)).scalar()
        with session_scope(engine) as session:
            items = swept.candidates(
                session,
                "huggingface",
                architectures={"Grok1ModelForCausalLM"},
                model_types={"grok-1"},
                gguf_architectures={"grok"},
                scales=[314_000_000_000],
                tolerance=0.12,
            )
    finally:
        engine.dispose()
    ids = {i["id"] for i in items}
    from tracker.service import lineage

    result = lineage(config, "Qwen/Qwen2.5-7B")
    assert {n.repo_id for n in result.nodes.values()} == population.family(2)
    assert {n.parents[0][2] for n in result.nodes.values() if n.parents} == {"declared"}
    assert ids == set(population.of_kind(UNDECLARED))
    assert not ids & set(population.of_kind(TINY))  # Grok's architecture, not its scale
    assert all("grok" not in i for i in ids)
    gguf = next(i for i in items if "gguf" in i)
    assert gguf["gguf"]["architecture"] == "grok" and gguf["sha"]


# --- pages a hostile or odd hub serves -------------------------------------------------------
# A page nested past the depth limit is refused whole (the sweep stops there with the reason,
# every page before it kept, and resumes at it); a page holding what only the standard library
# decodes (lone surrogate escapes, which JavaScript's JSON.stringify writes, and NaN) is read,
# its odd characters dropped from what is stored.


def deep_page(depth: int = MAX_DEPTH + 5) -> bytes:
    config = "[" * depth + "]" * depth
    return f'[{{"id": "deep/model", "config": {{"architectures": {config}}}}}]'.encode()


def test_a_listing_item_nested_past_the_walk_limit_is_read_with_that_field_absent(db_url, tmp_path):
    """Bug: a listing page was walked for depth like a card or a config, so one upload
    nested past 64 levels stopped every sweep at its page, for as long as the Hub listed it.
    `parse_item` reads fixed fields only: the nested one is read as absent, like a field of
    the wrong type, and the sweep goes on."""
    population = Population(3_000)
    with FakeHub(population=population) as hub:
        config = load_config(config_for(db_url, hub, tmp_path))
        hub.faults.add(NthListing(2), Reply(200, {}, deep_page()))
        report = sweep(config)
    assert report.status == "complete", report.error
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(text("SELECT architectures FROM swept_models "
                                    "WHERE repo_id = 'deep/model'")).one()
    finally:
        engine.dispose()
    assert row == ("",)


def test_a_page_nested_past_the_decoders_stops_the_sweep_and_resumes_there(db_url, tmp_path):
    population = Population(5_000)
    with FakeHub(population=population) as hub:
        config = load_config(config_for(db_url, hub, tmp_path))
        hub.faults.add(NthListing(3), Reply(200, {}, deep_page(5_000)))
        first = sweep(config)
        assert (first.status, first.pages) == ("interrupted", 2)
        assert "nested deeper" in first.error
        assert stored(db_url)[0] == 2_000  # the pages before it are kept

        resumed = sweep(config)  # the hub answers that page properly now
        assert resumed.resumed and resumed.status == "complete"
        assert resumed.pages == 4  # pages 3 to 5, and one past the full last page
        models, edges = stored(db_url)
        assert models == 5_000 and edges == population.expected_edges()


def test_a_listing_page_only_the_standard_library_decodes_is_read(db_url, tmp_path):
    item = (
        '{"id": "odd/model", "sha": "abc", "lastModified": "2026-11-29T00:00:00.000Z", '
        '"tags": ["ok", "bad\\ud800", "license:mit"], "library_name": "tr\\ud800ansformers", '
        '"safetensors": {"total": NaN}, "config": {"architectures": ["LlamaForCausalLM"]}}'
    )
    with FakeHub(population=Population(10)) as hub:
        config = load_config(config_for(db_url, hub, tmp_path))
        hub.faults.add(NthListing(1), Reply(200, {}, f"[{item}]".encode()))
        report = sweep(config)
    assert report.status == "complete" and report.models == 1, report.error
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                text("SELECT repo_id, tags, library, license, parameters, architecture "
                     "FROM swept_models")
            ).one()
    finally:
        engine.dispose()
    assert tuple(row) == ("odd/model", "ok", "transformers", "mit", 0, "LlamaForCausalLM")
    "".join(row[:4]).encode("utf-8")  # nothing an encoder refuses was stored


def test_a_future_or_impossible_date_on_the_hub_never_becomes_the_watermark(db_url, tmp_path):
    """Bug: `_iso` took any 24-character time-shaped text and the watermark was the newest
    date listed, so one model dated 2999 (or month 99) made every later sweep stop at once
    and miss what changed."""
    population = Population(3_000)
    population.recent[11] = "2999-12-31T00:00:00.000Z"  # a hub bug: dated a millennium ahead
    population.recent[12] = "2026-99-99T99:99:99.999Z"  # no such time
    with FakeHub(population=population) as hub:
        config = load_config(config_for(db_url, hub, tmp_path))
        first = sweep(config)
        assert first.status == "complete" and first.models == 3_000
        assert first.watermark is not None and first.watermark < "2027"
        pushed = range(100, 3_000, 97)
        population.touch(pushed)
        daily = sweep(config)
    assert (daily.status, daily.changed) == ("complete", len(pushed))
    assert stored(db_url)[0] == 3_000


def test_a_sweep_never_maps_the_database_file_into_its_memory(tmp_path, monkeypatch):
    # every page of an SQLite file read through a memory map stays in the reading process's
    # resident memory: a sweep that finished the family rebuild of one killed before it, at
    # 1,000,000 models, peaked at 800 MB (target 500 MB); the same rebuild unmapped, 173 MB
    from db import swept_family

    def killed(*args, **kwargs):
        raise Killed

    db_file = tmp_path / "mapped.db"
    mapped_after: list[bool] = []
    rebuild = swept_family.rebuild

    def watched(engine, *args, **kwargs):
        out = rebuild(engine, *args, **kwargs)
        maps = Path("/proc/self/maps").read_text().splitlines()  # (the WAL index's -shm is)
        mapped_after.append(any(line.endswith(f" {db_file}") for line in maps))
        return out

    with FakeHub(population=Population(3_000)) as hub:
        config = load_config(environ={"HF_ENDPOINT": hub.url},
                             overrides={"database.url": f"sqlite:///{db_file}"})
        with monkeypatch.context() as patch:
            patch.setattr(swept_family, "refresh", killed)
            with pytest.raises(Killed):
                sweep(config)
        monkeypatch.setattr(swept_family, "rebuild", watched)
        assert sweep(config).status == "complete"
    assert mapped_after == [False]
