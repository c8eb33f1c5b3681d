"""The declared family of a swept model exports with every attribute of SPEC's schema, and
the GraphML readers load it."""

from __future__ import annotations

import networkx as nx

from db.session import open_database, session_scope
from graph.export import export
from graph.swept import declared_graph
from tests.fakes.hf_hub import FakeHub
from tests.fakes.hf_population import Population
from tracker.config import load_config
from tracker.sweep import sweep

NODE_KEYS = {
    "hub",
    "repo_id",
    "url",
    "roots",
    "is_root",
    "license",
    "license_issues",
    "status",
    "formats",
    "parameters",
    "downloads",
    "likes",
    "created_at",
    "last_modified",
    "first_seen",
    "last_seen",
    "aliases",
}


def test_a_swept_family_exports_to_graphml(tmp_path, caplog):
    population = Population(2_500)
    url = f"sqlite:///{tmp_path / 's.db'}"
    with FakeHub(population=population) as hub:
        sweep(
            load_config(None, overrides={"database.url": url, "hubs.huggingface.endpoint": hub.url})
        )
    engine = open_database(url)
    with session_scope(engine) as session:
        graph = declared_graph(session, "huggingface", "google/gemma-2-9b", "https://hf.co")
        assert declared_graph(session, "huggingface", "nobody/nothing", "https://hf.co") is None
    engine.dispose()
    export(graph, "graphml", tmp_path / "g.graphml")
    # a swept family holds only what SPEC's schema holds: no warning on every export
    assert "outside the schema" not in caplog.text
    loaded = nx.read_graphml(tmp_path / "g.graphml")
    assert {k.split(":", 1)[1] for k in loaded} == population.family(3)
    # every declared edge within the family, none into the model asked for (the top)
    family = {m.lower() for m in population.family(3)}
    assert {(c.split(":", 1)[1].lower(), p.split(":", 1)[1].lower())
            for p, c in loaded.edges()} == {
        (c, p) for c, p, _ in population.expected_edges()
        if c in family and p in family and c != "google/gemma-2-9b"
    }
    for _, data in loaded.nodes(data=True):
        assert NODE_KEYS <= set(data)
    assert {d["source"] for *_, d in loaded.edges(data=True)} == {"declared"}
    assert loaded.nodes["huggingface:google/gemma-2-9b"]["is_root"] is True
    dated = population.item(3)  # each member's dates from its own row, not its neighbour's
    assert loaded.nodes["huggingface:google/gemma-2-9b"]["last_modified"] == dated[
        "lastModified"
    ].replace("Z", "+00:00")
    member = max(population.family(3))
    index = next(i for i in range(2_500) if population.repo_id(i) == member)
    assert loaded.nodes[f"huggingface:{member}"]["created_at"] == population.item(index)[
        "createdAt"
    ].replace("Z", "+00:00")


def test_export_node_works_for_a_swept_model(db_url, tmp_path):
    """`tracker export --node` reads a swept family through the driver alone; the full path
    (tracker.graph_reads.export) writes the same graph."""
    from click.testing import CliRunner

    from tracker.cli import cli
    from tracker.graph_reads import export as full_path

    population = Population(1_200)
    url = db_url
    with FakeHub(population=population) as hub:
        args = ["--database", url]
        config = tmp_path / "config.toml"
        config.write_text(f'[hubs.huggingface]\nendpoint = "{hub.url}"\n')
        args = ["--config", str(config), *args]
        assert CliRunner().invoke(cli, [*args, "sweep"]).exit_code == 0
        out = tmp_path / "q.graphml"
        result = CliRunner().invoke(
            cli, [*args, "export", "--node", "Qwen/Qwen2.5-7B", "--output", str(out)]
        )
        assert result.exit_code == 0, result.output
        assert {k.split(":", 1)[1] for k in nx.read_graphml(out)} == population.family(2)
        config_ = load_config(config, overrides={"database.url": url})
        full_path(config_, "graphml", tmp_path / "full.graphml", node="Qwen/Qwen2.5-7B")
        fast, full = nx.read_graphml(out), nx.read_graphml(tmp_path / "full.graphml")
        assert dict(fast.nodes(data=True)) == dict(full.nodes(data=True))
        assert list(fast.edges(data=True)) == list(full.edges(data=True))
        result = CliRunner().invoke(cli, [*args, "export", "--node", "nobody/nothing"])
        assert result.exit_code == 2
