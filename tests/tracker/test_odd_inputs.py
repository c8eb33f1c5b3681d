"""Odd input gets one line and the right exit code, never a traceback (issue 17, item 13).

Each case was a traceback, a silent surprise or a wrong exit code before: bytes that are not
UTF-8 in an argument, a depth beyond any integer SQL takes, a config file that is not UTF-8,
an infinite timeout, retries = 1e23, an SQLite URL without a file, TRACKER_DEBUG turning exit
7 into 1, and one file refused with a 401 ending the whole crawl.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from tests.fakes.hf_hub import FakeHub, Reply
from tests.fakes.hf_world import FakeFile, FakeRepo, World
from tracker.cli import cli


def tracker(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), env=env)


def one_line(result, code: int) -> str:
    """The single `tracker:` line of a refused command (asserting how it was refused)."""
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("tracker: ")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_an_argument_that_is_not_utf8_is_a_usage_error(sqlite_url):
    result = tracker("--database", sqlite_url, "show", "\udcff")
    assert result.exit_code == 2, result.output
    assert "not valid UTF-8" in result.stderr and "Traceback" not in result.output


def test_a_depth_beyond_reason_is_a_usage_error(sqlite_url):
    result = tracker("--database", sqlite_url, "lineage", "grok-1", "--depth",
                     "9223372036854775808")
    assert result.exit_code == 2 and "--depth" in result.stderr, result.output
    assert "Traceback" not in result.output


BAD = {
    "timeout inf": ("[crawl]\ntimeout = inf\n", "crawl.timeout must be a finite number"),
    "timeout 1e12": ("[crawl]\ntimeout = 1e12\n", "crawl.timeout must be at most 3600"),
    "retries 1e23": ("[crawl]\nretries = 1e23\n", "crawl.retries must be at most 100"),
    "retries 2.5": ("[crawl]\nretries = 2.5\n", "crawl.retries must be a whole number"),
    "max_retry_wait nan": ("[crawl]\nmax_retry_wait = nan\n", "must be a finite number"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_settings_beyond_reason_are_exit_2(case, tmp_path, sqlite_url):
    body, says = BAD[case]
    path = tmp_path / "config.toml"
    path.write_text(body)
    line = one_line(tracker("--config", str(path), "--database", sqlite_url, "crawl"), 2)
    assert says in line, line


def test_a_config_file_that_is_not_utf8_is_exit_2(tmp_path, sqlite_url):
    path = tmp_path / "config.toml"
    path.write_bytes(b"[crawl]\nretries = 5\n# caf\xe9\n")
    line = one_line(tracker("--config", str(path), "--database", sqlite_url, "changes"), 2)
    assert "is not UTF-8" in line


@pytest.mark.parametrize("url", ["sqlite:///", "sqlite://", "sqlite:///:memory:"])
def test_an_sqlite_url_without_a_file_is_refused_not_kept_in_memory(url):
    line = one_line(tracker("--database", url, "lineage", "grok-1"), 5)
    assert "names no file" in line


def test_tracker_debug_shows_the_traceback_and_keeps_the_exit_code(sqlite_url):
    world = World([FakeRepo("xai-org/grok-1", files=[FakeFile("a.bin", 1, "a" * 64)])])
    with FakeHub(world, tokens={"the-right-one"}) as hub:
        result = tracker(
            "--database", sqlite_url, "crawl", "--hub", "huggingface",
            env={"HF_ENDPOINT": hub.url, "HF_TOKEN": "a-wrong-one", "TRACKER_DEBUG": "1"},
        )
    assert result.exit_code == 7, result.output
    assert "Traceback" in result.stderr and "tracker: " in result.stderr


def test_a_401_on_one_file_is_that_file_unread_not_the_end_of_the_crawl(sqlite_url):
    grok2 = {"license": "other", "license_name": "grok-2"}
    world = World([
        FakeRepo("xai-org/grok-2", card=grok2, card_text="Powered by xAI\n",
                 files=[FakeFile("a.safetensors", 1, "a" * 64)]),
        FakeRepo("fan/grok-2-ft", card={**grok2, "base_model": "xai-org/grok-2"},
                 card_text="a fine-tune\n", files=[FakeFile("b.safetensors", 1, "b" * 64)]),
    ])
    with FakeHub(world, tokens={"tok"}) as hub:
        hub.faults.add(lambda r: r.kind == "file" and "fan/grok-2-ft" in r.path,
                       Reply(401, {}, {"error": "Unauthorized"}))
        result = tracker(
            "--database", sqlite_url, "crawl", "--hub", "huggingface", "--root", "grok-2",
            env={"HF_ENDPOINT": hub.url, "HF_TOKEN": "tok"},
        )
        assert hub.faults.pending() == 0
    # that card unread, visibly (a partial run naming it), not a rejected token (exit 7)
    assert result.exit_code == 3, result.output
    assert "fan/grok-2-ft: card not read" in result.output and "SEEN" in result.stdout
