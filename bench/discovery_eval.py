"""Discovery quality on worlds the tests have never seen (issue 10's targets).

For each seed, builds a random Grok-like world (tests/fakes/random_world.py), serves it
through the fake hubs (tests/fakes/hf_hub.py for Hugging Face, tests/fakes/random_hubs.py for
GitHub and ModelScope, real HTTP on 127.0.0.1), runs the real `tracker crawl` on a SQLite
file, reads `tracker lineage ROOT --format json` and `tracker export --format json`, and
compares with the world's answer. Prints per seed and overall:

- member recall / precision per root (roots themselves left out of both);
- edge recall (the exact parent, any relation), inferred edge recall (edges no metadata
  declares), relation accuracy (of the edges found), lookalikes admitted;
- Hugging Face requests per member (the fake hub lists 7 items a page, to exercise paging),
  and the share of issue 3's budget they use (3 per member + 1 per 10 candidates rejected,
  each counted once) at the Hub's 1,000-item listing pages.

    python bench/discovery_eval.py [--seeds 0-9] [--size 30] [--misses] [--worlds random|blind]

`--worlds blind` builds the worlds with tests/fakes/blind_world.py instead: a second,
independent generator written from real hub habits, to find what the first one no longer does.

Targets: member recall >= 0.97, precision >= 0.99, edge recall >= 0.95, inferred >= 0.90,
relation accuracy >= 0.95, no lookalike admitted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HOME", tempfile.mkdtemp(prefix="discovery-eval-"))

TARGETS = {"recall": 0.97, "precision": 0.99, "edges": 0.95, "inferred": 0.90, "relations": 0.95}


@dataclass
class Score:
    """Counts, summed over roots and seeds; ratios at the end."""

    truth: int = 0
    found: int = 0
    hit: int = 0
    edges: int = 0
    edges_hit: int = 0
    inferred: int = 0
    inferred_hit: int = 0
    relations_ok: int = 0
    lookalikes: int = 0
    hf_requests: int = 0
    hf_members: int = 0
    hf_rejected: int = 0  # distinct Hugging Face candidates left out
    hf_small_pages: int = 0  # listing pages past a query's first: the fake hub's 7-item pages
    misses: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        for name in (
            "truth",
            "found",
            "hit",
            "edges",
            "edges_hit",
            "inferred",
            "inferred_hit",
            "relations_ok",
            "lookalikes",
            "hf_requests",
            "hf_members",
            "hf_rejected",
            "hf_small_pages",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.misses += other.misses

    def ratios(self) -> dict[str, float]:
        def div(a: int, b: int) -> float:
            return a / b if b else 1.0

        return {
            "recall": div(self.hit, self.truth),
            "precision": div(self.hit, self.found),
            "edges": div(self.edges_hit, self.edges),
            "inferred": div(self.inferred_hit, self.inferred),
            "relations": div(self.relations_ok, self.edges_hit),
            "lookalikes": float(self.lookalikes),
            "requests_per_member": div(self.hf_requests, self.hf_members),
            # issue 3's budget: 3 requests per member + 1 per 10 candidates rejected, counted
            # at the Hub's 1,000-item listing pages (every query here lists fewer than 1,000)
            "budget": div(self.hf_requests - self.hf_small_pages,
                          3 * self.hf_members + self.hf_rejected / 10),
        }


def crawl_world(
    world, workdir: Path
) -> tuple[dict[str, set[str]], set[tuple[str, str, str]], int, int, int]:
    """Serve the world, run `tracker crawl`; members per root, exported edges, HF requests,
    HF candidates rejected, HF listing pages past a query's first."""
    from click.testing import CliRunner

    from db.evidence import count_rejected
    from db.session import open_database, session_scope
    from tests.fakes.hf_hub import FakeHub
    from tests.fakes.hf_world import World
    from tests.fakes.random_hubs import github_routes, modelscope_routes
    from tracker.cli import cli

    db = f"sqlite:///{workdir / 'tracker.db'}"
    with (
        FakeHub(World(world.hf), page_size=7) as hub,
        github_routes(world.gh) as gh,
        modelscope_routes(world.ms) as ms,
    ):
        config = workdir / "config.toml"
        config.write_text(
            f'[hubs.huggingface]\nendpoint = "{hub.url}"\n\n'
            f'[hubs.github]\nendpoint = "{gh.url}"\n\n'
            f'[hubs.modelscope]\nendpoint = "{ms.url}"\n\n'
            "[crawl]\nretries = 1\ntimeout = 10.0\n"
        )
        runner = CliRunner()
        base = ["--config", str(config), "--database", db]
        out = runner.invoke(cli, [*base, "crawl"], catch_exceptions=False)
        if out.exit_code not in (0, 3):  # 3: a partial crawl is scored on what it found
            raise RuntimeError(f"crawl failed ({out.exit_code}): {out.output[-2000:]}")
        partial = out.output.strip()[-500:] if out.exit_code == 3 else ""
        requests = sum(hub.requests.values())
        small_pages = sum(1 for kind, _, path, *_ in hub.log
                          if kind == "listing" and "cursor=" in path)
    members: dict[str, set[str]] = {}
    for root in world.truth.members:
        out = runner.invoke(cli, [*base, "lineage", root, "--format", "json"])
        members[root] = {n["node"] for n in json.loads(out.stdout)["nodes"]}
    out = runner.invoke(cli, [*base, "export", "--format", "json"])
    edges = {(e["parent"], e["child"], e["relation"]) for e in json.loads(out.stdout)["edges"]}
    engine = open_database(db)
    try:
        with session_scope(engine) as session:
            rejected = count_rejected(session, "huggingface")
    finally:
        engine.dispose()
    if partial:
        print(f"          partial crawl: {partial}", file=sys.stderr)
    return members, edges, requests, rejected, small_pages


def score(world, members, edges, requests, rejected=0, small_pages=0) -> Score:
    from tests.fakes.random_world import ROOT_IDS

    roots = {f"huggingface:{r}" for r in ROOT_IDS.values()} | {"github:xai-org/grok-1"}
    s = Score()
    for root, truth in world.truth.members.items():
        want, got = truth - roots, members.get(root, set()) - roots
        s.truth += len(want)
        s.found += len(got)
        s.hit += len(want & got)
        s.misses += [f"{root}: missing {k}" for k in sorted(want - got)]
        s.misses += [f"{root}: extra {k}" for k in sorted(got - want)]
    found = {(p, c): rel for p, c, rel in edges}
    for p, c, rel in sorted(world.truth.edges):
        declared = (p, c) in world.truth.declared
        s.edges += 1
        s.inferred += not declared
        if (p, c) in found:
            s.edges_hit += 1
            s.inferred_hit += not declared
            if found[(p, c)] == rel:
                s.relations_ok += 1
            else:
                s.misses.append(f"relation {p} -> {c}: {found[(p, c)]}, want {rel}")
        else:
            got = sorted(f"{q} ({r})" for (q, k), r in found.items() if k == c)
            how = "declared" if declared else "inferred"
            s.misses.append(f"edge {p} -> {c} ({rel}, {how}): got {got or 'nothing'}")
    admitted = {k for ks in members.values() for k in ks} & world.truth.lookalikes
    s.lookalikes = len(admitted)
    s.misses += [f"lookalike admitted: {k}" for k in sorted(admitted)]
    s.hf_requests = requests
    s.hf_rejected = rejected
    s.hf_small_pages = small_pages
    s.hf_members = len({k for ks in members.values() for k in ks if k.startswith("huggingface:")})
    return s


def make_world(kind: str, seed: int, size: int):
    """The world of this seed from the chosen generator (both give the same shape)."""
    if kind == "blind":
        from tests.fakes.blind_world import blind_world

        return blind_world(seed, size=size)
    from tests.fakes.random_world import random_world

    return random_world(seed, size=size)


def evaluate(seed: int, size: int = 30, worlds: str = "random") -> Score:
    world = make_world(worlds, seed, size)
    with tempfile.TemporaryDirectory(prefix="discovery-eval-") as tmp:
        try:
            members, edges, requests, rejected, small_pages = crawl_world(world, Path(tmp))
        except Exception as exc:  # a crash scores the world as found empty, and goes on
            s = score(world, {}, set(), 0)
            s.misses.insert(0, f"crashed: {type(exc).__name__}: {exc}"[:500])
            return s
    return score(world, members, edges, requests, rejected, small_pages)


def line(label: str, r: dict[str, float]) -> str:
    return (
        f"{label:>8}: recall {r['recall']:.3f} precision {r['precision']:.3f} "
        f"edges {r['edges']:.3f} inferred {r['inferred']:.3f} "
        f"relations {r['relations']:.3f} lookalikes {int(r['lookalikes'])} "
        f"req/member {r['requests_per_member']:.2f} budget {r['budget']:.0%}"
    )


def seeds_of(text: str) -> list[int]:
    """`0-9`, `1,5,7` or both at once: `0-71,317`."""
    seeds: list[int] = []
    for part in text.split(","):
        a, _, b = part.partition("-")
        seeds += range(int(a), int(b or a) + 1)
    return seeds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0-9", help="0-9, 1,5,7 or both: 0-71,317")
    parser.add_argument("--size", type=int, default=30, help="derivatives per world, about")
    parser.add_argument("--misses", action="store_true", help="print every miss")
    parser.add_argument("--worlds", choices=("random", "blind"), default="random",
                        help="the world generator: tests/fakes/random_world.py or blind_world.py")
    args = parser.parse_args()
    total = Score()
    for seed in seeds_of(args.seeds):
        s = evaluate(seed, args.size, args.worlds)
        total.add(s)
        print(line(f"seed {seed}", s.ratios()), flush=True)
        for m in s.misses if args.misses else s.misses[:1]:
            if args.misses or m.startswith("crashed:"):  # a crash is always said
                print(f"          {m}")
    r = total.ratios()
    print(line("overall", r))
    short = [k for k, v in TARGETS.items() if r[k] < v] + (
        ["lookalikes"] if r["lookalikes"] else []
    ) + (["request budget"] if r["budget"] > 1 else [])
    print("targets met" if not short else f"below target: {', '.join(short)}")


if __name__ == "__main__":
    main()
