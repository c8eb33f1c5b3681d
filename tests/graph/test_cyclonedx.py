"""The CycloneDX ML-BOM an auditor loads: strictly valid CycloneDX 1.6, the ancestry chain with
each edge's relation and evidence technique, file hashes, declared and concluded licenses,
license issues as annotations, and hub strings that survive the trip.

The third-generation derivative (a GGUF quantization of an instruct fine-tune of a
safetensors conversion of grok-1) is crawled from the fake Hub by the real pipeline; the
hostile strings are written straight into the store through db.repository.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import networkx as nx
import pytest
from click.testing import CliRunner
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from db import repository as repo
from db.session import open_database, session_scope
from graph.export import EXPORTERS, export, format_for_path, sanitize
from graph.export.cyclonedx import technique
from tests.fakes import grok_world
from tests.fakes.grok_repo import B, sha
from tests.fakes.hf_hub import FakeHub
from tests.fakes.hf_world import FakeFile, FakeRepo
from tracker.cli import cli
from tracker.config import load_config
from tracker.graph_reads import export as service_export
from tracker.pipeline import crawl

SUBJECT = "huggingface:quantfolk/grok-1-hf-instruct-GGUF"
VALIDATOR = JsonStrictValidator(SchemaVersion.V1_6)


def third_generation() -> FakeRepo:
    """GGUF quants that declare the instruct fine-tune and no license."""
    return FakeRepo(
        id="quantfolk/grok-1-hf-instruct-GGUF",
        card={"base_model": "tuners/grok-1-hf-instruct"},
        card_text="Q4_K_M quants of the instruct fine-tune.\n",
        gguf={"total": 316 * B, "architecture": "grok"},
        files=[FakeFile("grok-1-hf-instruct-Q4_K_M.gguf", 4_000_000_000, sha("qf-q4"), None)],
    )


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """A SQLite file holding a crawl of the Grok world plus the third generation."""
    url = f"sqlite:///{tmp_path_factory.mktemp('bom') / 'tracker.db'}"
    with FakeHub([*grok_world.fake_repos(), third_generation()]) as hub:
        config = load_config(environ={"HF_ENDPOINT": hub.url}, overrides={"database.url": url})
        assert crawl(config, hubs=["huggingface"]).status == "ok"
    return url


def run_export(url: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--database", url, "export", *args])
    return result.exit_code, result.output


def valid(data: dict) -> dict:
    error = VALIDATOR.validate_str(json.dumps(data))
    assert error is None, str(error)[:2000]
    return data


def props(component: dict) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in component.get("properties", []):
        out.setdefault(p["name"], []).append(p["value"])
    return out


def licenses(component: dict) -> set[tuple[str, str]]:
    return {
        (lic.get("id") or lic["name"], lic["acknowledgement"])
        for lic in (entry["license"] for entry in component.get("licenses", []))
    }


def methods(component: dict) -> list[str]:
    identity = component.get("evidence", {}).get("identity", [])
    return sorted(m["technique"] for i in identity for m in i.get("methods", []))


def test_bom_of_a_third_generation_derivative(crawled, tmp_path):
    out = tmp_path / "gguf.cdx.json"  # the suffix picks the format
    code, output = run_export(crawled, "--node", SUBJECT, "-o", str(out))
    assert code == 0, output
    bom = valid(json.loads(out.read_text("utf-8")))
    assert (bom["bomFormat"], bom["specVersion"]) == ("CycloneDX", "1.6")

    subject = bom["metadata"]["component"]
    assert subject["bom-ref"] == SUBJECT and subject["type"] == "machine-learning-model"
    purl = f"pkg:huggingface/quantfolk/grok-1-hf-instruct-GGUF@{subject['version']}"
    assert subject["purl"] == purl and len(subject["version"]) == 40
    assert subject["externalReferences"][0]["url"].endswith("/quantfolk/grok-1-hf-instruct-GGUF")
    [weights] = subject["components"]
    assert weights["name"] == "grok-1-hf-instruct-Q4_K_M.gguf"
    assert weights["hashes"] == [{"alg": "SHA-256", "content": sha("qf-q4")}]
    assert props(subject)["tracker:format"] == ["gguf"]
    assert subject["modelCard"]["properties"] == [
        {"name": "tracker:format", "value": "gguf"},
        {"name": "tracker:parameters", "value": str(316 * B)},
    ]

    # the chain up to the root, each entry carrying the edge to the generation below it
    chain, node = [], subject
    while node.get("pedigree", {}).get("ancestors"):
        [node] = node["pedigree"]["ancestors"]
        p = props(node)
        chain.append((node["bom-ref"], p["tracker:relation"][0], p["tracker:source"][0]))
        if p["tracker:source"] == ["inferred"]:
            assert node["evidence"]["identity"][0]["concludedValue"] == node["bom-ref"]
    assert chain == [
        ("huggingface:tuners/grok-1-hf-instruct", "quantization", "declared"),
        ("huggingface:keyfan/grok-1-hf", "finetune", "inferred"),
        ("huggingface:xai-org/grok-1", "conversion", "inferred"),
    ]
    tuners = subject["pedigree"]["ancestors"][0]
    keyfan = tuners["pedigree"]["ancestors"][0]
    root = keyfan["pedigree"]["ancestors"][0]
    assert "evidence" not in tuners  # declared by the card
    # its card names keyfan/grok-1-hf, its config the Grok architecture
    assert methods(keyfan) == ["manifest-analysis", "other"]
    assert methods(root) == ["manifest-analysis", "other"]  # card names grok-1, Grok config
    assert float(props(root)["tracker:confidence"][0]) == 0.85
    assert tuners["modelCard"]["modelParameters"]["modelArchitecture"] == "Grok1ModelForCausalLM"
    assert {c["hashes"][0]["content"] for c in root["components"]} >= {
        sha(label) for label in grok_world.world_repo("xai-org/grok-1").lfs.values()
    }

    # the hub's word (declared) and the terms that bind along the chain (concluded)
    assert licenses(subject) == {("Apache-2.0", "concluded")}
    assert licenses(keyfan) == {("Apache-2.0", "declared"), ("Apache-2.0", "concluded")}
    [note] = bom["annotations"]
    assert note["subjects"] == [SUBJECT]
    assert note["text"] == (
        "license issue missing under grok-1: declares no license; as a derivative of grok-1"
        " (Apache License 2.0) it must carry one"
    )


def test_edges_below_the_threshold_are_variants(crawled):
    code, output = run_export(crawled, "--node", SUBJECT, "--format", "cyclonedx",
                              "--min-confidence", "0.9")
    assert code == 0, output
    bom = valid(json.loads(output))
    tuners = bom["metadata"]["component"]["pedigree"]["ancestors"][0]
    assert "ancestors" not in tuners["pedigree"]  # keyfan -> tuners is 0.85: not proven
    [keyfan] = tuners["pedigree"]["variants"]
    assert keyfan["bom-ref"] == "huggingface:keyfan/grok-1-hf"
    assert bom["metadata"]["properties"] == [{"name": "tracker:min_confidence", "value": "0.9"}]


def test_merge_has_two_ancestors_and_a_shared_one_is_described_once(crawled):
    code, output = run_export(crawled, "--format", "cyclonedx",
                              "--node", "mergers/grok-1-hf-instruct-slerp")
    assert code == 0, output
    bom = valid(json.loads(output))
    keyfan, tuners = bom["metadata"]["component"]["pedigree"]["ancestors"]
    assert [keyfan["bom-ref"], tuners["bom-ref"]] == [
        "huggingface:keyfan/grok-1-hf",
        "huggingface:tuners/grok-1-hf-instruct",
    ]
    assert {props(a)["tracker:relation"][0] for a in (keyfan, tuners)} == {"merge"}
    [again] = tuners["pedigree"]["ancestors"]  # keyfan, already in full above
    assert again["bom-ref"] == (
        "huggingface:keyfan/grok-1-hf -> huggingface:tuners/grok-1-hf-instruct"
    )
    assert "components" not in again and props(again)["tracker:relation"] == ["finetune"]


def test_bom_of_a_whole_family(crawled):
    code, output = run_export(crawled, "--root", "grok-2", "--format", "cyclonedx")
    assert code == 0, output
    bom = valid(json.loads(output))
    members = {c["bom-ref"]: c for c in bom["components"]}
    assert len(members) == 16 and "metadata" in bom and "component" not in bom["metadata"]
    depends = {d["ref"]: set(d.get("dependsOn", [])) for d in bom["dependencies"]}
    assert set(depends) == set(members)
    assert depends["huggingface:xai-org/grok-2"] == set()
    assert depends["huggingface:quanter/grok-2-sft-GGUF"] == {"huggingface:sft-lab/grok-2-sft"}
    merge = "huggingface:merger/grok-2-sft-merge"
    assert depends[merge] == {"huggingface:xai-org/grok-2", "huggingface:sft-lab/grok-2-sft"}
    assert len(members[merge]["pedigree"]["ancestors"]) == 2
    # 0.7 (card text only) is a variant; card text plus the architecture is two techniques
    tokenizer = members["huggingface:alvarobartt/grok-2-tokenizer"]["pedigree"]
    assert "ancestors" not in tokenizer and len(tokenizer["variants"]) == 1
    [exl2] = members["huggingface:exl2guy/grok-2-exl2-4.0bpw"]["pedigree"]["ancestors"]
    assert methods(exl2) == ["manifest-analysis", "other"]
    assert exl2["bom-ref"] == "huggingface:xai-org/grok-2 -> huggingface:exl2guy/grok-2-exl2-4.0bpw"
    [fork] = members["huggingface:backup-acct/grok-2-mirror"]["pedigree"]["ancestors"]
    assert methods(fork) == ["hash-comparison"]
    assert fork["evidence"]["identity"][0]["field"] == "hash"
    assert licenses(members["huggingface:sft-lab/grok-2-sft"]) == {
        ("grok-2", "declared"),
        ("grok-2", "concluded"),
    }
    assert licenses(members["huggingface:awqer/grok-2-AWQ"]) == {("grok-2", "concluded")}
    codes = sorted(a["text"].split()[2] for a in bom["annotations"])
    assert codes == ["attribution"] * 9 + ["missing"] * 7  # as `tracker licenses grok-2`
    cards = [m for m in members.values() if "modelCard" in m]
    assert cards and all(valid_card(m["modelCard"]) for m in cards)


def valid_card(card: dict) -> bool:
    return set(card) <= {"modelParameters", "properties"}


HOSTILE = {
    "quotes": "it's \"quoted\" \\ back\\slash",
    "markup": "</script><script>alert(1)</script> & <!-- -->",
    "controls": "bell\x07esc\x1b vt\x0b del\x7f c1\x85",  # no NUL: PostgreSQL refuses it
    "unicode": "🦙 Grök \u202eevil\u202c مرحبا \ufeff",
    "long": "grok " * 100_000,
}


def test_hostile_hub_strings_survive_the_round_trip(db_url, tmp_path):
    now = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
    text = " | ".join(HOSTILE.values())
    engine = open_database(db_url)
    with session_scope(engine) as session:
        ids = repo.upsert_nodes(
            session,
            [
                {"key": "huggingface:xai-org/grok-2", "hub": "huggingface",
                 "repo_id": "xai-org/grok-2", "url": "https://huggingface.co/xai-org/grok-2",
                 "license": "grok-2"},
                {"key": "huggingface:evil/grok-2-\u00e9", "hub": "huggingface",
                 "repo_id": "evil/grok-2-\u00e9", "url": "https://huggingface.co/evil/\"x\"",
                 "sha": "</script>", "license": "apache-2.0",
                 "license_raw": {"license": "other", "license_name": text},
                 "architectures": HOSTILE["markup"], "model_type": HOSTILE["unicode"],
                 "formats": "gguf"},
            ],
            now=now,
            run_id=None,
        ).ids
        root, child = ids["huggingface:xai-org/grok-2"], ids["huggingface:evil/grok-2-\u00e9"]
        repo.set_root_members(session, "grok-2", "grok-2", [root])
        repo.upsert_edges(
            session,
            [{"parent_id": root, "child_id": child, "relation": "quantization",
              "source": "inferred", "confidence": 0.85, "evidence": "card text " + text}],
            now=now,
            run_id=None,
        )
        repo.replace_files(
            session,
            {child: [
                {"path": HOSTILE["markup"] + ".gguf", "size": 7, "sha256": "AB" * 32},
                {"path": "forged.gguf", "size": 7, "sha256": "not-a-sha256\"}"},
                {"path": "config.json", "size": 7, "blob_id": "ab" * 20},
            ]},
            now=now,
            run_id=None,
        )
    engine.dispose()
    config = load_config(overrides={"database.url": db_url})
    out = tmp_path / "evil.cdx.json"
    service_export(config, "cyclonedx", str(out), node="evil/grok-2-\u00e9")
    raw = out.read_text("utf-8")
    bom = valid(json.loads(raw))
    assert "</script>" in raw  # JSON needs no escaping of it; a page embedding it must
    subject = bom["metadata"]["component"]
    assert subject["name"] == "evil/grok-2-\u00e9" and subject["version"] == "</script>"
    p = props(subject)
    assert p["tracker:architecture"] == [HOSTILE["markup"]]
    assert p["tracker:model_type"] == [HOSTILE["unicode"]]
    declared = json.loads(p["tracker:license_declaration"][0])
    assert declared["license_name"] == sanitize(text)
    [weights] = subject["components"]  # the forged hash and the git blob are left out
    assert weights["name"] == HOSTILE["markup"] + ".gguf"
    assert weights["hashes"][0]["content"] == "ab" * 32
    [parent] = subject["pedigree"]["ancestors"]
    evidence = props(parent)["tracker:evidence"][0]
    assert evidence == sanitize("card text " + text)
    for name in ("quotes", "markup", "unicode", "long"):
        assert HOSTILE[name] in evidence  # exactly as the hub wrote them
    assert "bell\ufffdesc\ufffd vt\ufffd del\ufffd c1\ufffd" in evidence  # visibly replaced
    assert parent["evidence"]["identity"][0]["methods"][0]["value"] == evidence
    # relabelled apache-2.0 under grok-2: the hub's word, the binding terms, the issue
    assert licenses(subject) == {("Apache-2.0", "declared"), ("grok-2", "concluded")}
    texts = [a["text"] for a in bom["annotations"]]
    assert any(t.startswith("license issue incompatible under grok-2") for t in texts)


def test_library_export_without_the_store_is_a_valid_family_bom(tmp_path):
    graph = nx.DiGraph(roots="grok-1")
    graph.add_node("huggingface:xai-org/grok-1", hub="huggingface", repo_id="xai-org/grok-1",
                   license="apache-2.0", roots="grok-1", is_root=True)
    graph.add_node("huggingface:a/b", hub="huggingface", repo_id="a/b", license_issues="missing",
                   roots="grok-1")
    graph.add_edge("huggingface:xai-org/grok-1", "huggingface:a/b", relation="fork",
                   source="inferred", confidence=0.99, evidence="shares 8/8 weight files with x")
    [path] = export(graph, "cyclonedx", tmp_path)  # no notes: no store behind it
    assert path.name == "lineage.cdx.json"
    bom = valid(json.loads(path.read_text("utf-8")))
    assert [a["text"] for a in bom["annotations"]] == ["license issue missing"]


@pytest.mark.parametrize(
    ("evidence", "expected"),
    [
        ("shares 8/8 weight files with xai-org/grok-1 (sha256); identical", "hash-comparison"),
        ("shares 1/2 tokenizer files with xai-org/grok-1; holds only tokenizer", "hash-comparison"),
        ("card base_model names keyfan/grok-1-hf; GGUF weights (Q4_K_M)", "manifest-analysis"),
        ("adapter_config.json base_model_name_or_path names keyfan/grok-1-hf", "manifest-analysis"),
        ("card text links https://x/shares 1/1 weight files", "manifest-analysis"),
        ("GGUF architecture grok with 316B parameters, the scale of xai-org/grok-1", "other"),
        ("config architecture Grok1ForCausalLM with 270B parameters, the scale of x", "other"),
    ],
)
def test_evidence_technique(evidence, expected):
    assert technique(evidence).value == expected


def test_suffix_picks_the_format():
    assert format_for_path("family.cdx.json") == "cyclonedx"
    assert format_for_path("FAMILY.CDX.JSON") == "cyclonedx"
    assert format_for_path("family.json") == "json"
    assert "cyclonedx" in EXPORTERS


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--node", "grok-1"], "'grok-1' is not one node"),
        (["--node", "nobody/nothing"], "nobody/nothing"),
        (["--node", "keyfan/grok-1-hf", "--root", "grok-2"], "is in no family"),
    ],
)
def test_bad_node_is_one_line_and_exit_2(crawled, args, message):
    code, output = run_export(crawled, "--format", "cyclonedx", *args)
    assert code == 2 and message in output and "Traceback" not in output
    assert len(output.strip().splitlines()) == 1
