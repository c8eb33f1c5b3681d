"""A real child Python process that tests talk to through its stdin and stdout lines.

Tests wait for a line the child prints when it is ready (bounded, never a bare sleep) and
tell it to go on by writing a line to its stdin. stdout and stderr are drained by threads,
so a chatty child never blocks on a full pipe.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
WAIT = 60.0  # upper bound for any one wait; a healthy run takes about a second


class Child:
    def __init__(self, script: str, *args: str, env: dict[str, str] | None = None) -> None:
        child_env = dict(os.environ if env is None else env)
        # The child imports the tracker from this checkout, wherever the test runs.
        child_env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(REPO), child_env.get("PYTHONPATH", "")) if p
        )
        self.proc = subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(script), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=child_env,
        )
        self._stdout: queue.Queue[str | None] = queue.Queue()
        self.stderr_lines: list[str] = []
        threading.Thread(target=self._pump_stdout, daemon=True).start()
        self._stderr_done = threading.Thread(target=self._pump_stderr, daemon=True)
        self._stderr_done.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _pump_stdout(self) -> None:
        for line in self.proc.stdout:
            self._stdout.put(line.rstrip("\n"))
        self._stdout.put(None)

    def _pump_stderr(self) -> None:
        for line in self.proc.stderr:
            self.stderr_lines.append(line.rstrip("\n"))

    def expect(self, prefix: str, timeout: float = WAIT) -> str:
        """The first stdout line starting with `prefix` (the rest of it, stripped)."""
        while True:
            try:
                line = self._stdout.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(
                    f"child printed no {prefix!r} within {timeout}s; stderr:\n{self.stderr}"
                ) from None
            if line is None:
                self.proc.wait(WAIT)
                raise AssertionError(
                    f"child exited ({self.proc.returncode}) before printing {prefix!r}; "
                    f"stderr:\n{self.stderr}"
                )
            if line.startswith(prefix):
                return line[len(prefix) :].strip()

    def send(self, line: str = "") -> None:
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def signal(self, signum: int) -> None:
        self.proc.send_signal(signum)

    def wait(self, timeout: float = WAIT) -> int:
        code = self.proc.wait(timeout)
        self._stderr_done.join(timeout)
        return code

    @property
    def stderr(self) -> str:
        return "\n".join(self.stderr_lines)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(WAIT)
        for pipe in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                pipe.close()
            except OSError:
                pass

    def __enter__(self) -> Child:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
