"""The html export as a file: one self-contained page, no CDN, vendored JavaScript with its
licenses, hostile hub strings inert in the embedded JSON and in the header. What the page does
in a browser is tested in test_html_browser.py."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import networkx as nx
import pytest

from graph.export import export, html, sanitize, sanitize_key
from tests.fakes.big_family import family
from tests.fakes.export_graph import HOSTILE, NOW, ROOT, full_edge, full_node

VENDOR = Path(html.__file__).parent / "vendor"


class Page(HTMLParser):
    """The tags, the text of each script, and the attributes of the page."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[tuple[dict, str]] = []
        self.text: list[str] = []
        self._in_script: dict | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = dict(attrs)
            self.scripts.append((self._in_script, ""))

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = None

    def handle_data(self, data):
        if self._in_script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)
        else:
            self.text.append(data)


@pytest.fixture
def hostile() -> nx.DiGraph:
    graph = nx.DiGraph(roots="grok-1</script><script>alert(1)</script>", generated_at=NOW)
    graph.add_node(ROOT, **full_node(ROOT, is_root=True))
    for name, text in HOSTILE.items():
        text = text[:5000]
        key = f"huggingface:evil/{name}{text[:40]}"
        graph.add_node(key, **full_node(key, repo_id=text, license=text, url=text, formats=text))
        graph.add_edge(ROOT, key, **full_edge(evidence=text, relation=text[:30] or "other"))
    return graph


def render(graph, **notes) -> str:
    buffer = io.BytesIO()
    export(graph, "html", buffer, now=NOW, notes=notes)
    return buffer.getvalue().decode("utf-8")


def embedded(page: Page) -> dict:
    (data,) = [text for attrs, text in page.scripts if attrs.get("type") == "application/json"]
    return json.loads(data)


def test_hostile_strings_stay_data_in_one_json_script_and_the_header(hostile):
    text = render(hostile, at="2026-11-20T23:59:59</title>", focus="<b>x</b>")
    page = Page(text)
    # exactly the scripts we put there: data, cytoscape, cytoscape-dagre, the page's two
    assert [attrs for attrs, _ in page.scripts] == [
        {"type": "application/json", "id": "lineage-data"},
        {},
        {},
        {},
        {},
    ]
    assert text.count("</script>") == 5 and "<!--" not in text
    data = embedded(page)
    keys = [row[0] for row in data["nodes"]]
    assert keys == [sanitize_key(k) for k in hostile]
    by_key = dict(zip(keys, data["nodes"], strict=True))
    markup = sanitize_key(f"huggingface:evil/markup{HOSTILE['markup'][:40]}")
    assert by_key[markup][1] == HOSTILE["markup"]  # repo_id, intact as data
    assert by_key[ROOT][1] == 0  # the key holds it
    evidence = {data["nodes"][e[1]][0]: e[5] for e in data["edges"]}
    assert evidence[markup] == HOSTILE["markup"]
    controls = sanitize_key(f"huggingface:evil/nul_and_controls{HOSTILE['nul_and_controls'][:40]}")
    assert evidence[controls] == sanitize(HOSTILE["nul_and_controls"])
    assert data["meta"]["at"] == "2026-11-20T23:59:59</title>"
    # the header: escaped, so the hostile root name is text
    (title,) = [t for t in page.text if t.startswith("Grok lineage:")][:1]
    assert title == "Grok lineage: grok-1</script><script>alert(1)</script>"
    assert "&lt;b&gt;x&lt;/b&gt;" in text


def test_only_the_inline_scripts_may_run_and_nothing_may_connect(hostile):
    page = Page(render(hostile))
    (policy,) = [
        a["content"] for t, a in page.tags
        if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"
    ]
    rules = dict(rule.strip().split(" ", 1) for rule in policy.split(";"))
    assert rules["default-src"] == "'none'"
    hashes = {
        "'sha256-" + base64.b64encode(hashlib.sha256(code.encode()).digest()).decode() + "'"
        for attrs, code in page.scripts
        if not attrs
    }
    assert set(rules["script-src"].split()) == hashes and len(hashes) == 4
    assert "connect-src" not in rules  # falls back to default-src 'none'
    # no CDN, no external anything
    assert not [a for t, a in page.tags if a.get("src") or (t == "link")]


def test_vendored_javascript_is_recorded_with_versions_hashes_and_licenses(hostile):
    records = json.loads((VENDOR / "vendor.json").read_text())
    assert {r["name"] for r in records} == {"cytoscape", "cytoscape-dagre", "@dagrejs/dagre"}
    text = render(hostile)
    for record in records:
        assert record["license"] == "MIT" and re.fullmatch(r"\d+\.\d+\.\d+", record["version"])
        license_text = (VENDOR / record["license_file"]).read_text()
        assert "Permission is hereby granted" in license_text
        assert f"{record['name']} {record['version']}" in text
        if record["file"]:
            code = (VENDOR / record["file"]).read_bytes()
            assert hashlib.sha256(code).hexdigest() == record["sha256"]
            assert code.decode() in text


def test_positions_are_computed_here_only_above_the_browser_layout_limit(monkeypatch):
    graph = family(60)
    small = embedded(Page(render(graph)))
    assert small["positions"] is None
    monkeypatch.setattr(html, "BROWSER_LAYOUT_MAX", 50)
    big = embedded(Page(render(graph)))
    xy = big["positions"]
    assert len(xy) == 2 * graph.number_of_nodes()
    place = {row[0]: (xy[2 * i], xy[2 * i + 1]) for i, row in enumerate(big["nodes"])}
    for parent, child in graph.edges:
        assert place[parent][1] < place[child][1]  # every child below its parents
    assert len(set(place.values())) == len(place)  # no two nodes on one spot


def test_license_issues_carry_the_audits_explanation(hostile):
    quant = "huggingface:q/grok-1-GGUF"
    hostile.add_node(quant, **full_node(quant, license_issues="incompatible"))
    explanation = "mit is not allowed by the terms of grok-2 <via> \"tuner\""
    issues = {quant: [{"code": "incompatible", "root": "grok-2", "explanation": explanation}]}
    data = embedded(Page(render(hostile, issues=issues)))
    index = [row[0] for row in data["nodes"]].index(quant)
    assert data["issues"] == {str(index): [["incompatible", "grok-2", explanation]]}
    assert set(data["meanings"]) == {"missing", "incompatible", "attribution"}


def test_ten_thousand_nodes_make_a_page_under_5_mb():
    graph = family(10_000)
    text = render(graph)
    assert len(text.encode()) < 5_000_000
    data = embedded(Page(text))
    assert len(data["nodes"]) == 10_000 and len(data["edges"]) == graph.number_of_edges()
