"""A generated Grok family of any size as the graph `graph.build` returns, for the html
export's tests and bench/html_bench.py (no database or hub needed at 10,000 nodes).

Shaped like the real families: a root on two hubs, fine-tunes and conversions of the root,
quantizations and adapters of those, a few merges with two parents, inferred edges, removed
and gated repos, and license issues; every attribute of the export schema set.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import networkx as nx

ROOT = "huggingface:xai-org/grok-1"
MIRROR = "github:xai-org/grok-1"
T0 = datetime(2024, 3, 17, tzinfo=UTC)
# (relation, share) per generation below the root
SHAPE = (
    (("finetune", 5), ("conversion", 3), ("fork", 2)),
    (("quantization", 6), ("finetune", 2), ("adapter", 2), ("merge", 1)),
    (("quantization", 7), ("adapter", 2), ("tokenizer", 1), ("other", 1)),
)


def node_attrs(key: str, rng: random.Random, **extra) -> dict:
    hub, _, repo_id = key.partition(":")
    seen = T0 + timedelta(days=rng.randrange(600), minutes=rng.randrange(1440))
    attrs = {
        "hub": hub,
        "repo_id": repo_id,
        "url": f"https://huggingface.co/{repo_id}" if hub == "huggingface" else "",
        "roots": "grok-1",
        "is_root": False,
        "license": rng.choice(("apache-2.0", "apache-2.0", "apache-2.0", "mit", "")),
        "license_issues": "",
        "status": rng.choices(("active", "gated", "removed"), (40, 1, 2))[0],
        "formats": rng.choice(("safetensors", "gguf", "safetensors,gguf", "mlx")),
        "parameters": rng.choice((0, 314_000_000_000, 8_000_000_000)),
        "downloads": rng.randrange(100_000),
        "likes": rng.randrange(500),
        "created_at": seen.isoformat(),
        "last_modified": (seen + timedelta(days=3)).isoformat(),
        "first_seen": seen.isoformat(),
        "last_seen": (seen + timedelta(days=30)).isoformat(),
        "aliases": "",
    }
    if not attrs["license"]:
        attrs["license_issues"] = "missing"
    attrs.update(extra)
    return attrs


def edge_attrs(relation: str, parent: str, rng: random.Random) -> dict:
    declared = rng.random() < 0.8
    return {
        "relation": relation,
        "source": "declared" if declared else "inferred",
        "confidence": 1.0 if declared else round(rng.uniform(0.5, 0.95), 2),
        "evidence": f"card base_model: {parent.partition(':')[2]}"
        if declared
        else "identical sha256 of 3 weight files",
        "first_seen": T0.isoformat(),
    }


def family(size: int, seed: int = 12) -> nx.DiGraph:
    """A family of exactly `size` nodes (at least 2), deterministic for a seed."""
    rng = random.Random(seed)
    graph = nx.DiGraph(roots="grok-1")
    graph.add_node(ROOT, **node_attrs(ROOT, rng, is_root=True, status="active",
                                      license="apache-2.0", license_issues=""))
    graph.add_node(MIRROR, **node_attrs(MIRROR, rng, is_root=True, status="active",
                                        license="apache-2.0", license_issues=""))
    layer = [ROOT, MIRROR]
    made = 2
    shares = (0.08, 0.3, 1.0)  # of the family in generations 1, 2 and 3 (cumulative)
    for generation, mix in enumerate(SHAPE, start=1):
        share = shares[generation - 1]
        goal = size if generation == len(SHAPE) else max(made + 1, int(size * share))
        relations = [r for r, share in mix for _ in range(share)]
        below = []
        while made < min(goal, size):
            relation = rng.choice(relations)
            key = f"huggingface:user{made % 997}/grok-1-{relation}-{made}"
            graph.add_node(key, **node_attrs(key, rng))
            parents = rng.sample(layer, 2) if relation == "merge" and len(layer) > 1 else [
                rng.choice(layer)
            ]
            for parent in parents:
                graph.add_edge(parent, key, **edge_attrs(relation, parent, rng))
            below.append(key)
            made += 1
        layer = below or layer
    return graph
