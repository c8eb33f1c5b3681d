"""One self-contained HTML page showing the whole lineage: open it offline, mail it, publish it.

The page inlines everything: the graph as JSON in a `<script type="application/json">`, the
vendored cytoscape.js and cytoscape-dagre (graph/export/vendor/, refreshed from the npm
registry by scripts/vendor_js.py, license texts in the page's footer) and the page's own script
and style (graph/export/page/). A Content-Security-Policy allows only those inline scripts, by
hash, and no connection at all, so the page never reaches the network, and a hub string that
escaped its escaping still could not run.

Up to `BROWSER_LAYOUT_MAX` nodes the browser lays the graph out with dagre and cytoscape draws
it; above, the positions come from `graph.export.layout` (layered by generation) and the page's
canvas view (page/canvas.js) only draws them, with the same colours, marks and interactions.

Every hub string reaches the page either as JSON inside the data script, where `<`, `>`, `&`
and U+2028/U+2029 are written as `\\uXXXX` escapes so no `</script>` or `<!--` can appear, or
through `html.escape` in the header; the page's script puts data into the DOM only as text.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from functools import cache
from importlib import resources
from typing import Any, BinaryIO

from graph.export.common import NODE_FIELDS, ExportGraph, SingleFile
from graph.export.layout import layered
from graph.export.palette import (
    HUB_SHAPES,
    ISSUE_COLOR,
    RELATION_COLORS,
    generations,
    node_relations,
)

# Nodes; above, positions are computed here and the page draws them on one canvas. cytoscape
# with dagre took 2.3 s for 200 nodes, 6.8 s for 400 and 9.6 s for 1,000 on this project's
# 2-core machine under load (bench/html_bench.py); the canvas draws 10,000 in under a second.
BROWSER_LAYOUT_MAX = 300

# SPEC.md "License issue codes", for nodes whose explanation the audit did not hand over.
ISSUE_MEANINGS = {
    "missing": "the derivative declares no license",
    "incompatible": "its license is not allowed by the terms of a root it descends from",
    "attribution": "it lacks what its root's terms require it to show ('Powered by xAI')",
}

_N = {name: i for i, name in enumerate(NODE_FIELDS)}
_JSON_UNSAFE = re.compile("[<>&\u2028\u2029]")
_SCRIPT_UNSAFE = re.compile(r"</script|<!--", re.IGNORECASE)

# The strings that repeat across nodes travel once, in a table, as indexes.
_TABLED = ("hub", "license", "license_issues", "status", "formats", "roots")
_PLAIN = ("parameters", "downloads", "likes")
_DATES = ("created_at", "last_modified", "first_seen", "last_seen")


def script_json(value: Any) -> str:
    """`value` as JSON that is safe inside an HTML `<script>` element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _minute(value: str) -> str:
    """An ISO timestamp cut to the minute (`2026-11-23T04:00`): what the page shows."""
    return value[:16]


class _Table:
    def __init__(self) -> None:
        self.values: list[str] = []
        self.index: dict[str, int] = {}

    def __call__(self, value: str) -> int:
        found = self.index.get(value)
        if found is None:
            found = self.index[value] = len(self.values)
            self.values.append(value)
        return found


def page_data(graph: ExportGraph) -> dict[str, Any]:
    """What the page's script reads: nodes and edges as arrays (field names in `fields`),
    repeated strings as indexes into `strings`, positions when precomputed. A node's repo id
    is 0 when its key holds it; its url an index (the hub's address, to which the repo id is
    appended) when it is that address plus the repo id. Keeps 10,000 nodes near 3 MB."""
    keys = [key for key, _ in graph.nodes]
    index = {key: i for i, key in enumerate(keys)}
    relations = node_relations(graph)
    pairs = [(parent, child) for parent, child, _ in graph.edges if parent != child]
    depth = generations(keys, pairs)
    table = _Table()
    nodes = []
    for key, row in graph.nodes:
        hub, repo_id, url = row[_N["hub"]], row[_N["repo_id"]], row[_N["url"]]
        nodes.append(
            [
                key,
                0 if key == f"{hub}:{repo_id}" else repo_id,  # 0: the key says it
                table(relations[key]),
                depth[key],
                int(row[_N["is_root"]]),
                # a hub's address then the repo id: the address once, in the table
                table(url[: -len(repo_id)]) if repo_id and url.endswith(repo_id) else url,
                row[_N["aliases"]],
                *(table(row[_N[name]]) for name in _TABLED),
                *(row[_N[name]] for name in _PLAIN),
                *(_minute(row[_N[name]]) for name in _DATES),
            ]
        )
    edges = [
        [index[p], index[c], table(row[0]), table(row[1]), row[2], row[3], _minute(row[4])]
        for p, c, row in graph.edges
    ]
    positions = None
    if len(keys) > BROWSER_LAYOUT_MAX:
        order = {key: (relations[key],) for key in keys}
        placed = layered(keys, pairs, depth, order=order)
        positions = [coordinate for key in keys for coordinate in placed[key]]
    notes = graph.notes
    issues = {
        index[key]: [[i["code"], i["root"], i["explanation"]] for i in found]
        for key, found in notes.get("issues", {}).items()
        if key in index
    }
    return {
        "fields": {
            "node": [
                "key", "repo_id", "relation", "generation", "is_root", "url", "aliases",
                *_TABLED, *_PLAIN, *_DATES,
            ],
            "edge": ["parent", "child", "relation", "source", "confidence", "evidence",
                     "first_seen"],
        },
        "strings": table.values,
        "nodes": nodes,
        "edges": edges,
        "positions": positions,
        "issues": issues,
        "meanings": ISSUE_MEANINGS,
        "colors": RELATION_COLORS,
        "issue_color": ISSUE_COLOR,
        "shapes": HUB_SHAPES,
        "meta": {**graph.attrs, "at": notes.get("at", ""), "focus": notes.get("focus", "")},
    }  # fmt: skip


@cache
def _asset(*parts: str) -> str:
    return resources.files("graph.export").joinpath(*parts).read_text(encoding="utf-8")


@cache
def vendored() -> list[dict[str, Any]]:
    """The vendored packages as recorded in vendor/vendor.json, with their license texts."""
    records: list[dict[str, Any]] = json.loads(_asset("vendor", "vendor.json"))
    for record in records:
        record["license_text"] = _asset("vendor", record["license_file"])
    return records


def _script(code: str) -> str:
    if _SCRIPT_UNSAFE.search(code):
        # NOTE: cannot happen with the vendored files as shipped; a refresh that brings
        # such a sequence must be looked at, not silently rewritten
        raise ValueError("an inline script holds '</script' or '<!--'")
    return code


def _hash(code: str) -> str:
    digest = hashlib.sha256(code.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def _header(meta: dict[str, Any], nodes: int, edges: int) -> tuple[str, str]:
    roots = meta["roots"] or "no roots"
    title = f"Grok lineage: {roots}"
    facts = [f"{nodes:,} nodes, {edges:,} edges"]
    facts.append(f"as of {meta['at'][:16].replace('T', ' ')} UTC" if meta["at"] else "as of now")
    if meta["focus"]:
        facts.append(f"ancestors and descendants of {meta['focus']}")
    facts.append(f"tracker {meta['tracker_version'] or 'unknown version'}")
    facts.append(f"generated {meta['generated_at'][:19].replace('T', ' ')} UTC")
    return html.escape(title), " · ".join(html.escape(fact) for fact in facts)


def _legend() -> str:
    items = []
    for relation, colour in RELATION_COLORS.items():
        name = {"none": "parent not shown"}.get(relation, relation)
        items.append(f'<li><span class="swatch" style="background:{colour}"></span>{name}</li>')
    return "".join(items)


def _licenses() -> str:
    parts = []
    for record in vendored():
        bundled = f" (bundled in {record['bundled_in']})" if record["bundled_in"] else ""
        parts.append(
            f"<h3>{html.escape(record['name'])} {html.escape(record['version'])}{bundled},"
            f" {html.escape(record['license'])}</h3>"
            f"<pre>{html.escape(record['license_text'])}</pre>"
        )
    return "".join(parts)


def render(graph: ExportGraph) -> str:
    """The whole page as one string."""
    data = page_data(graph)
    scripts = [_script(_asset("vendor", r["file"])) for r in vendored() if r["file"]]
    scripts += [_script(_asset("page", "canvas.js")), _script(_asset("page", "page.js"))]
    policy = (
        "default-src 'none'; "
        f"script-src {' '.join(_hash(code) for code in scripts)}; "
        "style-src 'unsafe-inline'; img-src data: blob:; base-uri 'none'; form-action 'none'"
    )
    title, facts = _header(data["meta"], len(data["nodes"]), len(data["edges"]))
    fills = {
        "POLICY": html.escape(policy),
        "TITLE": title,
        "FACTS": facts,
        "CSS": _asset("page", "page.css"),
        "LEGEND": _legend(),
        "ISSUE_COLOR": ISSUE_COLOR,
        "LICENSES": _licenses(),
        "DATA": script_json(data),
        "SCRIPTS": "".join(f"<script>{code}</script>\n" for code in scripts),
    }
    # one pass, so nothing filled in is scanned for markers again
    return re.sub(r"@@([A-Z_]+)@@", lambda m: fills[m.group(1)], _asset("page", "page.html"))


class HTMLExporter(SingleFile):
    """A self-contained page (cytoscape.js inlined) for any browser, offline."""

    name, suffix, suffixes = "html", ".html", (".html", ".htm")

    def write(self, graph: ExportGraph, stream: BinaryIO) -> None:
        stream.write(render(graph).encode("utf-8"))
