"""Text for `tracker resolve` and `tracker explain`: what moved, and why an edge is there.

Plain text that fits an 80-column terminal: long evidence wraps under its entry.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the report's type only: rendering loads no database code
    from tracker.resolution import ResolveReport

WIDTH = 80


def _wrap(text: str, indent: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent + "  ",
                         break_long_words=False, break_on_hyphens=False) or [indent]


MOVES_SHOWN = 20  # edges listed by `tracker resolve`; --format json has every one


def resolve_summary(run_id: int, report: ResolveReport) -> str:
    lines = [f"run {run_id}: families resolved from stored evidence (no hub request)"]
    for name, n in sorted(report.members.items()):
        lines.append(f"  {name}: {n} members")
    lines.append(
        f"edges: {len(report.added)} added, {len(report.removed)} removed, "
        f"{len(report.relation_changed)} relations changed"
    )
    moves = [f"+ {child} under {parent}" for parent, child in report.added]
    moves += [f"- {child} no longer under {parent}" for parent, child in report.removed]
    for move in moves[:MOVES_SHOWN]:
        lines.extend(_wrap(move, "  "))
    if len(moves) > MOVES_SHOWN:
        # a first resolve adds every edge: thousands of lines would bury the summary
        lines.append(f"  ... and {len(moves) - MOVES_SHOWN} more (--format json lists all)")
    return "\n".join(lines)


def explain_text(data: dict[str, Any]) -> str:
    lines = [data["node"], f"  {data['status']}"]
    if data["parents"]:
        lines += ["", "parents (what the lineage shows):"]
        for p in data["parents"]:
            lines.extend(_wrap(f"{p['parent']}: {p['relation']}, {p['source']}, "
                               f"confidence {p['confidence']:.2f}", "  "))
            lines.extend(_wrap(p["evidence"], "    "))
    current = [e for e in data["evidence"] if not e["retracted"]]
    gone = [e for e in data["evidence"] if e["retracted"]]
    if current:
        lines += ["", "evidence (strongest first) and what the resolver made of it:"]
        for e in current:
            lines.extend(_wrap(f"{e['parent']} [{e['kind']}, {e['source']}, strength "
                               f"{e['strength']:.2f}, seen by {e['origin']}]", "  "))
            lines.extend(_wrap(e["detail"], "    "))
            lines.extend(_wrap(f"-> {e['verdict'] or 'not weighed yet'}", "    "))
    if gone:
        lines += ["", "evidence seen before, no longer:"]
        for e in gone:
            lines.extend(_wrap(f"{e['parent']} [{e['kind']}] {e['detail']} "
                               f"(retracted {e['retracted']})", "  "))
    for r in data.get("rejections", []):
        lines.extend(_wrap(f"{r['root']} on {r['hub']}: {r['reason']} (last judged "
                           f"{r['last_seen'] or 'unknown'})", "  "))
    if not data["evidence"] and not data.get("rejections"):
        lines.append("  no evidence stored for it (a root, or a node named only as a parent)")
    return "\n".join(lines)
