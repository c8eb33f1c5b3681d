"""Text for `tracker runs`, `tracker stats` and `tracker search`: tables that fit 80 columns.

`fit_table` lays rows out like `render.table` but narrows the columns it may shorten (cut
with "…", never a node key) until each line fits the width, so nothing wraps on an 80-column
terminal; the JSON output keeps every value whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from crawlers.hubs import HUBS
from tracker.render import when

WIDTH = 80


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def _pieces(text: str) -> list[str]:
    """A comma-separated list cut after each comma: where a cell may wrap."""
    parts = text.split(",")
    return [p + "," for p in parts[:-1]] + parts[-1:]


def _wrapped(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width`, broken only after a comma (never mid-word; a
    piece longer than the width is cut)."""
    lines = [""]
    for piece in _pieces(text):
        if lines[-1] and len(lines[-1]) + len(piece) > width:
            lines.append("")
        lines[-1] += piece
    return [_cut(line, width) for line in lines]


def fit_table(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[tuple[str, str]],
    *,
    wrap: Sequence[str] = (),
    shrink: Sequence[str] = (),
    right: Sequence[str] = (),
    width: int = WIDTH,
) -> str:
    """An aligned table of `columns` ((key, header) pairs) no wider than `width` where it
    can be: columns in `wrap` (comma-separated lists) are narrowed first, their cells
    continuing on the next line after a comma; then columns in `shrink` are cut with "…"
    (to their header's width at least). Columns in `right` are right-aligned (numbers)."""
    keys = [k for k, _ in columns]
    cells = [[str(row.get(k, "")) for k in keys] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, (_, h) in enumerate(columns)]

    def narrow(key: str, floor: int) -> None:
        i = keys.index(key)
        excess = sum(widths) + 2 * (len(widths) - 1) - width
        if excess > 0:
            widths[i] = max(floor, len(columns[i][1]), widths[i] - excess)

    for key in wrap:
        i = keys.index(key)
        narrow(key, max([len(p) for r in cells for p in _pieces(r[i])], default=0))
    for key in shrink:
        narrow(key, 0)

    def lines(values: Sequence[str]) -> list[str]:
        columns_lines = [
            _wrapped(v, widths[i]) if keys[i] in wrap else [_cut(v, widths[i])]
            for i, v in enumerate(values)
        ]
        out = []
        for n in range(max(len(c) for c in columns_lines)):
            parts = []
            for i, column in enumerate(columns_lines):
                value = column[n] if n < len(column) else ""
                parts.append(value.rjust(widths[i]) if keys[i] in right
                             else value.ljust(widths[i]))
            out.append("  ".join(parts).rstrip())
        return out

    out = lines([h for _, h in columns])
    for r in cells:
        out.extend(lines(r))
    return "\n".join(out)


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def _hubs(hubs: Sequence[str]) -> str:
    if not hubs:
        return "(resolve)"  # a `tracker resolve` run asks no hub
    return "all" if set(hubs) == set(HUBS) else ",".join(hubs)


RUN_COLUMNS = (
    ("id", "RUN"), ("status", "STATUS"), ("started", "STARTED (UTC)"), ("took", "TOOK"),
    ("hubs", "HUBS"), ("requests", "REQS"), ("new", "NEW"),
    ("changed", "CHANGED"), ("removed", "REMOVED"),
)


def runs_text(data: dict[str, Any]) -> str:
    """The runs as a table, their errors under it, then the sweeps."""
    if not data["runs"] and not data["sweeps"]:
        return "no runs yet; run `tracker crawl`"
    lines: list[str] = []
    if data["runs"]:
        rows = [
            {**r, "started": when(r["started_at"]).removesuffix(" UTC"),
             "took": _duration(r["seconds"]), "hubs": _hubs(r["hubs"])}
            for r in data["runs"]
        ]
        lines.append(fit_table(rows, RUN_COLUMNS, wrap=("hubs",), shrink=("status",),
                               right=("id", "requests", "new", "changed", "removed")))
        notes = []
        for r in data["runs"]:
            if r["warnings"]:
                notes.append(f"run {r['id']}: {r['warnings']} warnings (bad hub data skipped)")
            notes.extend(f"run {r['id']}: error: {e}" for e in r["errors"])
        if notes:
            lines += [""] + [_cut(n, WIDTH) for n in notes]
        if data["total"] > len(data["runs"]):
            lines += ["", f"{len(data['runs'])} of {data['total']} runs shown; "
                          "--limit N shows more"]
    if data["sweeps"]:
        rows = [
            {**s, "started": when(s["started_at"]).removesuffix(" UTC"),
             "took": _duration(s["seconds"]), "kind": "full" if s["full"] else "update"}
            for s in data["sweeps"]
        ]
        lines += ["", "last sweep of each hub:", fit_table(rows, (
            ("hub", "HUB"), ("sweep", "SWEEP"), ("kind", "KIND"), ("status", "STATUS"),
            ("started", "STARTED (UTC)"), ("took", "TOOK"), ("requests", "REQUESTS"),
            ("new", "NEW"), ("changed", "CHANGED"),
        ), right=("sweep", "requests", "new", "changed"))]
    return "\n".join(lines).lstrip("\n")


_SECTIONS = (
    ("hubs", "hub"), ("statuses", "status"), ("relations", "relation (to a parent)"),
    ("licenses", "license"), ("license_issues", "license issue"),
)


def stats_text(data: dict[str, Any]) -> str:
    """One column per root and one for all of them; a row per hub, status, relation,
    license and license issue; the last crawl of each root under it."""
    names = list(data["roots"])
    bodies = [data["roots"][n] for n in names] + [data["all"]]
    headers = [*names, "all"]
    columns = [("label", "")] + [(f"c{i}", h.upper()) for i, h in enumerate(headers)]
    rows: list[dict[str, Any]] = [
        {"label": label, **{f"c{i}": b[key] for i, b in enumerate(bodies)}}
        for key, label in (("nodes", "nodes"), ("descendants", "descendants"))
    ]
    for key, title in _SECTIONS:
        values = list(data["all"][key])
        for body in bodies[:-1]:  # a root's value the union lacks cannot be; keep it safe
            values += [v for v in body[key] if v not in values]
        if not values:
            continue
        rows.append({"label": f"{title}:"})
        for value in values:
            label = value or ("(none declared)" if key == "licenses" else "-")
            rows.append({"label": f"  {label}",
                         **{f"c{i}": b[key].get(value, 0) for i, b in enumerate(bodies)}})
    right = [k for k, _ in columns[1:]]
    lines = [fit_table(rows, columns, shrink=("label",), right=right), ""]
    for name, body in [*zip(names, bodies, strict=False), ("all", data["all"])]:
        crawl = body["last_crawl"]
        seen = (f"run {crawl['run']} ({crawl['status']}), {when(crawl['finished_at'])}"
                if crawl else "never crawled")
        lines.append(f"last crawl of {name}: {seen}" if name != "all" else
                     f"last crawl: {seen}; {data['nodes']} nodes stored")
    return "\n".join(lines)


SEARCH_COLUMNS = (
    ("node", "NODE"), ("relation", "RELATION"), ("license", "LICENSE"), ("flags", "FLAGS"),
)


def search_text(data: dict[str, Any]) -> str:
    """The matching nodes, one per line (flags: a status other than active, license issues;
    the roots are in the JSON), and how many there are."""
    if not data["nodes"]:
        return "no node matches" + (f" {data['text']!r}" if data["text"] else "")
    rows = [
        {
            "node": n["node"] + (f" (was {n['matched_alias']})" if n["matched_alias"] else ""),
            "relation": ",".join(n["relations"]) or "-",
            "license": n["license"] or "(none)",
            "flags": ",".join(([] if n["status"] == "active" else [n["status"]])
                              + n["license_issues"]) or "-",
        }
        for n in data["nodes"]
    ]
    table = fit_table(rows, SEARCH_COLUMNS, wrap=("flags", "relation"), shrink=("license",))
    more = (f"{data['shown']} of {data['total']} matches shown; --limit N shows more"
            if data["total"] > data["shown"] else f"{data['total']} matches")
    return f"{table}\n\n{more}"
