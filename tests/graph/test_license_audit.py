"""The license audit: each code, terms binding along chains, two roots, cycles, rules files.

Graphs are built as the lead's graph/build.py hands them over: node ids are node keys, edges
run parent -> child, nodes carry `license` (normalized) and `attribution` (True/False/None).
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import pytest

from graph.license_audit import (
    RootTerms,
    RulesError,
    audit,
    count_by_code,
    issues_by_node,
    load_rules,
)

GROK1 = "huggingface:xai-org/grok-1"
GROK1_GH = "github:xai-org/grok-1"
GROK2 = "huggingface:xai-org/grok-2"
ROOTS = {
    "grok-1": RootTerms("apache-2.0", (GROK1, GROK1_GH)),
    "grok-2": RootTerms("grok-2", (GROK2,)),
}


def family(*edges: tuple[str, str], **nodes: tuple[str, bool | None]) -> nx.DiGraph:
    """Edges by short name (see `key`) or node key; nodes: name=(license, attribution)."""
    graph = nx.DiGraph()
    graph.add_node(GROK1, license="apache-2.0", attribution=None, is_root=True)
    graph.add_node(GROK1_GH, license="apache-2.0", attribution=None, is_root=True)
    graph.add_node(GROK2, license="grok-2", attribution=True, is_root=True)
    for name, (license_id, shown) in nodes.items():
        graph.add_node(key(name), license=license_id, attribution=shown, is_root=False)
    for parent, child in edges:
        graph.add_edge(key(parent), key(child), relation="finetune")
    return graph


def key(name: str) -> str:
    """`ft_gguf` (a keyword argument) and `ft-gguf` are the same node: huggingface:u/ft-gguf."""
    return name if ":" in name else f"huggingface:u/{name.replace('_', '-')}"


def found(issues) -> set[tuple[str, str, str]]:
    return {(i.node.removeprefix("huggingface:u/"), i.root, i.code) for i in issues}


# --- each code -------------------------------------------------------------------------------


def test_grok_2_family_from_the_issue():
    graph = family(
        (GROK2, "compliant-gguf"),
        (GROK2, "relabelled"),
        (GROK2, "unlicensed"),
        (GROK2, "no-attribution"),
        compliant_gguf=("grok-2", True),
        relabelled=("apache-2.0", True),
        unlicensed=("", True),
        no_attribution=("grok-2", False),
    )
    issues = audit(graph, ROOTS)
    assert found(issues) == {
        ("relabelled", "grok-2", "incompatible"),
        ("unlicensed", "grok-2", "missing"),
        ("no-attribution", "grok-2", "attribution"),
    }
    by_code = {i.code: i for i in issues}
    assert by_code["incompatible"].license == "apache-2.0"
    assert by_code["incompatible"].path == (GROK2, key("relabelled"))
    assert "apache-2.0" in by_code["incompatible"].explanation
    assert "grok-2" in by_code["incompatible"].explanation
    assert '"Powered by xAI"' in by_code["attribution"].explanation
    assert by_code["missing"].license == ""
    assert all("\n" not in i.explanation for i in issues)
    assert count_by_code(issues) == {"missing": 1, "incompatible": 1, "attribution": 1}


def test_grok_1_allows_any_license_but_not_none():
    graph = family(
        (GROK1, "mit-port"),
        (GROK1, "bare"),
        (GROK1_GH, "code-fork"),
        mit_port=("mit", False),  # Apache-2.0 asks for no displayed line
        bare=("", None),
        code_fork=("", None),
    )
    issues = audit(graph, ROOTS, include_unverified=True)
    assert found(issues) == {("bare", "grok-1", "missing"), ("code-fork", "grok-1", "missing")}
    fork = next(i for i in issues if i.node == key("code-fork"))
    assert fork.path == (GROK1_GH, key("code-fork"))


def test_a_license_other_without_a_name_is_not_the_grok_2_license():
    issues = audit(family((GROK2, "x"), x=("other", True)), ROOTS)
    assert [i.code for i in issues] == ["incompatible"]
    assert "without naming" in issues[0].explanation


def test_every_license_a_derivative_offers_must_be_allowed():
    issues = audit(family((GROK2, "dual"), dual=("apache-2.0 OR grok-2", True)), ROOTS)
    assert [i.code for i in issues] == ["incompatible"]
    assert "apache-2.0 not allowed" in issues[0].explanation


def test_a_node_license_in_another_spelling_is_normalized():
    graph = family((GROK2, "a"), (GROK2, "b"), a=("Apache-2.0", True), b=("GROK-2", True))
    assert found(audit(graph, ROOTS)) == {("a", "grok-2", "incompatible")}


# --- attribution not known -------------------------------------------------------------------


def test_an_unread_card_is_not_reported_as_a_violation():
    graph = family((GROK2, "gated"), gated=("grok-2", None))
    assert audit(graph, ROOTS) == []
    unverified = audit(graph, ROOTS, include_unverified=True)
    assert [(i.code, i.verified) for i in unverified] == [("attribution", False)]
    assert "not read" in unverified[0].explanation
    assert issues_by_node(unverified) == {}
    assert count_by_code(unverified)["attribution"] == 0


def test_attribution_may_be_given_per_phrase():
    graph = family((GROK2, "a"), (GROK2, "b"), a=("grok-2", True), b=("grok-2", True))
    graph.nodes[key("a")]["attribution"] = {"Powered by xAI": False}
    graph.nodes[key("b")]["attribution"] = {"powered by xai": True}
    assert found(audit(graph, ROOTS)) == {("a", "grok-2", "attribution")}


# --- chains, two roots, roots, cycles --------------------------------------------------------


def test_terms_bind_along_the_whole_chain():
    # grok-2 -> fine-tune (compliant) -> quantization relabelled mit
    graph = family((GROK2, "ft"), ("ft", "ft-gguf"), ft=("grok-2", True), ft_gguf=("mit", True))
    issues = audit(graph, ROOTS)
    assert found(issues) == {("ft-gguf", "grok-2", "incompatible")}
    assert issues[0].path == (GROK2, key("ft"), key("ft-gguf"))


def test_a_relabelled_parent_does_not_free_its_children():
    graph = family((GROK2, "ft"), ("ft", "q"), ft=("apache-2.0", True), q=("apache-2.0", False))
    assert found(audit(graph, ROOTS)) == {
        ("ft", "grok-2", "incompatible"),
        ("q", "grok-2", "incompatible"),
        ("q", "grok-2", "attribution"),
    }


def test_a_node_of_two_roots_is_judged_against_both():
    graph = family(
        (GROK1, "merge"),
        (GROK2, "merge"),
        (GROK1, "other-merge"),
        (GROK2, "other-merge"),
        merge=("apache-2.0", True),
        other_merge=("", False),
    )
    issues = audit(graph, ROOTS)
    assert found(issues) == {
        ("merge", "grok-2", "incompatible"),
        ("other-merge", "grok-1", "missing"),
        ("other-merge", "grok-2", "missing"),
        ("other-merge", "grok-2", "attribution"),
    }
    paths = {(i.root, i.code): i.path for i in issues if i.node == key("other-merge")}
    assert paths[("grok-1", "missing")][0] == GROK1
    assert paths[("grok-2", "missing")][0] == GROK2
    # Exports show each code once per node, in SPEC order.
    assert issues_by_node(issues) == {
        key("merge"): ["incompatible"],
        key("other-merge"): ["missing", "attribution"],
    }


def test_roots_are_not_judged():
    graph = family((GROK1, GROK1_GH), (GROK2, "child"), child=("grok-2", True))
    graph.nodes[GROK1_GH]["license"] = ""  # a root without license in the crawl: not an issue
    graph.add_edge(GROK1, GROK2)  # even when one root hangs below another
    graph.nodes[GROK2]["license"] = ""
    assert audit(graph, ROOTS) == []


def test_cycles_end_and_each_node_is_reported_once():
    graph = family(
        (GROK2, "a"),
        ("a", "b"),
        ("b", "a"),
        ("b", GROK2),
        ("b", "b"),
        a=("mit", True),
        b=("", True),
    )
    issues = audit(graph, ROOTS)
    assert found(issues) == {("a", "grok-2", "incompatible"), ("b", "grok-2", "missing")}
    assert next(i for i in issues if i.node == key("b")).path == (GROK2, key("a"), key("b"))


def test_nodes_outside_every_root_family_are_not_judged():
    graph = family(stray=("", False))
    assert audit(graph, ROOTS) == []


def test_output_does_not_depend_on_insertion_order():
    edges = [(GROK2, f"n{i}") for i in range(5)] + [(GROK1, f"n{i}") for i in range(5)]
    edges += [("n1", "deep"), ("n3", "deep")]
    nodes = {f"n{i}": ("", False) for i in range(5)} | {"deep": ("mit", False)}
    first = audit(family(*edges, **nodes), ROOTS)
    again = audit(family(*reversed(edges), **dict(reversed(nodes.items()))), ROOTS)
    assert first == again
    assert [(i.root, i.node) for i in first] == sorted((i.root, i.node) for i in first)
    # deep (mit) breaks only grok-2's terms; of its two paths the report names the same one.
    assert {i.path for i in first if i.node == key("deep")} == {(GROK2, key("n1"), key("deep"))}


@dataclass(frozen=True)
class FakeRootConfig:  # the shape of tracker.config.RootConfig
    name: str
    nodes: tuple[str, ...]
    license: str


@pytest.mark.parametrize(
    "spec",
    [
        FakeRootConfig("grok-2", (GROK2,), "grok-2"),
        {"license": "Grok-2", "nodes": [GROK2]},
        ("grok-2", [GROK2]),
    ],
)
def test_roots_may_come_in_several_shapes(spec):
    graph = family((GROK2, "x"), x=("mit", True))
    assert found(audit(graph, {"grok-2": spec})) == {("x", "grok-2", "incompatible")}


def test_issue_serializes_for_json():
    issue = audit(family((GROK2, "x"), x=("mit", True)), ROOTS)[0]
    assert issue.to_dict() == {
        "node": key("x"),
        "root": "grok-2",
        "license": "mit",
        "code": "incompatible",
        "explanation": issue.explanation,
        "path": [GROK2, key("x")],
        "verified": True,
    }


# --- rules files -----------------------------------------------------------------------------


def test_shipped_rules_hold_the_grok_terms():
    rules = load_rules()
    assert rules.rule_for("Apache-2.0").allow is None
    grok2 = rules.rule_for("grok-2")
    assert grok2.allow == frozenset({"grok-2"}) and grok2.attribution == "Powered by xAI"
    assert rules.rule_for("mit") is rules.default  # a root license without its own table
    assert load_rules("") == rules  # the config default "" means the shipped file


def test_a_custom_rules_file_replaces_the_shipped_one(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text(
        'version = 1\n[licenses."Grok-2"]\nname = "house terms"\n'
        'allow = ["grok-2", "Apache-2.0"]\nrequire_license = false\n'
        'attribution = "Built with Grok"\n',
        "utf-8",
    )
    rules = load_rules(str(path))
    graph = family(
        (GROK2, "a"),
        (GROK2, "b"),
        (GROK1, "c"),
        a=("apache-2.0", True),
        b=("", False),
        c=("", False),
    )
    graph.nodes[key("a")]["attribution"] = {"Built with Grok": True}
    issues = audit(graph, ROOTS, rules)
    # b: no license is fine here, but it lacks the house line; grok-1 has no rule and no
    # [default] in this file, so c is not judged.
    assert found(issues) == {("b", "grok-2", "attribution")}
    assert "house terms" in issues[0].explanation and "Built with Grok" in issues[0].explanation


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("this is = not [toml", "not valid TOML"),
        ('[licenses."grok-2"]\nallow = "grok-2"\n', "allow must be a list"),
        ('[licenses."grok-2"]\nalow = ["grok-2"]\n', "unknown key 'alow'"),
        ('[licenses."grok-2"]\nrequire_license = "yes"\n', "require_license must be true"),
        ('[licenses."grok-2"]\nattribution = 1\n', "attribution must be a string"),
        ('[licence."grok-2"]\nallow = ["*"]\n', "unknown key 'licence'"),
        ('version = 2\n[licenses."grok-2"]\n', "version = 2"),
        ('[licenses."grok-2"]\n[licenses."GROK-2"]\n', "two tables"),
        ("version = 1\n", "nothing to check"),
    ],
)
def test_a_bad_rules_file_names_the_config_key_and_the_problem(tmp_path, text, complaint):
    path = tmp_path / "bad.toml"
    path.write_text(text, "utf-8")
    with pytest.raises(RulesError) as err:
        load_rules(path)
    message = str(err.value)
    assert "licenses.rules" in message and str(path) in message and complaint in message
    assert "\n" not in message  # one line, for the CLI's error table
    assert isinstance(err.value, ValueError)


def test_a_missing_rules_file_says_so(tmp_path):
    with pytest.raises(RulesError, match=r"licenses\.rules.*no such file"):
        load_rules(tmp_path / "absent.toml")
