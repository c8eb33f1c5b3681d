"""Commands that look at the tracker itself: `runs`, `stats`, `search` (and, added to the
group the same way, `config`, `doctor`). Thin like tracker/cli.py: parse, call one library
function (tracker/overview.py), render (tracker/overview_text.py). `register(group)` adds
them to the `tracker` group; errors go through the group's one error table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, get_args

import click

from crawlers.base import RELATIONS, Status
from crawlers.hubs import HUBS
from tracker.cli_options import F, format_option, pass_config
from tracker.completion import complete_root
from tracker.config import Config

STATUSES: tuple[str, ...] = get_args(Status)


class _LazyChoice(click.Choice[str]):
    """A Choice whose words are imported only when the option is used or shown, so that
    defining the command does not load the module that declares them (fast start-up)."""

    def __init__(self, load: Callable[[], Sequence[str]], case_sensitive: bool = False) -> None:
        self._load = load
        self.case_sensitive = case_sensitive

    @property
    def choices(self) -> Sequence[str]:  # type: ignore[override]  # read-only: loaded when read
        return tuple(self._load())


def _issue_codes() -> tuple[str, ...]:
    from graph.license_audit import ISSUE_CODES

    return ISSUE_CODES


def _split(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    """Repeatable options also take comma-separated values (`--hub huggingface,github`)."""
    return tuple(v.strip() for value in values for v in value.split(",") if v.strip())


def _many(
    name: str,
    dest: str,
    help_text: str,
    choices: tuple[str, ...] | click.ParamType[Any, Any] | None = None,
    complete: Any = None,  # a shell_complete callback (tracker/completion.py)
) -> Callable[[F], F]:
    kind = click.Choice(choices, case_sensitive=False) if isinstance(choices, tuple) else choices
    if kind is None:
        return click.option(f"--{name}", dest, multiple=True, help=help_text, callback=_split,
                            shell_complete=complete)
    if isinstance(choices, tuple):  # the words in the help: `[a|b|...]` passes 80 columns
        help_text = f"{help_text}: {', '.join(choices)}"
    return click.option(f"--{name}", dest, multiple=True, type=kind, help=help_text,
                        metavar=name.upper())


@click.command()
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True,
              help="newest runs shown")
@format_option("table", "json", default="table")
@pass_config
def runs(config: Config, limit: int, fmt: str) -> None:
    """The crawl and resolve runs, newest first, and the sweeps.

    Each run's status, start, duration, hubs, requests, counts (new, changed, removed),
    warnings and errors; the last sweep of each hub below. Exit 0; 2 before the first crawl
    (no database); 5 if the database cannot be read.

    \b
    Example:
      tracker runs --limit 5
    """
    from tracker.overview import runs as list_runs
    from tracker.overview_text import runs_text
    from tracker.render import dumps

    data = list_runs(config, limit=limit)
    click.echo(dumps(data) if fmt == "json" else runs_text(data))


@click.command()
@format_option("table", "json", default="table")
@pass_config
def stats(config: Config, fmt: str) -> None:
    """Members per root, hub, status, relation, license, issue.

    Counted in SQL from the stored families, with the last crawl of each root. Exit 0;
    2 before the first crawl (no database); 5 if the database cannot be read.

    \b
    Example:
      tracker stats --format json
    """
    from tracker.overview import stats as count
    from tracker.overview_text import stats_text
    from tracker.render import dumps

    data = count(config)
    click.echo(dumps(data) if fmt == "json" else stats_text(data))


@click.command()
@click.argument("text", required=False, default="")
@_many("hub", "hubs", "only nodes on this hub (repeatable)", tuple(HUBS))
@_many("license", "licenses",
       "only nodes under this license id; 'none' for none declared (repeatable)")
@_many("relation", "relations", "only nodes with this relation to a parent (repeatable)",
       tuple(RELATIONS))
@_many("status", "statuses", "only nodes with this status (repeatable)", STATUSES)
@_many("issue", "issues", "only nodes with this license issue (repeatable)",
       _LazyChoice(_issue_codes))
@_many("root", "roots", "only members of this root's family (repeatable)",
       complete=complete_root)
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True,
              help="matches shown at most")
@format_option("table", "json", default="table")
@pass_config
def search(
    config: Config,
    text: str,
    hubs: tuple[str, ...],
    licenses: tuple[str, ...],
    relations: tuple[str, ...],
    statuses: tuple[str, ...],
    issues: tuple[str, ...],
    roots: tuple[str, ...],
    limit: int,
    fmt: str,
) -> None:
    """Find nodes by key or former key, hub, license, relation.

    TEXT matches anywhere in a node's key or former key, in any case; each filter narrows
    the result (--status, --issue, --root too). Without TEXT every node passing the
    filters matches. Exit 0, also when nothing matches; 2 for an unknown root or before
    the first crawl; 5 if the database cannot be read.

    \b
    Example:
      tracker search gguf --relation quantization --issue missing
    """
    from tracker.overview import search as find
    from tracker.overview_text import search_text
    from tracker.render import dumps

    data = find(config, text, hubs=[h.lower() for h in hubs], licenses=licenses,
                relations=[r.lower() for r in relations],
                statuses=[s.lower() for s in statuses], issues=[i.lower() for i in issues],
                roots=roots, limit=limit)
    click.echo(dumps(data) if fmt == "json" else search_text(data))


@click.command("config")
@format_option("toml", "json", default="toml")
@pass_config
def config_command(config: Config, fmt: str) -> None:
    """The effective settings and where each came from; secrets hidden.

    Each value's origin: flag, environment (which variable), file (which) or default.
    Tokens show as set or not set, webhook URLs as their host, passwords as ***. The TOML
    loads back as a config file. Exit 0; 2 if the config is invalid.

    \b
    Example:
      HF_ENDPOINT=http://127.0.0.1:8765 tracker config
    """
    from tracker.render import dumps
    from tracker.settings_report import as_toml, effective

    data = effective(config)
    click.echo(dumps(data) if fmt == "json" else as_toml(data))


@click.command()
@click.option("--timeout", type=click.FloatRange(min=0.1, max=300), default=10.0,
              show_default=True, help="seconds each hub may take to answer")
@format_option("text", "json", default="text")
@pass_config
def doctor(config: Config, timeout: float, fmt: str) -> None:
    """Check each hub endpoint, its token, the database and the locks.

    One request per hub in crawl.hubs (no retry), the database opened read-only, the
    locks read, never taken; one line each: ok, warn (works, with something to know) or
    fail. Exit 0 when nothing fails, 1 when any check fails, 2 if the config is invalid.

    \b
    Example:
      tracker doctor --timeout 5
    """
    from tracker.doctor import doctor as run_checks
    from tracker.doctor import render_checks
    from tracker.errors import EXIT_FAILED, EXIT_OK
    from tracker.render import dumps

    checks = run_checks(config, timeout=timeout)
    failed = any(c.status == "fail" for c in checks)
    if fmt == "json":
        click.echo(dumps({"ok": not failed, "checks": [c.to_dict() for c in checks]}))
    else:
        click.echo(render_checks(checks))
    raise SystemExit(EXIT_FAILED if failed else EXIT_OK)


COMMANDS = (runs, stats, search, config_command, doctor)


def register(group: click.Group) -> None:
    """Add this module's commands to the `tracker` group."""
    for command in COMMANDS:
        group.add_command(command)
