"""`tracker crawl` end to end on the Grok fixture world: the real pipeline, the real Hugging
Face crawler and client, the fake Hub over HTTP, a database on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from tests.fakes import grok_world
from tests.fakes.hf_hub import FakeHub
from tracker.cli import cli
from tracker.config import load_config
from tracker.pipeline import crawl
from tracker.service import lineage


@pytest.fixture(scope="module")
def hub():
    with FakeHub(grok_world.fake_repos()) as hub:
        yield hub


def test_two_crawls_find_the_family_and_the_second_reads_nothing_again(hub, db_url):
    config = load_config(environ={"HF_ENDPOINT": hub.url}, overrides={"database.url": db_url})
    hub.reset_counts()
    first = crawl(config, hubs=["huggingface"])
    assert first.status == "ok"
    first_reads = hub.requests["tree"] + hub.requests["file"]
    hub.reset_counts()
    second = crawl(config, hubs=["huggingface"])
    assert second.status == "ok"
    assert sum(c.new for c in second.roots.values()) == 0
    assert sum(c.changed for c in second.roots.values()) == 0
    # unchanged members list no files, and lookalikes rejected after reads are not read again
    assert first_reads > 0 and hub.requests["tree"] + hub.requests["file"] == 0
    keys = {n.key for n in lineage(config, "grok-2").nodes.values()}
    assert "huggingface:Nishmaafz984/grok-2" in keys  # an undeclared re-upload
    assert "huggingface:Lumen-Lab/OpenGrok" not in keys


def test_crawl_command_prints_the_summary_and_exits_0(hub, db_url):
    result = CliRunner().invoke(cli, ["--database", db_url, "crawl", "--hub", "huggingface"],
                                env={"HF_ENDPOINT": hub.url})
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("run 1: ok")
    assert "grok-2" in result.stdout and "license issues:" in result.stdout
