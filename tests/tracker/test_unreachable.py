"""A crawl that cannot reach a hub says so once and fails fast (issue 11).

Before: each hub's failure was logged, repeated in the summary and again in a final line,
and a refused connection was retried with backoff (5 retries: 15 to 31 s per hub; about 74 s
with no network). Now a connection that cannot be made is not retried; one line names each
hub, its endpoint, the setting that names it and where that value came from, and points at
the README's "Try it offline"; the exit code is 6 (README, Exit codes) when nothing was
reached, 3 when another hub was. The closed port is real: a socket bound on 127.0.0.1 that
does not listen, so the kernel refuses every connection to it.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.fakes import grok_world
from tests.fakes.hf_hub import FakeHub
from tracker.cli import cli

README = Path(__file__).resolve().parents[2] / "README.md"
README_HEADING = "### Try it offline"


@pytest.fixture
def closed() -> Iterator[str]:
    """A URL on 127.0.0.1 whose port is held (bound, not listening): always refused."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{held.getsockname()[1]}"


def crawl(db: str, env: dict[str, str], *args: str):
    began = time.monotonic()
    result = CliRunner().invoke(cli, ["--database", db, "crawl", *args], env=env)
    return result, time.monotonic() - began


def test_no_hub_reachable_is_one_line_within_seconds_exit_6(tmp_path, closed):
    assert README_HEADING in README.read_text()  # the tip points at a section that exists
    env = {"HF_ENDPOINT": closed, "GITHUB_API_URL": closed, "MODELSCOPE_ENDPOINT": closed}
    result, seconds = crawl(f"sqlite:///{tmp_path / 'tracker.db'}", env)
    assert result.exit_code == 6, result.output  # README: a hub endpoint cannot be reached
    assert seconds < 8, seconds  # no retry loop: the default 5 retries took 15 s at least
    said = [line for line in (result.stdout + result.stderr).splitlines()
            if "cannot reach" in line or "refused" in line]
    assert len(said) == 1, said
    line = said[0]
    assert line.startswith("tracker: cannot reach ")
    for hub, setting in (("huggingface", "HF_ENDPOINT or [hubs.huggingface] endpoint"),
                         ("modelscope", "MODELSCOPE_ENDPOINT or [hubs.modelscope] endpoint"),
                         ("github", "GITHUB_API_URL or [hubs.github] endpoint")):
        assert f"{closed} for {hub} ({setting}; this one from environment " in line, line
    assert line.count("connection refused") == 3
    assert line.endswith('see "Try it offline" in README.md')
    assert "error:" not in result.stdout  # not repeated in the summary
    assert "Traceback" not in result.output


def test_one_hub_unreachable_keeps_the_others_and_says_so_once_exit_3(tmp_path, closed):
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[hubs.github]\nendpoint = "{closed}"\n')
    with FakeHub(grok_world.fake_repos()) as hub:
        result = CliRunner().invoke(
            cli, ["--config", str(cfg), "--database", f"sqlite:///{tmp_path / 'tracker.db'}",
                  "crawl", "--hub", "huggingface,github"], env={"HF_ENDPOINT": hub.url})
    assert result.exit_code == 3, result.output
    said = [line for line in (result.stdout + result.stderr).splitlines()
            if "cannot reach" in line]
    assert said == [
        f"tracker: cannot reach {closed} for github (GITHUB_API_URL or [hubs.github] endpoint; "
        f"this one from {cfg}): connection refused; what the other hubs gave is kept. Tip: "
        'check the network and the setting; to try the tracker without one, see "Try it '
        'offline" in README.md'
    ]
    assert "grok-1  18    18" in result.stdout  # the Hub's members are kept
