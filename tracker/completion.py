"""Shell completion of root names and node keys (click's `shell_complete=`).

The shell asks while a person types, so a completer never fails aloud: a bad config, no
database yet or any other error completes nothing. Node keys come from the database, opened
read-only (never created), at most 100 of them; the hub prefix may be left out
(`xai` completes `huggingface:xai-org/grok-1`).
"""

from __future__ import annotations

import logging

import click

from tracker.config import Config, load_config

LIMIT = 100
log = logging.getLogger("tracker.completion")


def _config(ctx: click.Context) -> Config | None:
    try:
        opts = ctx.find_root().params
        return load_config(opts.get("config_path"),
                           overrides={"database.url": opts.get("database")})
    except Exception as exc:  # noqa: BLE001 - the shell shows nothing rather than a traceback
        log.debug("no completion: %s", exc)
        return None


def root_names(ctx: click.Context, incomplete: str) -> list[str]:
    config = _config(ctx)
    if config is None:
        return []
    return [name for name in config.roots if name.lower().startswith(incomplete.lower())]


def node_keys(ctx: click.Context, incomplete: str) -> list[str]:
    config = _config(ctx)
    if config is None:
        return []
    try:
        from db import repository as repo
        from tracker.service import store

        with store(config) as session:
            return repo.keys_starting(session, incomplete, limit=LIMIT)
    except Exception as exc:  # noqa: BLE001 - no database yet, or unreachable: nothing
        log.debug("no completion: %s", exc)
        return []


def complete_root(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """A root name from the config."""
    return root_names(ctx, incomplete)


def complete_node(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """A node key (or former key) from the database."""
    return node_keys(ctx, incomplete)


def complete_target(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[str]:
    """A root name, then node keys."""
    return root_names(ctx, incomplete) + node_keys(ctx, incomplete)
