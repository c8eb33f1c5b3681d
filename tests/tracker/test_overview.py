"""`tracker runs`, `tracker stats`, `tracker search` as a user meets them: real crawls by the
scripted crawler into a SQLite file and a PostgreSQL schema, the CLI through CliRunner."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from tests.fakes.scripted import claim, family, rec, run
from tracker.cli import cli
from tracker.config import load_config

NOV20 = datetime(2026, 11, 20, 4, tzinfo=UTC)
NOV21 = datetime(2026, 11, 21, 4, tzinfo=UTC)


def invoke(db, *args):
    return CliRunner().invoke(cli, ["--database", db, *args], catch_exceptions=False)


def renamed_world():
    """The family again, a day later: keyfan/grok-1-hf renamed to keyfan/grok-1-pt."""
    world = family()
    world["grok-1"][1] = rec("keyfan/grok-1-pt", renamed_from="keyfan/grok-1-hf")
    world["grok-1"][2] = claim("xai-org/grok-1", "keyfan/grok-1-pt", "conversion")
    world["grok-1"][4] = claim("keyfan/grok-1-pt", "someone/grok-1-hf-GGUF", "quantization")
    return world


@pytest.fixture
def crawled(db_url):
    """Two crawls: a complete one, then a partial one (grok-2's walk fails) with a rename."""
    config = load_config(overrides={"database.url": db_url})
    run(config, family(), clock=lambda: NOV20)
    run(config, renamed_world(), clock=lambda: NOV21, fail_roots=("grok-2",))
    return db_url


def fits(text: str) -> bool:
    return all(len(line) <= 80 for line in text.splitlines())


# --- runs ------------------------------------------------------------------------------------


def test_runs_lists_every_crawl_newest_first_with_counts_and_errors(crawled):
    result = invoke(crawled, "runs", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [r["id"] for r in data["runs"]] == [2, 1] and data["total"] == 2
    second, first = data["runs"]
    assert first["status"] == "ok" and first["kind"] == "crawl"
    assert first["hubs"] == ["huggingface"] and first["roots"] == ["grok-1", "grok-2"]
    assert first["new"] == 4 and first["changed"] == 0 and first["removed"] == 0
    assert first["requests"] == sum(first["requests_by_kind"].values()) > 0
    assert first["warnings"] == 1  # the scripted family's bad card
    assert first["started_at"].startswith("2026-11-20T04:00") and first["seconds"] == 0.0
    assert first["errors"] == []
    assert second["status"] == "partial" and second["renamed"] == 1
    assert any("listing base_model:xai-org/grok-1 failed" in e for e in second["errors"])


def test_runs_table_fits_80_columns_and_names_the_errors(crawled):
    result = invoke(crawled, "runs")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["RUN", "STATUS", "STARTED", "(UTC)", "TOOK", "HUBS", "REQS",
                                "NEW", "CHANGED", "REMOVED"]
    assert lines[1].split()[:5] == ["2", "partial", "2026-11-21", "04:00", "0s"]
    assert lines[2].split()[:6] == ["1", "ok", "2026-11-20", "04:00", "0s", "huggingface"]
    assert any(line.startswith("run 2: error: grok-2 on huggingface") for line in lines)
    assert "run 1: 1 warnings" in result.stdout
    assert fits(result.stdout)


def test_runs_limit_says_how_many_more_there_are(crawled):
    result = invoke(crawled, "runs", "--limit", "1")
    assert [line.split()[0] for line in result.stdout.splitlines()[1:2]] == ["2"]
    assert "1 of 2 runs shown; --limit N shows more" in result.stdout


def test_a_resolve_run_is_listed_as_one(crawled):
    assert invoke(crawled, "resolve").exit_code == 0
    data = json.loads(invoke(crawled, "runs", "--format", "json").stdout)
    assert data["runs"][0]["kind"] == "resolve" and data["runs"][0]["hubs"] == []
    assert "(resolve)" in invoke(crawled, "runs").stdout


def test_read_commands_before_the_first_crawl_say_so_and_create_nothing(tmp_path):
    db = f"sqlite:///{tmp_path / 'none.db'}"
    for command in ("runs", "stats", "search"):
        result = CliRunner().invoke(cli, ["--database", db, command])
        assert result.exit_code == 2, command
        assert "run `tracker crawl` first" in result.stderr
        assert result.stdout == ""
    assert not (tmp_path / "none.db").exists()


# --- stats -----------------------------------------------------------------------------------


def test_stats_counts_each_family_in_sql(crawled):
    result = invoke(crawled, "stats", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    grok1, grok2 = data["roots"]["grok-1"], data["roots"]["grok-2"]
    assert grok1["nodes"] == 3 and grok2["nodes"] == 1
    assert grok1["descendants"] == 2 and grok2["descendants"] == 0  # as `lineage` counts
    assert data["all"]["nodes"] == 4 and data["all"]["descendants"] == 2
    assert data["nodes"] == 4
    assert grok1["hubs"] == {"huggingface": 3}
    assert grok1["relations"] == {"conversion": 1, "quantization": 1}
    assert grok1["licenses"] == {"apache-2.0": 2, "": 1}
    assert grok1["license_issues"] == {"missing": 1}
    assert grok1["statuses"] == {"active": 3}
    # grok-2's walk failed in run 2: its last good crawl is still run 2 (partial) for grok-1
    assert grok1["last_crawl"]["run"] == 2 and grok1["last_crawl"]["status"] == "partial"
    assert data["all"]["last_crawl"]["finished_at"].startswith("2026-11-21T04:00")


def test_stats_table_has_a_column_per_root_and_fits(crawled):
    result = invoke(crawled, "stats")
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["GROK-1", "GROK-2", "ALL"]
    assert lines[1].split() == ["nodes", "3", "1", "4"]
    assert lines[2].split() == ["descendants", "2", "0", "2"]
    assert "  (none declared)" in result.stdout
    assert any(line.split() == ["quantization", "1", "0", "1"] for line in lines)
    assert "last crawl of grok-1: run 2 (partial), 2026-11-21 04:00 UTC" in result.stdout
    assert fits(result.stdout)


def test_stats_of_a_configured_root_never_crawled_is_zero(tmp_path, db_url):
    config_file = tmp_path / "config.toml"
    config_file.write_text(
        '[roots.grok-1]\nnodes = ["huggingface:xai-org/grok-1"]\nlicense = "apache-2.0"\n'
        '[roots.grok-3]\nnodes = ["huggingface:xai-org/grok-3"]\nlicense = "apache-2.0"\n'
    )
    config = load_config(config_file, overrides={"database.url": db_url})
    run(config, {"grok-1": family()["grok-1"]}, clock=lambda: NOV20)
    result = CliRunner().invoke(
        cli, ["--config", str(config_file), "--database", db_url, "stats", "--format", "json"]
    )
    data = json.loads(result.stdout)
    assert data["roots"]["grok-3"]["nodes"] == 0
    assert data["roots"]["grok-3"]["last_crawl"]["run"] == 1  # crawled, found nothing


# --- search ----------------------------------------------------------------------------------


def test_search_matches_any_case_and_former_ids(crawled):
    data = json.loads(invoke(crawled, "search", "GROK-1-HF", "--format", "json").stdout)
    assert [n["node"] for n in data["nodes"]] == [
        "huggingface:keyfan/grok-1-pt",  # by its former id
        "huggingface:someone/grok-1-hf-GGUF",
    ]
    assert data["nodes"][0]["matched_alias"] == "huggingface:keyfan/grok-1-hf"
    assert data["nodes"][0]["aliases"] == ["huggingface:keyfan/grok-1-hf"]
    text = invoke(crawled, "search", "grok-1-hf").stdout
    assert "huggingface:keyfan/grok-1-pt (was huggingface:keyfan/grok-1-hf)" in text


def test_search_filters_narrow_and_every_field_keeps_its_type(crawled):
    def keys(*args):
        result = invoke(crawled, "search", *args, "--format", "json")
        assert result.exit_code == 0, result.output
        return [n["node"] for n in json.loads(result.stdout)["nodes"]]

    assert keys("--relation", "quantization") == ["huggingface:someone/grok-1-hf-GGUF"]
    assert keys("--relation", "QUANTIZATION") == ["huggingface:someone/grok-1-hf-GGUF"]
    assert keys("--issue", "missing") == ["huggingface:someone/grok-1-hf-GGUF"]
    assert keys("--license", "none") == ["huggingface:someone/grok-1-hf-GGUF"]
    assert keys("--license", "Apache-2.0", "--root", "grok-1") == [
        "huggingface:keyfan/grok-1-pt", "huggingface:xai-org/grok-1"]
    assert keys("--root", "grok-2") == ["huggingface:xai-org/grok-2"]
    assert keys("--hub", "github") == []
    assert keys("grok", "--status", "removed") == []
    assert keys("50%_off") == []  # LIKE's wildcards are taken literally
    nodes = json.loads(invoke(crawled, "search", "--format", "json").stdout)["nodes"]
    for field, kind in (("license", str), ("license_issues", list), ("relations", list),
                        ("roots", list), ("aliases", list), ("matched_alias", str)):
        assert all(isinstance(n[field], kind) for n in nodes), field


def test_search_limit_tells_the_total_and_the_table_fits(crawled):
    result = invoke(crawled, "search", "grok", "--limit", "2")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].split() == ["NODE", "RELATION", "LICENSE", "FLAGS"]
    assert "2 of 4 matches shown; --limit N shows more" in result.stdout
    assert fits(result.stdout)
    assert "huggingface:someone/grok-1-hf-GGUF" in invoke(crawled, "search", "gguf").stdout


def test_search_for_nothing_says_so_and_an_unknown_root_is_a_usage_error(crawled):
    result = invoke(crawled, "search", "no-such-thing")
    assert result.exit_code == 0 and result.stdout.strip() == "no node matches 'no-such-thing'"
    result = CliRunner().invoke(cli, ["--database", crawled, "search", "--root", "grok-9"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "tracker: unknown root 'grok-9'; known: grok-1, grok-2"
    result = CliRunner().invoke(cli, ["--database", crawled, "search", "--issue", "bogus"])
    assert result.exit_code == 2 and "bogus" in result.stderr
