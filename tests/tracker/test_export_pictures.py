"""`tracker export` of the pictures: html, mermaid and dot, and `--node` for any format."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from tests.fakes.scripted import family, run
from tracker.cli import cli
from tracker.config import load_config


@pytest.fixture
def crawled(db_url):
    run(load_config(overrides={"database.url": db_url}), family())
    return db_url


def invoke(db, *args):
    return CliRunner().invoke(cli, ["--database", db, "export", *args])


def test_node_keeps_its_ancestors_and_descendants_in_any_format(crawled, tmp_path):
    out = tmp_path / "hf.json"
    result = invoke(crawled, "--format", "json", "--node", "keyfan/grok-1-hf", "-o", str(out))
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert sorted(n["id"] for n in data["nodes"]) == [
        "huggingface:keyfan/grok-1-hf",
        "huggingface:someone/grok-1-hf-GGUF",
        "huggingface:xai-org/grok-1",
    ]
    assert len(data["edges"]) == 2


def test_an_unknown_node_is_one_line_exit_2(crawled):
    result = invoke(crawled, "--format", "dot", "--node", "nobody/nothing")
    assert result.exit_code == 2
    assert result.stdout == "" and len(result.stderr.strip().splitlines()) == 1


def test_html_page_names_its_roots_focus_and_version(crawled, tmp_path):
    page = tmp_path / "family.html"
    result = invoke(crawled, "--format", "html", "--root", "grok-1", "--node",
                    "huggingface:someone/grok-1-hf-GGUF", "-o", str(page))
    assert result.exit_code == 0, result.output
    text = page.read_text()
    assert "<title>Grok lineage: grok-1</title>" in text
    assert "ancestors and descendants of huggingface:someone/grok-1-hf-GGUF" in text
    assert re.search(r"tracker \d+\.\d+", text)
    assert "<script src" not in text and "<link" not in text  # everything inline, no CDN


def test_mermaid_and_dot_go_to_stdout(crawled):
    mermaid = invoke(crawled, "--format", "mermaid", "--root", "grok-1")
    assert mermaid.exit_code == 0, mermaid.output
    assert "flowchart TD" in mermaid.stdout
    assert mermaid.stdout.count("-->") == 2  # conversion and quantization, both declared
    dot = invoke(crawled, "--format", "dot")
    assert dot.exit_code == 0, dot.output
    assert dot.stdout.startswith("digraph lineage {")
    assert '"huggingface:xai-org/grok-1" -> "huggingface:keyfan/grok-1-hf"' in dot.stdout
