"""What every command module of the CLI shares: the lazily loaded Config and the --format
option (sqlite-utils' `output_options` habit), so tracker/cli.py and the modules that add
commands to its group (tracker/cli_inspect.py) declare them once."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

import click

from tracker.config import Config, load_config

P = ParamSpec("P")
R = TypeVar("R")
F = TypeVar("F", bound=Callable[..., Any])  # a command function, before click wraps it

FORMAT_HELP = "output format"


# What each command checks of the settings only some commands use (tracker.config's
# USED_BY_SOME); () means all of them.
SETTINGS_USED: dict[str, tuple[str, ...]] = {
    "crawl": ("hubs.", "crawl.", "alerts."), "sweep": ("hubs.huggingface.", "crawl."),
    "schedule": (), "alerts": ("alerts.",),
    "config": (),  # the command that shows the settings says which one is bad
}


def pass_config(func: Callable[Concatenate[Config, P], R]) -> Callable[P, R]:
    """Load the one Config from --config/--database and the environment, lazily and once."""

    @click.pass_context
    @functools.wraps(func)
    def wrapper(ctx: click.Context, /, *args: P.args, **kwargs: P.kwargs) -> R:
        opts = ctx.find_root().params
        config = load_config(opts.get("config_path"), strict=False,
                             overrides={"database.url": opts.get("database")})
        command = " ".join(ctx.command_path.split()[1:2])
        if command in SETTINGS_USED:  # a bad cron line stops `schedule`, not `lineage`
            config.require(*SETTINGS_USED[command])
        from tracker.logsetup import setup_logging

        setup_logging(config)
        return func(config, *args, **kwargs)

    return wrapper


def format_option(*choices: str, default: str) -> Callable[[F], F]:
    return click.option("--format", "fmt", type=click.Choice(choices, case_sensitive=False),
                        default=default,
                        show_default=True, help=FORMAT_HELP)
