"""The text pictures of the lineage: Graphviz DOT (read back by the real `dot`) and Mermaid,
both coloured by relation like the html page, both holding hostile hub strings safely."""

from __future__ import annotations

import html
import io
import json
import re
import shutil
import subprocess

import networkx as nx
import pytest

from graph.export import REPLACEMENT, export, sanitize, sanitize_key
from graph.export.palette import ISSUE_COLOR, RELATION_COLORS, generations
from tests.fakes.export_graph import HOSTILE, NOW, ROOT, full_edge, full_node

QUANT = "huggingface:someone/grok-1-GGUF"
TUNE = "github:lab/grok-1-tuned"
GONE = "modelscope:gone/grok-1"


@pytest.fixture
def family() -> nx.DiGraph:
    """A root, a declared quantization with a license issue, an inferred finetune on GitHub,
    a removed ModelScope mirror, and one node per hostile string."""
    graph = nx.DiGraph(roots="grok-1", generated_at=NOW)
    graph.add_node(ROOT, **full_node(ROOT, is_root=True))
    graph.add_node(QUANT, **full_node(QUANT, license_issues="missing", license=""))
    graph.add_node(TUNE, **full_node(TUNE))
    graph.add_node(GONE, **full_node(GONE, status="removed"))
    graph.add_edge(ROOT, QUANT, **full_edge(relation="quantization"))
    graph.add_edge(QUANT, TUNE, **full_edge(relation="finetune", source="inferred"))
    graph.add_edge(ROOT, GONE, **full_edge(relation="fork"))
    for name, text in HOSTILE.items():
        if name == "long":
            text = text[:2000]
        key = f"huggingface:evil/{name}{text[:40]}"
        graph.add_node(key, **full_node(key, repo_id=text, url=text))
        graph.add_edge(ROOT, key, **full_edge(evidence=text, relation="adapter"))
    return graph


def write(graph, fmt) -> str:
    buffer = io.BytesIO()
    export(graph, fmt, buffer, now=NOW)
    return buffer.getvalue().decode("utf-8")


def test_generations_put_every_child_below_all_its_parents():
    edges = [("a", "b"), ("b", "c"), ("a", "c"), ("c", "d"), ("x", "y"), ("y", "x")]
    depth = generations("abcdxyz", edges)
    assert [depth[k] for k in "abcd"] == [0, 1, 2, 3]
    assert depth["z"] == 0 and {depth["x"], depth["y"]} <= {1, 2}  # a cycle still gets a place


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz not installed (.ci/run does)")
def test_dot_loads_in_graphviz_with_colours_by_relation_and_hostile_labels_intact(family):
    source = write(family, "dot")
    run = subprocess.run(["dot", "-Tjson"], input=source.encode(), capture_output=True)
    assert run.returncode == 0, run.stderr.decode()
    drawn = json.loads(run.stdout)
    nodes = {o["name"]: o for o in drawn["objects"]}
    assert set(nodes) == {dot_name(k) for k in family}
    assert len(drawn["edges"]) == family.number_of_edges()
    assert nodes[ROOT]["fillcolor"] == RELATION_COLORS["root"]
    assert nodes[QUANT]["fillcolor"] == RELATION_COLORS["quantization"]
    assert nodes[QUANT]["color"] == ISSUE_COLOR
    assert nodes[TUNE]["fillcolor"] == RELATION_COLORS["finetune"]
    assert nodes[TUNE]["shape"] == "box" and nodes[GONE]["shape"] == "diamond"
    assert "dashed" in nodes[GONE]["style"]
    assert nodes[TUNE]["label"] == "github:lab/grok-1-tuned"
    for name in ("markup", "emoji_rtl", "nul_and_controls"):
        key = dot_name(f"huggingface:evil/{name}{HOSTILE[name][:40]}")
        # Graphviz reads `\n` back as a line break: the label is the repo id, nothing else
        assert nodes[key]["label"].replace("\\n", "\n") == sanitize(HOSTILE[name])
    styles = {
        (drawn["objects"][e["tail"]]["name"], drawn["objects"][e["head"]]["name"]): e
        for e in drawn["edges"]
    }
    assert styles[(QUANT, TUNE)]["style"] == "dashed"
    assert styles[(ROOT, QUANT)]["color"] == RELATION_COLORS["quantization"]
    assert "style" not in styles[(ROOT, QUANT)]


def dot_name(key: str) -> str:
    """The name Graphviz gives a node: its key, a backslash or line break replaced."""
    return re.sub(r"[\\\r\n]", REPLACEMENT, sanitize_key(key))


def test_a_backslash_and_quote_cannot_end_a_dot_string(family):
    family.add_node('huggingface:a\\"] -> evil', **full_node("huggingface:x", repo_id='b\\"'))
    source = write(family, "dot")
    assert '"huggingface:a\ufffd\\"] -> evil" [label="b\\\\\\""' in source
    assert source.count("->") == family.number_of_edges() + 1  # the one inside the quotes


def decode(label: str) -> str:
    return re.sub(r"#(\d+);", lambda m: chr(int(m.group(1))), label)


LINE = re.compile(
    r'  (n\d+)(\(|\[|\{\{)"([^"]*)"(\)|\]|\}\})'  # node
    r'|  (n\d+) (-->|-\.->)\|"([a-z]+)"\| (n\d+)'  # edge
    r"|  classDef \w+ [^\n]+|  class [n\d,]+ \w+|  linkStyle [\d,]+ stroke:#[0-9A-F]{6}.*"
)


def test_mermaid_is_well_formed_with_colours_by_relation_and_hostile_labels_encoded(family):
    text = write(family, "mermaid")
    head, body = text.split("flowchart TD\n")
    assert head == "---\ntitle: Grok lineage of grok-1 on 2026-11-23\n---\n"
    labels, edges, classes = {}, [], {}
    for line in body.splitlines():
        match = LINE.fullmatch(line)
        assert match, f"not a Mermaid statement: {line[:120]!r}"
        if match.group(1):
            labels[match.group(1)] = decode(match.group(3))
        elif match.group(5):
            edges.append(match.group(5, 6, 7, 8))
        elif line.startswith("  class "):
            members, name = line.split()[1:]
            for member in members.split(","):
                classes.setdefault(member, set()).add(name)
    keys = [sanitize_key(k) for k in family]
    ids = {key: f"n{i}" for i, key in enumerate(keys)}
    assert len(labels) == family.number_of_nodes() and len(edges) == family.number_of_edges()
    for name in ("markup", "emoji_rtl", "whitespace"):
        key = sanitize_key(f"huggingface:evil/{name}{HOSTILE[name][:40]}")
        assert labels[ids[key]] == sanitize(HOSTILE[name])
    assert classes[ids[ROOT]] == {"root"}
    assert classes[ids[QUANT]] == {"quantization", "issue"}
    assert classes[ids[GONE]] == {"fork", "removed"}
    assert (ids[QUANT], "-.->", "finetune", ids[TUNE]) in edges
    assert (ids[ROOT], "-->", "quantization", ids[QUANT]) in edges
    fill = re.search(r"classDef finetune fill:(#\w{6})", body).group(1)
    assert fill == RELATION_COLORS["finetune"]
    assert html.unescape("<") not in "".join(labels)  # nothing raw reaches Mermaid's HTML
