"""The CLI as a user meets it: commands, output, exit codes, one-line errors.

Data comes from a crawl by the scripted crawler of test_pipeline (the HTTP crawlers have
their own end-to-end tests); one test runs the installed `tracker` in a real subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.fakes.scripted import family, run
from tracker.cli import cli
from tracker.config import load_config

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture
def crawled(db_url):
    """A crawled database, once on SQLite and once on PostgreSQL (`show` walks ancestors with
    a recursive CTE whose types PostgreSQL checks more strictly)."""
    config = load_config(overrides={"database.url": db_url})
    run(config, family())
    return db_url


def invoke(*args, db=None):
    runner = CliRunner()
    extra = ["--database", db] if db else []
    return runner.invoke(cli, [*extra, *args], catch_exceptions=False)


def test_lineage_tree_shows_each_level_with_relation_and_license(crawled):
    result = invoke("lineage", "grok-1", db=crawled)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("huggingface:xai-org/grok-1")
    assert any(
        line.startswith("└── huggingface:keyfan/grok-1-hf  [conversion]  apache-2.0")
        for line in lines
    )
    assert any(
        "    └── huggingface:someone/grok-1-hf-GGUF  [quantization]  no license" in line
        for line in lines
    )
    assert "2 descendants" in result.stdout


def test_lineage_json_depth_and_relation_filters(crawled):
    data = json.loads(
        invoke("lineage", "grok-1", "--format", "json", "--depth", "1", db=crawled).stdout
    )
    assert [n["node"] for n in data["nodes"]] == [
        "huggingface:xai-org/grok-1",
        "huggingface:keyfan/grok-1-hf",
    ]
    data = json.loads(
        invoke(
            "lineage", "grok-1", "--format", "json", "--relation", "quantization", db=crawled
        ).stdout
    )
    quant = [n for n in data["nodes"] if n["relation"] == "quantization"]
    assert [n["node"] for n in quant] == ["huggingface:someone/grok-1-hf-GGUF"]


def test_lineage_table_has_header_and_one_row_per_node(crawled):
    output = invoke(
        "lineage", "huggingface:keyfan/grok-1-hf", "--format", "table", db=crawled
    ).stdout
    header, *rows = output.splitlines()
    assert header.split()[:3] == ["DEPTH", "NODE", "RELATION"]
    assert len(rows) == 2


def test_unknown_target_is_one_line_exit_2(crawled):
    result = CliRunner().invoke(cli, ["--database", crawled, "lineage", "grok-9"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip().startswith("tracker: 'grok-9' is neither a root")
    assert len(result.stderr.strip().splitlines()) == 1


def test_bad_config_file_exits_2_with_the_key(tmp_path):
    bad = tmp_path / "config.toml"
    bad.write_text("[crawl]\nretries = 'x'\n")
    result = CliRunner().invoke(cli, ["--config", str(bad), "crawl"])
    assert result.exit_code == 2
    assert "crawl.retries must be a whole number" in result.output
    assert "Traceback" not in result.output


def test_unreachable_database_exits_5(tmp_path):
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    result = CliRunner().invoke(cli, ["--database", url, "lineage", "grok-1"])
    assert result.exit_code == 5
    assert "cannot open database" in result.output


def test_show_explains_edges_with_evidence(crawled):
    result = invoke("show", "huggingface:someone/grok-1-hf-GGUF", db=crawled)
    assert result.exit_code == 0, result.output
    assert "huggingface:keyfan/grok-1-hf  quantization (declared, confidence 1.00)" in result.output
    assert "evidence: card base_model: keyfan/grok-1-hf" in result.output
    assert "roots" in result.output and "grok-1" in result.output


def test_export_graphml_to_file_loads_in_networkx(crawled, tmp_path):
    import networkx as nx

    out = tmp_path / "grok.graphml"
    result = invoke("export", "--format", "graphml", "--output", str(out), db=crawled)
    assert result.exit_code == 0, result.output
    graph = nx.read_graphml(out)
    assert graph.number_of_nodes() == 4 and graph.number_of_edges() == 2
    assert (
        graph.edges["huggingface:keyfan/grok-1-hf", "huggingface:someone/grok-1-hf-GGUF"][
            "relation"
        ]
        == "quantization"
    )


def test_every_command_has_help_and_is_in_the_readme():
    readme = README.read_text()
    for name, command in cli.commands.items():
        assert command.help, name
        assert f"tracker {name}" in readme, f"README does not show `tracker {name}`"


def test_installed_command_runs_in_a_real_process(crawled, tmp_path):
    env = {**os.environ, "TRACKER_DATABASE_URL": crawled}
    proc = subprocess.run(
        [sys.executable, "-m", "tracker", "lineage", "grok-1", "--format", "json"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)["nodes"]) == 3
    proc = subprocess.run(
        [sys.executable, "-m", "tracker", "lineage", "nope/nope"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("tracker: 'nope/nope' is neither a root")
