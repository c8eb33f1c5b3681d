"""The closing part of each command's `--help`: exit codes, the environment it reads, an example.

One table per command, so `--help` tells the whole outside of a command without the README:
every exit code it can end with, every environment variable it reads (derived from the
settings table and the hub table, so a new setting or hub shows up by itself), one example.
"""

from __future__ import annotations

from crawlers.hubs import HUB_TABLE
from tracker.config import SETTINGS

_READ = "0 ok; 2 bad argument, unknown root or node, or no database yet; 5 database unusable"
EXIT_CODES = {
    "crawl": "0 ok; 1 failed; 2 bad argument or config; 3 partial (some hub or root failed, "
             "what was found is kept); 4 another crawl holds the database; 5 database "
             "unusable; 6 no hub reachable; 7 token rejected; 130 interrupted",
    "sweep": "0 complete; 2 bad argument or config; 3 stopped part-way (run it again to "
             "resume); 4 another sweep holds the database; 5 database unusable; 6 hub "
             "unreachable; 7 token rejected",
    "schedule": "0 stopped by SIGINT/SIGTERM; 2 bad argument or config (the cron line); "
                "5 database unusable",
    "lineage": _READ, "show": _READ, "licenses": _READ, "changes": _READ, "explain": _READ,
    "export": _READ + "; 1 the output cannot be written",
    "resolve": "0 ok; 2 bad argument or config; 4 a crawl holds the database; 5 database "
               "unusable",
    "alerts": "0 ok; 1 a sink could not take the events; 2 unknown sink or bad config; "
              "5 database unusable",
}
EXAMPLES = {
    "crawl": "tracker crawl --hub huggingface,github --root grok-2",
    "sweep": "tracker sweep",
    "schedule": "TRACKER_CRON='30 3 * * *' tracker schedule --run-now",
    "lineage": "tracker lineage grok-1 --depth 1 --relation quantization,finetune",
    "show": "tracker show keyfan/grok-1-hf",
    "licenses": "tracker licenses grok-2 --format json",
    "changes": "tracker changes --since yesterday --root grok-1",
    "export": "tracker export -o grok.gexf",
    "resolve": "tracker resolve --recompute",
    "explain": "tracker explain huggingface:hpcai-tech/grok-1",
    "alerts": "tracker alerts redeliver --since 7d --sink audit",
}
# setting prefixes each command reads beyond the database and logging settings
_READS = {
    "crawl": ("hubs.", "crawl.", "licenses.", "alerts."),
    "sweep": ("hubs.huggingface.", "crawl."),
    "schedule": ("hubs.", "crawl.", "licenses.", "alerts.", "schedule."),
    "licenses": ("licenses.",), "resolve": ("licenses.",), "export": ("licenses.",),
    "alerts": ("alerts.",),
}


def environment(command: str) -> list[str]:
    """The environment variables `command` reads, in settings-table order."""
    prefixes = ("database.", "logging.", *_READS.get(command, ()))
    names = [s.env for s in SETTINGS if s.env and s.key.startswith(prefixes)]
    for hub in HUB_TABLE:  # the token variables are named by settings, not settings themselves
        if any(f"hubs.{hub.name}.".startswith(p) for p in prefixes if p.startswith("hubs.")):
            names.append(hub.token_env)
    return [*dict.fromkeys(names), "TRACKER_DEBUG"]


def epilog(command: str) -> str:
    """Exit codes, environment and an example, as click prints an epilog (\\b keeps lines)."""
    return "\n\n".join([
        f"Exit codes: {EXIT_CODES[command]}.",
        f"Environment: {', '.join(environment(command))} (TRACKER_DEBUG=1 shows tracebacks).",
        f"\b\nExample:\n  {EXAMPLES[command]}",
    ])
