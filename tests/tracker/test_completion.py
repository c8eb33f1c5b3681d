"""Shell completion as the shell asks for it: click's `_TRACKER_COMPLETE` protocol through
CliRunner (the same environment variables bash and zsh set), root names from the config and
node keys from a crawled database."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from tests.fakes.scripted import family, run
from tracker.cli import cli
from tracker.config import load_config


@pytest.fixture
def crawled(db_url):
    run(load_config(overrides={"database.url": db_url}), family())
    return db_url


def complete(words: str, *, shell: str = "bash", db: str | None = None) -> list[str]:
    """What the shell gets for the last word of `words` (bash: COMP_WORDS and COMP_CWORD)."""
    args = words.split(" ")
    env = {"_TRACKER_COMPLETE": f"{shell}_complete",
           "COMP_WORDS": words, "COMP_CWORD": str(len(args) - 1)}
    if db:
        env["TRACKER_DATABASE_URL"] = db
    result = CliRunner().invoke(cli, [], env=env, prog_name="tracker")
    assert result.exit_code == 0, result.output
    # bash lines are "type,value"
    return [line.partition(",")[2] for line in result.stdout.splitlines() if line]


def test_the_shell_script_is_click_s():
    result = CliRunner().invoke(cli, [], env={"_TRACKER_COMPLETE": "bash_source"},
                                prog_name="tracker")
    assert result.exit_code == 0
    assert "_tracker_completion()" in result.stdout
    assert "_TRACKER_COMPLETE=bash_complete" in result.stdout


def test_commands_and_choices_complete():
    assert {"runs", "stats", "search", "config", "doctor"} <= set(complete("tracker "))
    assert complete("tracker sta") == ["stats"]
    assert complete("tracker search --relation qu") == ["quantization"]


def test_root_names_complete_from_the_config(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[roots.grok-1]\nnodes = ["huggingface:xai-org/grok-1"]\n'
                      '[roots.mygrok]\nnodes = ["huggingface:me/mygrok"]\n')
    words = f"tracker --config {config} licenses "
    assert complete(words) == ["grok-1", "mygrok"]
    assert complete(f"tracker --config {config} search --root my") == ["mygrok"]


def test_node_keys_complete_from_the_database_with_or_without_the_hub(crawled):
    assert complete("tracker show huggingface:keyf", db=crawled) == [
        "huggingface:keyfan/grok-1-hf"]
    assert complete("tracker show SOMEONE", db=crawled) == [
        "huggingface:someone/grok-1-hf-GGUF"]
    # a root or a node: the roots first
    assert complete("tracker lineage grok", db=crawled) == ["grok-1", "grok-2"]
    assert complete("tracker lineage huggingface:xai", db=crawled) == [
        "huggingface:xai-org/grok-1", "huggingface:xai-org/grok-2"]
    assert complete("tracker explain huggingface:xai-org/grok-2", db=crawled) == [
        "huggingface:xai-org/grok-2"]


def test_completion_never_fails_aloud(tmp_path):
    nothing = f"sqlite:///{tmp_path / 'none.db'}"
    assert complete("tracker show hugg", db=nothing) == []
    assert not (tmp_path / "none.db").exists()  # completion never creates a database
    bad = tmp_path / "bad.toml"
    bad.write_text("[nonsense\n")
    assert complete(f"tracker --config {bad} lineage gr") == []
