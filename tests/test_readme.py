"""The README's examples, run: each `$ tracker ...` shown on the offline Grok world prints
what the README says it prints, so the README cannot drift from the tracker.

The walk follows "Try it offline": the fake Hub of `python -m tests.fakes.serve` (here in
process, on a free port), one database in a temporary folder, the README's commands in the
README's order, as a shell runs them (pipes, `python -c`, `jq`). Output is compared after
normalising what changes between runs: dates and times, the fake Hub's port. A line `...` in
the README stands for any number of lines. Examples of other worlds (a 100,000-model sweep,
the two-day history of `tests/tracker/test_history.py`, alerts, a real hub) are named in
OTHER_WORLDS and not run here; their tests are beside the code they show.

`python -m tests.test_readme` prints each walked example's real output (to update the README).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

# Commands shown on another world than the offline Grok world; a new example is walked
# unless it is named here.
OTHER_WORLDS = (
    "pip install", "python -m pytest", "tracker crawl && ", "--config bad.toml",
    "tracker sweep", "meta-llama/", "tracker schedule", "tracker changes", "bob/grok-1-lora",
    "alice/grok-1-ft", "carol/grok-1-mlx", "tracker alerts", "createdb",
    "python -m tests.fakes.serve", "HF_ENDPOINT=", "bench/", "tracker runs", "_TRACKER_COMPLETE",
)
# the second crawl of the alerts world, shown under "Alerts"
SECOND_CRAWL = "alerts: feed:"


@dataclass
class Example:
    command: str
    expected: list[str]
    block: int  # which console block: a block of another world is skipped whole


def examples(text: str) -> list[Example]:
    """Every `$ command` of the README's console blocks with the lines shown under it; a
    command whose quote is still open goes on over the next lines, as in a shell."""
    found: list[Example] = []
    blocks = re.findall(r"^( *)```console\n(.*?)^\1```", text, re.S | re.M)
    for number, (_, body) in enumerate(blocks):
        current: Example | None = None
        for line in textwrap.dedent(body).rstrip("\n").split("\n"):
            if current is not None and current.command.count("'") % 2:
                current.command += "\n" + line
            elif line.startswith("$ "):
                current = Example(line[2:], [], number)
                found.append(current)
            elif current is not None:
                current.expected.append(line)
    for example in found:
        while example.expected and not example.expected[-1].strip():
            example.expected.pop()
    return found


def _other_world(example: Example) -> bool:
    return any(mark in example.command for mark in OTHER_WORLDS) or any(
        SECOND_CRAWL in line for line in example.expected
    ) or example.command.startswith("export ")  # a shell's, for a real server


def walked(text: str) -> list[Example]:
    every = examples(text)
    skipped = {e.block for e in every if _other_world(e)}
    return [e for e in every if e.block not in skipped]


_TIMES = [
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)?"), "<time>"),
    (re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)?( UTC)?"), "<time>"),
    (re.compile(r"\b\d{4}-\d\d-\d\d\b"), "<date>"),
    (re.compile(r"http://127\.0\.0\.1:\d+"), "http://127.0.0.1:8765"),
]


def normal(line: str) -> str:
    for pattern, replacement in _TIMES:
        line = pattern.sub(replacement, line)
    return line.rstrip()


def matches(expected: list[str], actual: list[str]) -> bool:
    """Whether `actual` is `expected`, a line `...` standing for any lines."""
    want = [normal(x) for x in expected]
    got = [normal(x) for x in actual]

    def walk(i: int, j: int) -> bool:
        while i < len(want):
            if want[i].strip() == "...":
                return any(walk(i + 1, k) for k in range(j, len(got) + 1))
            if j >= len(got) or want[i] != got[j]:
                return False
            i, j = i + 1, j + 1
        return j == len(got)

    return walk(0, 0)


def run(command: str, cwd: Path, env: dict[str, str]) -> list[str]:
    """`command` as a shell runs it; `tracker` and `python` are this interpreter's."""
    shell = re.sub(r"(^|&& |\| )tracker ", rf"\g<1>{sys.executable} -m tracker ", command)
    shell = re.sub(r"(^|&& |\| )python ", rf"\g<1>{sys.executable} ", shell)
    done = subprocess.run(shell, shell=True, cwd=cwd, env=env, capture_output=True, text=True,
                          executable=shutil.which("bash"),
                          timeout=300)
    text = done.stdout + done.stderr
    return text.rstrip("\n").split("\n") if text.strip() else []


def walk_readme(workdir: Path, hub_url: str):
    env = {
        **os.environ, "HF_ENDPOINT": hub_url, "PYTHONPATH": str(ROOT),
        "TRACKER_LOG_LEVEL": "WARNING", "TRACKER_DATABASE_URL": "sqlite:///tracker.db",
    }
    env.pop("COLUMNS", None)  # piped: lines whole, as the README shows them
    for example in walked(README.read_text()):
        if "| jq" in example.command or example.command.startswith("jq "):
            if shutil.which("jq") is None:
                continue
        yield example, run(example.command, workdir, env)


@pytest.fixture(scope="module")
def hub():
    from tests.fakes import grok_world
    from tests.fakes.hf_hub import FakeHub

    with FakeHub(grok_world.fake_repos()) as hub:
        yield hub


def test_the_readme_walk_covers_the_commands():
    commands = " ".join(e.command for e in walked(README.read_text()))
    for command in ("crawl", "lineage", "show", "licenses", "export", "resolve", "explain"):
        assert f"tracker {command}" in commands, command


def test_every_offline_example_prints_what_the_readme_shows(hub, tmp_path):
    wrong = []
    for example, actual in walk_readme(tmp_path, hub.url):
        if not matches(example.expected, actual):
            wrong.append(f"$ {example.command}\n--- README\n" + "\n".join(example.expected)
                         + "\n--- real\n" + "\n".join(actual))
    assert not wrong, "\n\n".join(wrong)


if __name__ == "__main__":  # print the real output of every walked example
    import tempfile

    from tests.fakes import grok_world
    from tests.fakes.hf_hub import FakeHub

    with FakeHub(grok_world.fake_repos()) as fake, tempfile.TemporaryDirectory() as folder:
        for example, actual in walk_readme(Path(folder), fake.url):
            flag = "ok" if matches(example.expected, actual) else "DIFFERS"
            print(f"### {flag}\n$ {example.command}\n" + "\n".join(actual) + "\n")
