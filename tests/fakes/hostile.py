"""Hostile worlds for the fake Hub: what anyone who can upload to a hub can serve (issue 17).

Builders of repos whose content attacks the crawler, to serve with `FakeHub`:
`declared_chain(n)` (a root and a chain of `n` repos each declaring the previous one),
`yaml_bomb_repo(id)` (a candidate named like Grok whose mergekit config is a 1.3 KB "billion
laughs"), and `off_host(hub, other, path)` (a canned redirect to the same path on another fake
hub, whose answer must not be taken as data about ours). Link loops and 429 storms are faults
(`Relink`, `FaultQueue.storm` in tests/fakes/faults.py).
"""

from __future__ import annotations

from tests.fakes.faults import Reply
from tests.fakes.hf_world import FakeFile, FakeRepo, _weights

ROOT = "xai-org/grok-1"

# Nine levels of nine aliases: 9**9 "lol"s for any walker that expands them; 1.3 KB of text.
BILLION_LAUGHS = "\n".join(
    [
        "merge_method: slerp",
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        *(
            f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]"
            for i in range(8)
        ),
        "models:",
        "  - model: *i",
        "    parameters: {weight: *i}",
        "  - model: *i",
        f"base_model: {ROOT}",
    ]
)


def grok_root(repo_id: str = ROOT) -> FakeRepo:
    return FakeRepo(
        id=repo_id,
        card={"license": "apache-2.0"},
        card_text="# Grok-1\n",
        files=_weights(repo_id, 2, "safetensors"),
        config={"architectures": ["Grok1ModelForCausalLM"], "model_type": "grok-1"},
        safetensors={"parameters": {"BF16": 314_000_000_000}, "total": 314_000_000_000},
    )


def declared_chain(n: int, *, root: str = ROOT, owner: str = "chain") -> list[FakeRepo]:
    """The root and `n` fine-tunes, each declaring the one before as `base_model`."""
    repos = [grok_root(root)]
    parent = root
    for i in range(n):
        repo_id = f"{owner}/link-{i}"
        repos.append(
            FakeRepo(
                id=repo_id,
                card={"license": "apache-2.0", "base_model": parent,
                      "base_model_relation": "finetune"},
                files=_weights(repo_id, 2, "safetensors"),
            )
        )
        parent = repo_id
    return repos


def yaml_bomb_repo(repo_id: str = "bomber/grok-1-merge") -> FakeRepo:
    """A candidate that discovery reads (its name says grok, it holds a mergekit config)."""
    return FakeRepo(
        id=repo_id,
        card={"license": "apache-2.0", "tags": ["mergekit", "merge"]},
        card_text="# a merge\n",
        files=[
            FakeFile("mergekit_config.yml", len(BILLION_LAUGHS), None, BILLION_LAUGHS.encode()),
            *_weights(repo_id, 2, "safetensors"),
        ],
        config={"architectures": ["Grok1ModelForCausalLM"], "model_type": "grok-1"},
    )


def off_host(other_url: str, path: str, query: str = "") -> Reply:
    """A 307 to `path` on another host: what it answers is that host's word, not our hub's."""
    location = f"{other_url}{path}" + (f"?{query}" if query else "")
    return Reply(307, {"Location": location, "Content-Type": "text/plain"}, b"")
