"""Turning results into text: trees, tables and JSON for stdout.

Lineage output can hold tens of thousands of nodes, so the tree and table renderers are plain
string builders (rich's Tree takes seconds for 50,000 nodes); rich is used for the smaller,
human-only views (`show`, `licenses`, the crawl summary) when they go to a terminal.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tracker.render_fit import fit_table, output_width

if TYPE_CHECKING:  # the types of what is rendered; rendering loads none of their modules
    from db.lineage import Lineage, LineageNode
    from tracker.report import CrawlReport
    from tracker.sweep import SweepReport


def dumps(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=str)


def _flags(node: LineageNode) -> str:
    if node.status == "active" and not node.issues:
        return ""  # most nodes of a big family: no list built
    flags = []
    if node.status != "active":
        flags.append(node.status)
    flags.extend(f"license:{c}" for c in node.license_issues)
    return ",".join(flags)


def _label(node: LineageNode, matched: set[int] | None) -> str:
    parts = [node.key]
    if node.depth:
        relation = node.relation
        source = node.parents[0][2] if node.parents else ""
        parts.append(f"[{relation}{'?' if source == 'inferred' else ''}]")
    parts.append(node.license or "no license")
    flags = _flags(node)
    if flags:
        parts.append(f"({flags})")
    if matched is not None and node.depth and node.id not in matched:
        parts.append("…")
    return "  ".join(parts)


def lineage_tree(result: Lineage) -> str:
    """The lineage as an indented tree; each node appears once, under its shallowest parent."""
    children: dict[int, list[int]] = {}
    for node_id in result.order:
        node = result.nodes[node_id]
        if node.parents:
            children.setdefault(node.parents[0][0], []).append(node_id)
    matched = getattr(result, "matched", None)
    lines: list[str] = []
    for start in result.start:
        if start not in result.nodes:
            continue
        lines.append(_label(result.nodes[start], matched))
        stack = _pushed([], children.get(start, []), "")
        while stack:
            node_id, prefix, last = stack.pop()
            branch = "└── " if last else "├── "
            lines.append(f"{prefix}{branch}{_label(result.nodes[node_id], matched)}")
            _pushed(stack, children.get(node_id, []), prefix + ("    " if last else "│   "))
    lines.append(_summary(result))
    return "\n".join(lines)


def _pushed(
    stack: list[tuple[int, str, bool]], kids: list[int], prefix: str
) -> list[tuple[int, str, bool]]:
    """Push children so that they pop in order, the last one marked as last."""
    stack.extend((kid, prefix, i == len(kids) - 1) for i, kid in reversed(list(enumerate(kids))))
    return stack


def _summary(result: Lineage) -> str:
    counts: dict[str, int] = {}
    for node in result.nodes.values():
        if node.depth:
            counts[node.relation] = counts.get(node.relation, 0) + 1
    total = sum(counts.values())
    detail = ", ".join(f"{n} {r}" for r, n in sorted(counts.items(), key=lambda t: -t[1]))
    note = getattr(result, "note", "")  # e.g. declared lineage only (a swept model)
    return f"\n{total} descendants" + (f": {detail}" if detail else "") + (
        f"\n{note}" if note else "")


LINEAGE_COLUMNS = ("depth", "node", "relation", "source", "parent", "license", "flags")


def lineage_rows(result: Lineage) -> list[dict[str, Any]]:
    """One row per node; `parent` is the one it is shown under, `parents` every parent (a
    merge has several)."""
    rows = []
    for node_id in result.order:
        node = result.nodes[node_id]
        parents = [
            {"node": result.nodes[p].key, "relation": rel, "source": src, "confidence": conf}
            for p, rel, src, conf in node.parents
            if p in result.nodes
        ]
        rows.append(
            {
                "depth": node.depth,
                "node": node.key,
                "hub": node.hub,
                "relation": node.relation,
                "source": node.parents[0][2] if node.parents else "",
                "confidence": node.parents[0][3] if node.parents else 1.0,
                "parent": parents[0]["node"] if parents else "",
                "parents": parents,
                "license": node.license,
                "license_issues": node.license_issues,
                "status": node.status,
                "formats": node.formats,
                "parameters": node.parameters,
                "downloads": node.downloads,
                "flags": _flags(node),
            }
        )
    return rows


def lineage_table(result: Lineage) -> str:
    """`table` of the lineage's rows (LINEAGE_COLUMNS, every parent in `parent`), its cells
    built straight from the nodes: at 75,000 nodes the rows' dicts cost more than the query."""
    nodes = result.nodes
    cells = []
    for node_id in result.order:
        node = nodes[node_id]
        ps = node.parents
        cells.append([
            str(node.depth),
            node.key,
            ps[0][1] if ps else "",
            ps[0][2] if ps else "",
            # one parent (nearly every node): its key, no generator and join per row
            (nodes[ps[0][0]].key if ps[0][0] in nodes else "") if len(ps) == 1
            else ", ".join(nodes[p[0]].key for p in ps if p[0] in nodes),
            node.license or "",
            _flags(node),
        ])
    return _aligned(list(LINEAGE_COLUMNS), cells)


def table(rows: Sequence[dict[str, Any]], columns: Iterable[str]) -> str:
    """A plain aligned table, fast for any number of rows; one wider than the terminal is
    drawn by rich at its width (tracker.render_fit)."""
    columns = list(columns)
    return _aligned(columns, [[_cell(row.get(c, "")) for c in columns] for row in rows])


def _aligned(columns: list[str], cells: list[list[str]]) -> str:
    by_column = list(zip(*cells, strict=True)) if cells else [() for _ in columns]
    widths = [max([len(c), *map(len, col)]) for c, col in zip(columns, by_column, strict=True)]
    width = output_width()
    if width and sum(widths) + 2 * (len(widths) - 1) > width:
        return fit_table([c.upper() for c in columns], cells, width)
    line = "  ".join(f"{{:<{w}}}" for w in widths).format  # one C call per row
    out = [line(*(c.upper() for c in columns)).rstrip()]
    out.extend(line(*r).rstrip() for r in cells)
    return "\n".join(out)


def _cell(value: Any) -> str:
    """A value as a person reads it: no None, True or datetime repr."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return when(value.isoformat())
    return str(value)


def crawl_summary(report: CrawlReport) -> str:
    """The crawl's summary: one line per root, then totals, errors and license issues."""
    rows = [{"root": name, "seen": c.seen, "new": c.new, "changed": c.changed,
             "removed": c.removed, "renamed": c.renamed} for name, c in report.roots.items()]
    lines = [f"run {report.run_id}: {report.status}", "",
             table(rows, ("root", "seen", "new", "changed", "removed", "renamed")), ""]
    issues = ", ".join(f"{n} {code}" for code, n in sorted(report.license_issues.items()))
    lines.append(f"license issues: {issues or 'none'}")
    lines.append(f"hub requests: {sum(report.requests.values())} "
                 f"({', '.join(f'{k} {v}' for k, v in report.requests.items()) or 'none'})")
    if report.warnings:
        lines.append(f"warnings: {report.warnings} (bad hub data skipped; see `tracker show`)")
    lines.extend(getattr(report, "alerts", ()))
    lines.extend(f"error: {e}" for e in report.other_errors())  # unreachable: told on stderr
    return "\n".join(lines)


def sweep_summary(report: SweepReport) -> str:
    """The sweep's summary: how far it got, what it stored, how to go on."""
    kind = "full" if report.full else "incremental"
    lines = [f"sweep {report.sweep} of {report.hub} ({kind}"
             f"{', resumed' if report.resumed else ''}): {report.status}", ""]
    rows = [{"pages": report.pages, "models": report.models, "new": report.new,
             "changed": report.changed, "requests": report.requests,
             "seconds": f"{report.seconds:.1f}"}]
    lines += [table(rows, rows[0].keys()), ""]
    lines.append(f"stored: {report.stored.get('models', 0):,} models, "
                 f"{report.stored.get('edges', 0):,} declared edges")
    if report.watermark:
        lines.append(f"watermark: {report.watermark} (the next sweep stops there)")
    if report.skipped:
        lines.append(f"skipped: {report.skipped} listing items naming no valid repo")
    if report.error:
        lines.append(f"stopped: {report.error}")
        lines.append("run `tracker sweep` again to resume from the last page stored")
    return "\n".join(lines)


def node_detail(data: dict[str, Any]) -> str:
    """`tracker show` as text: facts, then edges with their evidence, then the timeline."""
    facts = [
        ("status", data["status"]), ("url", data["url"]),
        ("roots", ", ".join(data["roots"]) or "-"),
        ("license", data["license"] or "(none declared)"),
        ("license issues", data["license_issues"] or "-"),
        ("architectures", data["architectures"] or "-"), ("formats", data["formats"] or "-"),
        ("parameters", f"{data['parameters']:,}" if data["parameters"] else "unknown"),
        ("downloads", data["downloads"]), ("likes", data["likes"]),
        ("created", when(data["created_at"])), ("last modified", when(data["last_modified"])),
        ("first seen", when(data["first_seen"])), ("last seen", when(data["last_seen"])),
        ("files", f"{data['files']['count']} ({data['files']['with_sha256']} with sha256)"),
    ]
    if data["aliases"]:
        facts.append(("former ids", ", ".join(data["aliases"])))
    width = max(len(k) for k, _ in facts)
    lines = [data["key"], ""] + [f"  {k.ljust(width)}  {v}" for k, v in facts]
    if data["ancestors"]:
        lines += ["", "ancestors:"] + [f"  {'  ' * (a['distance'] - 1)}{a['node']}"
                                       for a in data["ancestors"]]
    for title, edges in (("parents", data["parents"]), ("children", data["children"])):
        if not edges:
            continue
        lines += ["", f"{title}:"]
        for e in edges:
            declared = (f"; declared {e['declared_relation']}"
                        if e["declared_relation"] and e["declared_relation"] != e["relation"]
                        else "")
            lines.append(f"  {e['node']}  {e['relation']} ({e['source']}, confidence "
                         f"{e['confidence']:.2f}{declared})")
            if e["evidence"]:
                lines.append(f"      evidence: {e['evidence']}")
    lines += ["", "timeline:", *timeline_lines(data)]
    return "\n".join(lines)


def license_data(result: dict[str, Any]) -> dict[str, Any]:
    return {
        "roots": result["roots"], "nodes": result["nodes"], "counts": result["counts"],
        "issues": [
            {"node": i.node, "root": i.root, "license": i.license, "code": i.code,
             "explanation": i.explanation, "path": list(i.path)}
            for i in result["issues"]
        ],
    }


def license_table(result: dict[str, Any]) -> str:
    data = license_data(result)
    if not data["issues"]:
        return f"no license issues among {data['nodes']} nodes of {', '.join(data['roots'])}"
    rows = [{**i, "license": i["license"] or "(none)", "path": " > ".join(i["path"])}
            for i in data["issues"]]
    counts = ", ".join(f"{n} {code}" for code, n in sorted(data["counts"].items()))
    return "\n".join([
        table(rows, ("code", "node", "license", "root", "explanation")), "",
        "paths:", *dict.fromkeys(f"  {r['node']}: {r['path']}" for r in rows), "",
        f"{len(rows)} issues ({counts}) among {data['nodes']} nodes",
    ])


def export_note(
    count: int,
    files: Sequence[object],
    output: str,
    *,
    fmt: str | None,
    guessed: str | None,
    at: datetime | None,
) -> str:
    """What `export` tells on stderr: the files it wrote (a CSV export writes two), the
    format when no --format and no suffix chose it, and when the graph is empty, why."""
    lines = []
    if output != "-":
        how = "" if fmt or guessed else " as graphml (its suffix names no format)"
        names = ", ".join(str(f) for f in files) or output
        lines.append(f"wrote {count} nodes to {names}{how}")
    if not count:
        lines.append(f"the graph is empty: no node was first seen by {when(at.isoformat())}"
                     if at else "the graph is empty: no node crawled yet")
    return "".join(line + "\n" for line in lines)


# --- `tracker changes` and timelines -----------------------------------------------------------


def when(iso: str | None) -> str:
    """An ISO timestamp as a person reads it: 2026-11-21 04:00 UTC."""
    if not iso:
        return "-"
    try:
        value = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    value = value.astimezone(UTC) if value.tzinfo else value
    return value.strftime("%Y-%m-%d %H:%M UTC")


def _run_line(run: dict[str, Any]) -> str:
    return f"run {run['id']} ({run['status']}, {when(run['finished_at'] or run['started_at'])})"


def _change_lines(name: str, items: list[dict[str, Any]]) -> list[str]:
    if name == "new":
        out = []
        for i in items:
            link = (f"{i['relation']}{'?' if i['source'] == 'inferred' else ''} of {i['parent']}"
                    if i["parent"] else "no parent in the family (a root node)")
            status = "" if i["status"] == "active" else f", {i['status']}"
            out.append(f"  + {i['node']}  {link}  [{i['license'] or 'no license'}{status}]")
        return out
    if name == "removed":
        return [f"  - {i['node']}  gone from the hub (checked {when(i['at'])}); kept as removed"
                for i in items]
    if name == "renamed":
        return [f"  ~ {i['old']} -> {i['new']}" for i in items]
    if name == "gated":
        return [f"  ! {i['node']}  now gated (access needs approval)" for i in items]
    if name == "license_changes":
        return [f"  {i['node']}  {i['old'] or '(none)'} -> {i['new'] or '(none)'}"
                for i in items]
    if name == "relation_changes":
        return [f"  {i['node']}  {i['old']} -> {i['new']}"
                + (f" (parent {i['parent']})" if i["parent"] else "") for i in items]
    if name == "status_changes":
        return [f"  {i['node']}  {i['old']} -> {i['new']}" for i in items]
    if name == "new_links":
        return [f"  {i['parent']} -> {i['node']}  {i['relation']} ({i['source']}, "
                f"confidence {i['confidence']:.2f})" for i in items]
    # each node with what changed; those whose download or like counts alone moved (every
    # day, for most) as one line
    named = [i for i in items if set(i["fields"]) - set(_STATS)]
    out = [f"  {i['node']}  {', '.join(i['fields'])}" for i in named]
    if len(items) > len(named):
        out.append(f"  {len(items) - len(named)} more: download or like counts only")
    return out + ["  (`tracker show NODE` has the details)"]


_TITLES = {
    "new": "new derivatives",
    "removed": "removed",
    "renamed": "renamed",
    "gated": "gated",
    "license_changes": "license changes",
    "relation_changes": "relation changes",
    "status_changes": "other status changes",
    "new_links": "new links between known nodes",
    "updated": "updated",
}


def changes_text(result: dict[str, Any]) -> str:
    """`tracker changes` as text: per root, its window, then one section per kind of change."""
    lines: list[str] = []
    for name, data in result["roots"].items():
        if lines:
            lines.append("")
        if not data["crawled"]:
            lines.append(f"{name}: not crawled yet; run `tracker crawl --root {name}`")
            continue
        if data["since_run"]:
            cut = f"since {_run_line(data['since_run'])}"
        elif data["since"]:
            cut = f"since {when(data['since'])}"
        else:
            cut = "since the first crawl"
        lines.append(f"{name}: changes {cut}")
        runs = data["runs"]
        if runs:
            lines.append("  runs: " + "; ".join(_run_line(r) for r in runs))
        if any(r["status"] != "ok" for r in runs):
            lines.append("  note: a run here was not complete; removals are proved only by "
                         "complete runs")
        total = 0
        from tracker.history import SECTIONS  # here: it loads the store (SQLAlchemy)

        for section in SECTIONS:
            items = data[section]
            if not items:
                continue
            total += len(items)
            lines.append(f"  {_TITLES[section]} ({len(items)}):")
            lines.extend(f"  {line}" for line in _change_lines(section, items))
        if not total:
            lines.append("  no changes")
    return "\n".join(lines)


_STATS = ("downloads", "likes")


def _history_text(h: dict[str, Any]) -> str:
    field, old, new = h["field"], h["old"], h["new"]
    if field == "repo_id":
        return f"renamed from {old} to {new}"
    if field == "status" and new == "removed":
        return "removed: gone from the hub (404); kept in the graph"
    if field == "relation":
        from db.repository import parse_relation_text  # here: it loads SQLAlchemy

        before, after = parse_relation_text(old), parse_relation_text(new)
        if before and after and before[1] == after[1]:
            return f"relation to {after[1]}: {before[0]} -> {after[0]}"
    if field == "sha":
        old, new = (old or "")[:12], (new or "")[:12]
    if field == "license":
        old, new = old or "(none)", new or "(none)"
    return f"{field}: {old or '-'} -> {new or '-'}"


def timeline_lines(data: dict[str, Any]) -> list[str]:
    """A node's life in time order: first seen, each change (one date per instant), last
    seen; download and like counts, which move daily, are summarized in one line."""
    def at(iso: str) -> datetime:
        return datetime.fromisoformat(iso)

    events = [(at(data["first_seen"]), 0, "first seen")]
    stats = [h for h in data["history"] if h["field"] in _STATS]
    events += [(at(h["at"]), 1, _history_text(h)) for h in data["history"]
               if h["field"] not in _STATS]
    if data["last_seen"] != data["first_seen"]:
        events.append((at(data["last_seen"]), 2, "last seen"))
    events.sort(key=lambda e: (e[0], e[1]))
    lines, previous = [], None
    for stamp, _, text in events:
        date = when(stamp.isoformat())
        lines.append(f"  {date if date != previous else ' ' * len(date)}  {text}")
        previous = date
    if stats:
        latest = {h["field"]: h for h in stats}
        detail = ", ".join(f"{f} {latest[f]['new']}" for f in _STATS if f in latest)
        times = f"{len(stats)} time{'s' if len(stats) != 1 else ''}"
        lines.append(f"  counts: downloads/likes changed {times} "
                     f"(latest {detail}; all in --format json)")
    return lines
