"""`tracker sweep` against what a real Hub or disk can hand a user: next links that loop, items
that are not models, a 404 on the listing, a database that stops taking writes mid-sweep.
Each must end in one clear line, lose nothing already stored, and resume. The fake Hub speaks
real HTTP; databases are real files (and PostgreSQL)."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.fakes.hf_hub import FakeHub, Relink, Reply
from tests.fakes.hf_population import Population
from tests.helpers.sweeping import NthListing, config_for, stored
from tracker.cli import cli
from tracker.config import load_config
from tracker.errors import EXIT_DATABASE
from tracker.sweep import sweep

REPO = Path(__file__).resolve().parents[2]
BOUND = 30  # listing requests a looping Hub answers before it fails (so a bug cannot hang)


@pytest.mark.parametrize("changing", [False, True], ids=["same link", "changing parameter"])
def test_a_next_link_that_loops_stops_the_sweep_which_then_resumes(db_url, tmp_path, changing):
    """Bug: the sweep followed the listing's `Link` blindly, so a Hub whose next link led back
    to the page it came from was asked that page for ever (here: until it failed)."""
    population = Population(5_000)
    with FakeHub(population=population) as hub:
        config = load_config(config_for(db_url, hub, tmp_path))
        loops = [Relink(changing=changing) for _ in range(BOUND)]
        hub.faults.add(
            lambda r: r.kind == "listing" and "cursor" in r.query,
            *loops,
            Reply(404, {}, {"error": "Not Found"}),
        )
        first = sweep(config)
        assert first.status == "interrupted" and first.requests <= 3, first.error
        assert "loop" in first.error
        assert stored(db_url)[0] == 2_000  # page 1, and page 2 read once

        hub.faults.clear()  # the Hub mended: the sweep resumes where it stopped
        resumed = sweep(config)
        assert resumed.resumed and resumed.status == "complete", resumed.error
        models, edges = stored(db_url)
        assert models == 5_000 and edges == population.expected_edges()


def bad_items() -> bytes:
    """A first page whose items are not all models: what `parse_item` must skip or read as
    absent, never raise on."""
    items = [
        {"sha": "abc"},  # no id
        {"id": 12345},  # an id that is no text
        {"id": "no-slash-and too long " * 9},  # not a repo id
        "just/a-string",
        None,
        [1, 2, 3],
        {
            "id": "ok/wrong-types",
            "sha": 7,
            "lastModified": 20261129,
            "tags": "base_model:x/y",
            "config": ["LlamaForCausalLM"],
            "gguf": "grok",
            "safetensors": {"total": "314B"},
            "gated": 1,
            "library_name": ["transformers"],
        },
        {
            "id": "ok/plain",
            "lastModified": "2026-11-29T00:00:00.000Z",
            "tags": ["base_model:finetune:meta-llama/Llama-3.1-8B", 5, None],
        },
    ]
    return json.dumps(items).encode()


def test_listing_items_that_are_not_models_are_counted_and_skipped(db_url, tmp_path):
    with FakeHub(population=Population(10)) as hub:
        config = config_for(db_url, hub, tmp_path)
        hub.faults.add(NthListing(1), Reply(200, {}, bad_items()))
        result = CliRunner().invoke(cli, ["--config", str(config), "sweep"])
    assert result.exit_code == 0, result.output
    assert "skipped: 6 listing items naming no valid repo" in result.output
    models, edges = stored(db_url)
    assert models == 2  # the two with a repo id, their odd fields read as absent
    assert edges == {("ok/plain", "meta-llama/llama-3.1-8b", "finetune")}


def test_a_404_on_the_listing_stops_the_sweep_with_one_line_and_it_resumes(db_url, tmp_path):
    population = Population(3_000)
    with FakeHub(population=population) as hub:
        config = config_for(db_url, hub, tmp_path)
        hub.faults.add(NthListing(2), Reply(404, {}, {"error": "Not Found"}))
        result = CliRunner().invoke(cli, ["--config", str(config), "sweep"])
        assert result.exit_code == 3, result.output  # stopped part-way
        assert "interrupted" in result.output and "HTTP 404" in result.output
        assert "Traceback" not in result.output
        assert stored(db_url)[0] == 1_000
        result = CliRunner().invoke(cli, ["--config", str(config), "sweep"])
    assert result.exit_code == 0, result.output
    assert "(full, resumed): complete" in result.output
    assert stored(db_url) == (3_000, population.expected_edges())


def test_a_disk_that_fills_mid_sweep_ends_in_one_line_and_the_next_sweep_resumes(tmp_path):
    """The sweep's process may write only 3 MB (RLIMIT_FSIZE, as a full disk: SQLite's write
    fails part-way through a page). Bug: the message told the user to check the database's
    URL; it now says the database stopped taking writes and that the sweep resumes."""
    population = Population(12_000)
    url = f"sqlite:///{tmp_path / 'sweep.db'}"

    def small_disk() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (3_000_000, 3_000_000))

    with FakeHub(population=population) as hub:
        config = config_for(url, hub, tmp_path)
        command = [sys.executable, "-m", "tracker", "--config", str(config), "sweep"]
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        full = subprocess.run(
            command,
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            preexec_fn=small_disk,
            timeout=120,
        )
        assert full.returncode == EXIT_DATABASE, full.stderr
        last = full.stderr.strip().splitlines()[-1]
        assert last.startswith("tracker: database error: ") and "Traceback" not in full.stderr
        assert "could not write" in last and "tracker sweep" in last and "resume" in last
        kept = stored(url)[0]
        assert 0 < kept < 12_000 and kept % 1_000 == 0  # whole pages, none half-written

        again = subprocess.run(
            command, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120
        )
    assert again.returncode == 0, again.stderr
    assert "(full, resumed): complete" in again.stdout
    assert stored(url) == (12_000, population.expected_edges())
