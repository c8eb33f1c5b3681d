"""The `tracker` command: thin click commands over the pipeline and the read side.

Each command parses, calls one library function, renders. Data goes to stdout; progress and
logs go to stderr. Errors are mapped once, in `main()`, through `tracker.cli_errors.describe`:
one line, a distinct exit code, no traceback (TRACKER_DEBUG=1 shows it).

Commands import the library they call when they run, not at the top, so that `tracker --help`
and a bad flag answer without loading SQLAlchemy, NetworkX and the crawlers.
"""

from __future__ import annotations

import io
import os
import sys
import traceback
from collections.abc import Callable
from typing import Any

import click
import click._textwrap

from crawlers.base import RELATIONS
from crawlers.hubs import HUBS
from tracker import __version__
from tracker.cli_help import epilog
from tracker.cli_inspect import register as add_inspect_commands
from tracker.cli_options import format_option, pass_config
from tracker.cli_params import DATE_HELP, OneLineUsageError, WordList, flatten
from tracker.cli_params import parse_date as _parse_date
from tracker.completion import complete_node, complete_root, complete_target
from tracker.config import Config


class _ExportFormat(click.Choice[str]):
    """A choice of graph.export's formats, read when `--format` is parsed or help is shown:
    the exporters (CycloneDX's library above all) are too heavy to load for every command."""

    def __init__(self) -> None:  # no super().__init__: it would copy the choices now
        self.case_sensitive = False

    @property
    def choices(self) -> tuple[str, ...]:  # type: ignore[override]  # read lazily, not set
        from graph.export import FORMATS

        return FORMATS


class _WholeWords(click._textwrap.TextWrapper):
    """Help text wraps between words only: click's wrapper breaks at hyphens, which splits
    every node id (`xai-` / `org/grok-1`) at 80 columns."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **{**kwargs, "break_on_hyphens": False})


click._textwrap.TextWrapper = _WholeWords  # type: ignore[misc]  # read by click.formatting


def echo(text: str) -> None:
    """Data to stdout; on a terminal (or with COLUMNS) wrapped between words to its width.
    JSON is never wrapped: its lines fit or not, a program reads it either way."""
    from tracker.render_fit import fit_text, output_width

    click.echo(text if text.startswith(("{", "[")) else fit_text(text, output_width()))


def command(
    group: click.Group, name: str, short: str, **kwargs: Any
) -> Callable[[Callable[..., Any]], click.Command]:
    """A command with its one-line summary (never cut with "...") and the epilog of
    tracker.cli_help: exit codes, environment, an example."""
    return group.command(name, short_help=short, epilog=epilog(name), **kwargs)


def _one_line(error: click.UsageError) -> click.UsageError:
    if isinstance(error, (OneLineUsageError, click.exceptions.NoArgsIsHelpError)):
        return error  # `tracker` alone prints the help, as click does
    return OneLineUsageError(error)



class TrackerGroup(click.Group):
    """Applies the error table once, for every command, under CliRunner as in a shell;
    usage errors are one line like every other error."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as error:
            raise _one_line(error) from None

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # Bytes that are not UTF-8 reach us as lone surrogates (`tracker show $'\xff'`): no
        # database, terminal or hub takes them, so they are a usage error here (issue 17).
        for arg in args:
            if any("\ud800" <= ch <= "\udfff" for ch in arg):
                shown = arg.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                raise click.UsageError(f"argument {shown!r} is not valid UTF-8", ctx)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as error:
            raise _one_line(error) from None
        except (click.exceptions.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:  # a second Ctrl-C: at once, one line
            from tracker.errors import EXIT_INTERRUPTED

            click.echo("tracker: interrupted", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except Exception as exc:
            if isinstance(exc, BrokenPipeError):
                raise  # the reader went away (`| head`): click ends quietly
            from tracker.cli_errors import describe  # here: its table loads the store's errors

            described = describe(exc)
            if described is None:
                raise
            if os.environ.get("TRACKER_DEBUG"):  # the traceback too, and still the same code
                traceback.print_exc()
            code, message = described
            if isinstance(exc, OSError) and exc.filename is None:
                _discard_stdout()  # what stdout still buffers would fail again at exit
            click.echo(f"tracker: {message}", err=True)
            ctx.exit(code)


def _discard_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        pass  # not a real file (CliRunner): nothing to flush at exit


@click.group(cls=TrackerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tracker")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="config file (default: ./config.toml, else built-in defaults)")
@click.option("--database", help="database URL, overrides [database].url and "
              "TRACKER_DATABASE_URL")
def cli(config_path: str | None, database: str | None) -> None:
    """Track every repository derived from xAI's Grok weights across model hubs."""


@command(cli, "crawl", "Crawl the hubs once; print what is new, changed, gone.")
@click.option("--root", "roots", multiple=True, help="crawl only this root (repeatable)",
              shell_complete=complete_root)
@click.option("--hub", "hubs", multiple=True, type=WordList(HUBS), callback=flatten,
              metavar="HUB[,HUB]", help=f"crawl only these hubs ({', '.join(HUBS)}); "
              "comma-separated or repeated, like crawl.hubs")
@format_option("text", "json", default="text")
@pass_config
def crawl(config: Config, roots: tuple[str, ...], hubs: tuple[str, ...], fmt: str) -> None:
    """Run one crawl over every root and hub (or those named); print what is new, changed
    and removed per root, the license issues and the hub requests it took."""
    import threading

    from tracker.pipeline import crawl as run_crawl
    from tracker.progress import progress_observer
    from tracker.signals import install_stop_handlers

    stop = threading.Event()
    restore = install_stop_handlers(stop, [])  # Ctrl-C: stop after the current transaction
    try:
        with progress_observer() as observer:
            report = run_crawl(config, roots=roots, hubs=hubs, observer=observer, stop=stop)
    finally:
        restore()
    from tracker.cli_errors import crawl_exit_code
    from tracker.errors import EXIT_HUB, EXIT_INTERRUPTED
    from tracker.render import crawl_summary, dumps

    echo(dumps(report.to_dict()) if fmt == "json" else crawl_summary(report))
    exit_code = crawl_exit_code(report)
    if report.unreachable:  # once, every hub named with its setting
        from tracker.report import unreachable_line

        click.echo(f"tracker: {unreachable_line(report, config)}", err=True)
    elif exit_code == EXIT_HUB:  # nothing reached: say so in the one line cron mails
        click.echo(f"tracker: {report.errors[0]}. Tip: check the endpoint (HF_ENDPOINT, "
                   "config) and the network.", err=True)
    elif exit_code == EXIT_INTERRUPTED:
        click.echo(f"tracker: interrupted: run {report.run_id} stopped after its last "
                   "transaction and is recorded as interrupted; what it found is kept",
                   err=True)
    sys.exit(exit_code)


@command(cli, "sweep", "List every model of the Hub into the database.")
@click.option("--hub", default="huggingface", show_default=True,
              type=click.Choice(["huggingface"], case_sensitive=False), help="the hub to list")
@click.option("--full", is_flag=True, help="list everything again, not only what changed")
@format_option("text", "json", default="text")
@pass_config
def sweep(config: Config, hub: str, full: bool, fmt: str) -> None:
    """List every model of the hub into the database (light rows, declared edges).

    Incremental after the first complete sweep; a sweep stopped part-way (killed, rate
    limited, hub errors) resumes where it stopped.
    """
    from tracker.progress import progress_observer
    from tracker.render import dumps, sweep_summary
    from tracker.sweep import sweep as run_sweep

    with progress_observer() as observer:
        report = run_sweep(config, hub=hub, full=full, observer=observer)
    echo(dumps(report.to_dict()) if fmt == "json" else sweep_summary(report))
    from tracker.errors import EXIT_OK, EXIT_PARTIAL

    sys.exit(EXIT_OK if report.status == "complete" else EXIT_PARTIAL)


@command(cli, "schedule", "Crawl on [schedule].cron until SIGINT or SIGTERM.")
@click.option("--run-now", is_flag=True, help="start with a crawl instead of waiting")
@pass_config
def schedule(config: Config, run_now: bool) -> None:
    """Run crawls on [schedule].cron in the foreground until SIGINT/SIGTERM."""
    from tracker.schedule import run_scheduler, scheduled_crawl

    sys.exit(run_scheduler(config, scheduled_crawl(config), run_now=run_now))


@command(cli, "lineage", "All descendants of a root or a node, as a tree.")
@click.argument("target", metavar="ROOT_OR_NODE", shell_complete=complete_target)
@click.option("--depth", type=click.IntRange(min=0, max=1_000_000),
              help="stop this many edges down")
@click.option("--relation", "relations", multiple=True, type=WordList(RELATIONS),
              callback=flatten, metavar="RELATION[,RELATION]",
              help=f"only descendants with these relations ({', '.join(RELATIONS)}); "
              "comma-separated or repeated")
@format_option("tree", "table", "json", default="tree")
@pass_config
def lineage(
    config: Config, target: str, depth: int | None, relations: tuple[str, ...], fmt: str
) -> None:
    """All descendants of a root (grok-1) or node (huggingface:xai-org/grok-1, xai-org/grok-1
    or its URL https://huggingface.co/xai-org/grok-1).

    Each line: the node, [relation to its parent], its license, (flags: a status other than
    active, license issues). A `?` after the relation marks an inferred edge (found from
    evidence such as file hashes or the architecture), not one the repo declares.
    """
    import gc

    from tracker import render
    from tracker.service import lineage as query

    # tens of thousands of nodes and rows, no reference cycle: collections triggered by those
    # allocations rescanned every live object again and again (1.7 s of CPU at 75,000)
    gc.disable()
    result = query(config, target, depth=depth, relations=relations)
    if fmt == "tree":
        echo(render.lineage_tree(result))
    elif fmt == "table":
        echo(render.lineage_table(result))
    else:
        click.echo(render.dumps({"target": result.label, "nodes": render.lineage_rows(result)}))


@command(cli, "show", "One node: facts, edges with evidence, timeline.")
@click.argument("node", metavar="NODE", shell_complete=complete_node)
@format_option("text", "json", default="text")
@pass_config
def show(config: Config, node: str, fmt: str) -> None:
    """One node: metadata, roots, ancestors, edges with evidence, license, history."""
    from tracker import render
    from tracker.service import show as detail

    data = detail(config, node)
    echo(render.dumps(data) if fmt == "json" else render.node_detail(data))


@command(cli, "licenses", "License issues along the lineage of each root.")
@click.argument("root", required=False, shell_complete=complete_root)
@format_option("table", "json", default="table")
@pass_config
def licenses(config: Config, root: str | None, fmt: str) -> None:
    """License issues along the lineage of every root, or of ROOT."""
    from tracker import render
    from tracker.graph_reads import licenses as audit

    result = audit(config, root)
    echo(render.dumps(render.license_data(result)) if fmt == "json"
         else render.license_table(result))


@command(cli, "changes", "What appeared, changed or disappeared between crawls.")
@click.option("--since", help=f"a date or an age ({DATE_HELP}); "
              "default: the previous complete run")
@click.option("--root", help="only this root", shell_complete=complete_root)
@format_option("text", "json", default="text")
@pass_config
def changes(config: Config, since: str | None, root: str | None, fmt: str) -> None:
    """What appeared, changed or disappeared between crawls, per root.

    A `?` after a relation marks an inferred edge, not one the repo declares.
    """
    from tracker import render
    from tracker.history import changes as diff

    result = diff(config, since=_parse_date(since, "--since"), root=root)
    echo(render.dumps(result) if fmt == "json" else render.changes_text(result))


@command(cli, "export", "The lineage graph as GraphML, GEXF, JSON, CSV, a page.")
@click.option("--format", "fmt", type=_ExportFormat(),
              help="output format [default: from the suffix of --output, else graphml]")
@click.option("--root", help="only this root's family", shell_complete=complete_root)
@click.option("--node", help="only this node's ancestors and descendants (cyclonedx: ancestors)",
              shell_complete=complete_node)
@click.option("--output", "-o", type=click.Path(dir_okay=False, allow_dash=True), default="-",
              help="file to write (default: stdout)")
@click.option("--at", "at", help=f"the graph as it stood on this date ({DATE_HELP})")
@click.option("--min-confidence", type=click.FloatRange(0, 1),
              help="cyclonedx: edges below this are variants, not ancestors [default: 0.75]")
@pass_config
def export(
    config: Config,
    fmt: str | None,
    root: str | None,
    node: str | None,
    output: str,
    at: str | None,
    min_confidence: float | None,
) -> None:
    """The lineage graph: GraphML, GEXF, JSON, CSV; an html page; mermaid or dot pictures;
    a CycloneDX ML-BOM of a node's provenance or a family."""
    import gc

    from graph.export import format_for_path
    from tracker.render import export_note
    from tracker.service import export_swept

    gc.disable()  # as in lineage: a big family's attribute dicts, no reference cycle
    guessed = None if fmt or output == "-" else format_for_path(output)
    target = sys.stdout.buffer if output == "-" else output
    when = _parse_date(at, "--at", end_of_day=True)
    fmt = (fmt or guessed or "graphml").lower()
    # a swept model's declared family through the driver alone, else the full path
    done = export_swept(config, fmt, target, node) if node and not (root or when) else None
    if done is None:
        from tracker.graph_reads import export as write

        done = write(config, fmt, target, root=root, node=node, at=when,
                     min_confidence=min_confidence)
    count, files = done
    click.echo(export_note(count, files, output, fmt=fmt, guessed=guessed, at=when), err=True,
               nl=False)


@cli.group(invoke_without_command=True, short_help="Alert sinks: pending, failed, delivered.",
           epilog=epilog("alerts"))
@format_option("table", "json", default="table")
@click.pass_context
def alerts(ctx: click.Context, fmt: str) -> None:
    """Alert events per sink: pending, failed, delivered (see [alerts] in config.toml)."""
    if ctx.invoked_subcommand is None:
        _alerts_status(fmt)


@pass_config
def _alerts_status(config: Config, fmt: str) -> None:
    from tracker.alerts import commands
    from tracker.render import dumps

    rows = commands.status(config)
    echo(dumps(rows) if fmt == "json" else commands.status_table(rows))


@alerts.command("test", short_help="Send a sample event to one sink.")
@click.argument("sink")
@pass_config
def alerts_test(config: Config, sink: str) -> None:
    """Send a sample event to SINK (feed, email, or a webhook's name) to check it works."""
    from tracker.alerts import commands

    click.echo(commands.test(config, sink))


@alerts.command("redeliver", short_help="Send every event since a date again.")
@click.option("--since", required=True, help=f"events stamped on or after this date ({DATE_HELP})")
@click.option("--sink", help="only this sink (default: every configured one)")
@format_option("table", "json", default="table")
@pass_config
def alerts_redeliver(config: Config, since: str, sink: str | None, fmt: str) -> None:
    """Send again every event since DATE, now (a receiver that lost them)."""
    from tracker.alerts import commands
    from tracker.render import dumps

    start = _parse_date(since, "--since")
    assert start is not None  # --since is required
    rows = commands.redeliver(config, start, sink)
    echo(dumps(rows) if fmt == "json" else commands.redeliver_table(rows))
    if any(r["error"] for r in rows):
        sys.exit(1)


@command(cli, "resolve", "Decide every family again from stored evidence.")
@click.option("--recompute", is_flag=True,
              help="run the lineage signals again over every stored repo first")
@format_option("text", "json", default="text")
@pass_config
def resolve(config: Config, recompute: bool, fmt: str) -> None:
    """Decide every family again from stored evidence; no hub request.

    After an upgrade or a change of rules, markers or roots. What moved is recorded as
    history, so `tracker changes` reports it. Exit 4 if a crawl holds the database.
    """
    from tracker.explain import resolve_now
    from tracker.render import dumps
    from tracker.render_explain import resolve_summary

    run_id, report = resolve_now(config, recompute=recompute)
    if fmt == "json":
        click.echo(dumps({"run_id": run_id, **report.to_dict()}))
    else:
        echo(resolve_summary(run_id, report))


@command(cli, "explain", "Why a node is where the lineage shows it.")
@click.argument("node", metavar="NODE", shell_complete=complete_node)
@format_option("text", "json", default="text")
@pass_config
def explain(config: Config, node: str, fmt: str) -> None:
    """Why NODE is where the lineage shows it: every piece of evidence, the parent chosen
    and why the others lost; for a candidate left out, why it stays out."""
    from tracker.explain import explain as why
    from tracker.render import dumps
    from tracker.render_explain import explain_text

    data = why(config, node)
    echo(dumps(data) if fmt == "json" else explain_text(data))


add_inspect_commands(cli)  # runs, stats, search, config, doctor: tracker/cli_inspect.py


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `tracker` console script."""
    cli.main(args=argv, prog_name="tracker")
