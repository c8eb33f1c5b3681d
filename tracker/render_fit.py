"""Output that fits the terminal: lines wrapped between words, tables by rich, at its width.

On a terminal (or with COLUMNS set) every line longer than the width is wrapped at spaces,
its continuation indented under the line's own text (a tree line continues under its branch);
a word is never cut. A table wider than the terminal is drawn by rich at that width: text
columns wrap between words, a node key too long for its column ends in "…". Piped output
(scripts, files, cron) is left whole, every row on one line.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import textwrap
from collections.abc import Sequence
from typing import TextIO

_TREE = re.compile(r"^[ │]*(?:[├└]── )?")


def output_width(stream: TextIO | None = None) -> int | None:
    """The width to fit: the terminal's when `stream` (stdout) is one, else COLUMNS if set,
    else None (piped: no limit)."""
    stream = stream or sys.stdout
    try:
        if stream.isatty():
            return shutil.get_terminal_size().columns
    except (AttributeError, ValueError):
        pass
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) >= 20 else None


def _indent(line: str) -> str:
    lead = _TREE.match(line).group(0)  # type: ignore[union-attr]
    return lead.replace("├── ", "│   ").replace("└── ", "    ") + "    "


def fit_text(text: str, width: int | None) -> str:
    """Every line of `text` wrapped at spaces to `width` (None: unchanged)."""
    if not width:
        return text
    out = []
    for line in text.split("\n"):
        if len(line) <= width or not line.strip():
            out.append(line)
            continue
        lead = _TREE.match(line).group(0)  # type: ignore[union-attr]
        out.append(textwrap.fill(line[len(lead):], width, initial_indent=lead,
                                 subsequent_indent=_indent(line), break_long_words=False,
                                 break_on_hyphens=False))
    return "\n".join(out)


def fit_table(header: Sequence[str], cells: Sequence[Sequence[str]], width: int,
              whole: Sequence[str] = ("NODE",)) -> str:
    """A table drawn by rich at `width`, as plain as our own (no borders, no colour). The
    `whole` columns and the short ones keep their values on one line (a node key is what a
    person copies); the others wrap between words (a list wraps after its commas) or end in "…"."""
    from io import StringIO

    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, show_edge=False, pad_edge=False, padding=(0, 2, 0, 0),
                  header_style="", collapse_padding=True)
    for i, name in enumerate(header):
        longest = max([len(name)] + [len(row[i]) for row in cells])
        keep = name in whole or longest <= 12  # short words (codes, relations) stay whole
        table.add_column(name, overflow="ellipsis", no_wrap=keep,
                         min_width=min(longest, width // 2) if keep else None)
    for row in cells:
        table.add_row(*(re.sub(r",(?=\S)", ", ", cell) for cell in row))
    buffer = StringIO()
    Console(file=buffer, width=width, color_system=None, highlight=False,
            legacy_windows=False).print(table)
    return "\n".join(line.rstrip() for line in buffer.getvalue().rstrip("\n").split("\n"))

