"""Progress on a terminal (issue 11): rich's Progress on the log handler's own Console, so a
log line printed while the progress shows lands above it, whole, never in the middle of the
progress line; each step says which it is out of how many. Piped, nothing but plain lines.

The terminal is a text buffer that says it is one (rich then draws as on a real terminal);
`screen()` replays what was written the way a terminal shows it (carriage returns, erased
lines, the cursor moved up), so the tests read what a person would see.
"""

from __future__ import annotations

import io
import logging
import re

from tests.fakes import grok_world
from tests.fakes.hf_hub import FakeHub
from tracker.config import load_config
from tracker.logsetup import setup_logging
from tracker.pipeline import crawl
from tracker.progress import progress_observer

CSI = re.compile(r"\x1b\[([0-9;?]*)([A-Za-z])")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def screen(raw: str) -> list[str]:
    """The lines a terminal shows after `raw` (only what rich sends: text, \\r, \\n, erase
    line, cursor up; colours and cursor visibility change no character)."""
    lines, row, col, i = [""], 0, 0, 0
    while i < len(raw):
        match = CSI.match(raw, i)
        if match:
            arg, command = match.groups()
            if command == "K":
                lines[row] = "" if arg == "2" else lines[row][:col]
            elif command == "A":
                row = max(0, row - int(arg or 1))
            i = match.end()
            continue
        char = raw[i]
        if char == "\n":
            row, col = row + 1, 0
            if row == len(lines):
                lines.append("")
        elif char == "\r":
            col = 0
        else:
            line = lines[row].ljust(col)
            lines[row] = line[:col] + char + line[col + 1:]
            col += 1
        i += 1
    return lines


def test_a_log_line_during_progress_goes_above_it_whole(monkeypatch, restore_root_logger):
    monkeypatch.setenv("COLUMNS", "120")
    terminal = Terminal()
    setup_logging(load_config(environ={}), stream=terminal)
    with progress_observer(terminal) as observer:
        observer.stage("grok-1 on huggingface", 1, 3)
        observer.advance(7)
        logging.getLogger("tracker.crawl").warning("one repo unread: its card timed out")
        observer.advance(5)
    shown = screen(terminal.getvalue())
    logged = [line for line in shown if "one repo unread" in line]
    assert len(logged) == 1, shown
    assert "tracker.crawl: one repo unread: its card timed out" in logged[0]
    assert "repos" not in logged[0] and "grok-1 on huggingface" not in logged[0], logged
    raw = terminal.getvalue()
    assert "[1/3] grok-1 on huggingface" in raw  # the step, of how many
    assert "12 repos" in raw


def test_a_crawl_on_a_terminal_shows_its_steps_and_keeps_every_log_line_whole(
    tmp_path, monkeypatch, restore_root_logger
):
    monkeypatch.setenv("COLUMNS", "160")
    terminal = Terminal()
    with FakeHub(grok_world.fake_repos()) as hub:
        config = load_config(environ={"HF_ENDPOINT": hub.url},
                             overrides={"database.url": f"sqlite:///{tmp_path / 't.db'}"})
        setup_logging(config, stream=terminal)
        with progress_observer(terminal) as observer:
            report = crawl(config, hubs=["huggingface"], observer=observer)
    assert report.status == "ok"
    raw = terminal.getvalue()
    for step in ("[1/3] grok-1 on huggingface", "[2/3] grok-2 on huggingface",
                 "[3/3] resolving families"):
        assert step in raw
    shown = screen(raw)
    for message in ("run 1: crawling grok-1, grok-2 on huggingface",
                    "run 1: resolved: 34 edges added", "run 1: ok, 86 requests"):
        lines = [line for line in shown if message in line]
        assert len(lines) == 1 and "repos" not in lines[0], (message, shown)
    assert not any("repos" in line for line in shown)  # transient: gone at the end


def test_piped_there_is_no_progress_and_no_control_code(restore_root_logger):
    piped = io.StringIO()
    setup_logging(load_config(environ={}), stream=piped)
    with progress_observer(piped) as observer:
        observer.stage("grok-1 on huggingface", 1, 3)
        observer.advance(3)
        logging.getLogger("tracker.crawl").info("plain")
    text = piped.getvalue()
    assert "\x1b" not in text and "repos" not in text
    assert text.rstrip().endswith("INFO    tracker.crawl: plain")
