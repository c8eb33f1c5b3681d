"""The README says what the code declares: every setting, hub, relation and export format.

Like sqlite-utils' tests/test_docs.py: each vocabulary is declared once in code (the settings
table in tracker/config.py, the hub table in crawlers/hubs.py, RELATIONS in crawlers/base.py,
the exporters in graph/export/), and these tests keep the README equal to it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

from click import Choice

from crawlers.base import RELATIONS, Relation
from crawlers.hubs import HUB_TABLE, HUBS, Hub
from graph.export import EXPORTERS
from tracker.cli import cli
from tracker.config import SETTINGS

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def _settings_table() -> dict[str, tuple[str, str]]:
    """key -> (default, environment variable) from the README's settings table."""
    rows = {}
    for line in README.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and re.fullmatch(r"`[a-z_]+(\.[a-z_]+)+`", cells[0]):
            rows[cells[0].strip("`")] = (cells[1].strip("`"), cells[2].strip("`"))
    return rows


def _same_default(written: str, declared: object) -> bool:
    if written in ("(none)", "(shipped)"):
        return declared == ""
    if isinstance(declared, float):
        return float(written) == declared
    return written == str(declared)


def test_the_readme_settings_table_is_the_settings_the_code_declares():
    table = _settings_table()
    assert list(table) == [s.key for s in SETTINGS]
    for setting in SETTINGS:
        default, env = table[setting.key]
        assert env == (setting.env or ""), setting.key
        assert _same_default(default, setting.default), setting.key


def test_the_hub_table_is_the_one_list_of_hubs():
    assert HUBS == get_args(Hub) == tuple(h.name for h in HUB_TABLE)
    keys = {s.key for s in SETTINGS}
    for hub in HUB_TABLE:
        assert {f"hubs.{hub.name}.endpoint", f"hubs.{hub.name}.token_env"} <= keys
        assert f"[hubs.{hub.name}]" in README or f"hubs.{hub.name}." in README
    assert _choices("crawl", "hubs") == list(HUBS)


def test_relations_have_one_vocabulary():
    assert RELATIONS == get_args(Relation)
    assert _choices("lineage", "relations") == list(RELATIONS)
    for relation in RELATIONS:
        assert f"`{relation}`" in README, relation


def test_export_formats_have_one_vocabulary():
    assert _choices("export", "fmt") == list(EXPORTERS)
    section = README.split("### `tracker export`")[1].split("\n### ")[0]
    told = {f for found in re.findall(r"`--format ([a-z|]+)`", section) for f in found.split("|")}
    assert told == set(EXPORTERS)


def _choices(command: str, param: str) -> list[str]:
    option = next(p for p in cli.commands[command].params if p.name == param)
    assert isinstance(option.type, Choice)
    return list(option.type.choices)


def test_every_command_has_a_readme_section_and_a_summary():
    """Each command of the `tracker` group (subcommands too) is named in a README heading,
    and its --help gives a one-line summary."""
    headings = re.findall(r"^#{2,4} .*?`tracker ([a-z]+)", README, flags=re.M)
    missing = [name for name in cli.commands if name not in headings]
    assert missing == []
    for name, command in cli.commands.items():
        assert command.get_short_help_str(limit=80).strip(), name
