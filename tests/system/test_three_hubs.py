"""`tracker crawl` over all three hubs at once, end to end (issue 6, items 3 and 4).

The real CLI, pipeline and default crawler factory, with every endpoint from the config file:
Hugging Face is the fake Hub over HTTP on 127.0.0.1 (tests/fakes/hf_hub.py, the Grok world);
GitHub and ModelScope are fakes behind `responses`, which intercepts `requests` only, so the Hub
client's httpx traffic passes untouched (asserted: no intercepted call went to the fake Hub).
Any request the fakes do not know is refused, so a stray call to a real hub fails the test.

The worlds: grok-1 has `github:xai-org/grok-1` with two pages of forks (a `Link` header), a
fork of a fork, a search hit whose README names the Hugging Face root, and a lookalike named
grok; ModelScope lists a mirror of huggingface:hpcai-tech/grok-1 (the very sha256s the fake Hub
serves for it) and a lookalike. Retries are 1 and the crawlers' `sleep` is a recorder, so a hub
answering 503 costs no wall-clock time.
"""

from __future__ import annotations

import hashlib
import json
import re
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

import networkx as nx
import pytest
import responses
from click.testing import CliRunner

from crawlers.github.crawler import GitHubCrawler
from crawlers.huggingface.crawler import HuggingFaceCrawler
from crawlers.modelscope.crawler import ModelScopeCrawler
from db import repository as repo
from db.session import open_database, session_scope
from tests.fakes import grok_world
from tests.fakes.github_api import repo as gh_repo
from tests.fakes.hf_hub import FakeHub
from tests.fakes.modelscope_api import item as ms_item
from tracker.cli import cli

GH = "https://api.github.fake"
MS = "https://modelscope.fake"
GH_ROOT = "xai-org/grok-1"
HF_PORT = "hpcai-tech/grok-1"
MS_MIRROR = "colossalai/grok-1-pytorch"
MS_LOOKALIKE = "phi-fan/grok-chat"
GH_PORT = "porter/grok-1-pytorch"
GH_LOOKALIKE = "carol/grok-patterns"
GH_FORKS = ("alice/grok-1", "bob/grok-1", "carol/grok-1", "dan/grok-1")  # dan forks alice


# --- fakes of the two REST hubs ----------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    path: str
    query: frozenset
    if_none_match: str | None
    status: int
    etag: str | None


class FakeRest:
    """One hub's REST API as a `responses` callback: routes by path and query, ETags with a 304
    for a matching `If-None-Match` (when `etags`), a `down` switch that answers 503 to
    everything, and a log of every call."""

    def __init__(self, base: str, *, etags: bool, not_found: object) -> None:
        self.base = base
        self.etags = etags
        self.not_found = not_found
        self.routes: dict[tuple[str, frozenset], tuple[str, dict[str, str]]] = {}
        self.calls: list[Call] = []
        self.down = False

    def add(self, path: str, body: object, *, query: dict | None = None, **headers: str) -> None:
        raw = isinstance(body, str)
        payload = body if raw else json.dumps(body)
        kind = "text/plain; charset=utf-8" if raw else "application/json; charset=utf-8"
        key = (path, frozenset((k, str(v)) for k, v in (query or {}).items()))
        self.routes[key] = (payload, {"Content-Type": kind, **headers})

    def install(self, mock: responses.RequestsMock) -> None:
        mock.add_callback(
            responses.GET, re.compile("^" + re.escape(self.base) + "/"), callback=self._answer
        )

    def _answer(self, request):
        parts = urlsplit(request.url)
        key = (parts.path, frozenset(parse_qsl(parts.query)))
        sent = request.headers.get("If-None-Match")
        status, headers, payload, etag = 404, {}, json.dumps(self.not_found), None
        if self.down:
            status, payload = 503, json.dumps({"message": "Service Unavailable"})
        elif key in self.routes:
            payload, headers = self.routes[key]
            headers = dict(headers)
            if self.etags:
                etag = '"' + hashlib.sha1(payload.encode()).hexdigest()[:20] + '"'
                headers["ETag"] = etag
            status = 304 if etag is not None and sent == etag else 200
            if status == 304:
                payload = ""
        self.calls.append(Call(parts.path, key[1], sent, status, etag))
        return status, headers, payload


def fake_github() -> FakeRest:
    gh = FakeRest(GH, etags=True, not_found={"message": "Not Found"})
    forks = {"per_page": 100, "sort": "oldest"}
    page2 = {"page": 2, **forks}
    gh.add(f"/repos/{GH_ROOT}", gh_repo(GH_ROOT, forks=3, stars=49000))
    gh.add(
        f"/repos/{GH_ROOT}/forks",
        [gh_repo("alice/grok-1", forks=1), gh_repo("bob/grok-1")],
        query=forks,
        Link=f'<{GH}/repositories/1/forks?page=2&per_page=100&sort=oldest>; rel="next"',
    )
    gh.add("/repositories/1/forks", [gh_repo("carol/grok-1", spdx="MIT")], query=page2)
    gh.add("/repos/alice/grok-1/forks", [gh_repo("dan/grok-1")], query=forks)
    hits = [
        gh_repo(GH_ROOT, fork=False),
        gh_repo(GH_PORT, fork=False, stars=12),
        gh_repo(GH_LOOKALIKE, fork=False, spdx="MIT"),
    ]
    gh.add(
        "/search/repositories",
        {"total_count": 3, "incomplete_results": False, "items": hits},
        query={"q": "grok", "per_page": 100},
    )
    gh.add(f"/repos/{GH_ROOT}/readme", "# Grok-1\n\nJAX example code for the open weights.\n")
    gh.add(
        f"/repos/{GH_PORT}/readme",
        "# Grok-1 in PyTorch\n\nWeights from https://huggingface.co/xai-org/grok-1.\n"
        "This script will convert the JAX checkpoint to PyTorch weights.\n",
    )
    gh.add(
        f"/repos/{GH_LOOKALIKE}/readme",
        "# Grok patterns\n\nLogstash grok patterns for nginx and haproxy logs.\n",
    )
    return gh


def _ms_files(files: list[tuple[str, int, str | None]]) -> dict:
    entries = [
        {
            "Name": p.rsplit("/", 1)[-1],
            "Path": p,
            "Type": "blob",
            "Size": size,
            **({"Sha256": sha} if sha else {}),
        }
        for p, size, sha in files
    ]
    return {"Code": 200, "Data": {"Files": entries}, "Success": True}


def fake_modelscope() -> FakeRest:
    ms = FakeRest(
        MS,
        etags=False,
        not_found={"Code": 10010205001, "Message": "model not exist", "Success": False},
    )
    port = grok_world.world_repo(HF_PORT)  # what the fake Hub serves for hpcai-tech/grok-1
    mirror_files = [(p, 4_000_000_000, grok_world.sha(label)) for p, label in port.lfs.items()]
    mirror_files.append(("README.md", 120, None))
    lookalike_files = [
        ("model.safetensors", 900_000_000, grok_world.sha("phi-fan/own-weights")),
        ("README.md", 80, None),
    ]
    items = [ms_item(MS_MIRROR, license="Apache License 2.0"), ms_item(MS_LOOKALIKE)]
    ms.add(
        "/openapi/v1/models",
        {"success": True, "data": {"models": items, "total_count": 2}},
        query={"search": "grok", "page_number": 1, "page_size": 50},
    )
    listing = {"Revision": "master", "Recursive": "True"}
    readme = {"Revision": "master", "FilePath": "README.md"}
    for rid, files, card in (
        (MS_MIRROR, mirror_files, f"# Grok-1 PyTorch\n\nA mirror of {HF_PORT} for China.\n"),
        (
            MS_LOOKALIKE,
            lookalike_files,
            "# grok-chat\n\nA small chat model trained from scratch; the name is a joke.\n",
        ),
    ):
        ms.add(f"/openapi/v1/models/{rid}", {"success": True, "data": ms_item(rid)})
        ms.add(f"/api/v1/models/{rid}/repo/files", _ms_files(files), query=listing)
        ms.add(f"/api/v1/models/{rid}/repo", card, query=readme)
    return ms


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hf():
    with FakeHub(grok_world.fake_repos()) as hub:
        yield hub


@pytest.fixture
def sleeps(monkeypatch):
    """The default factory gives no way to inject a clock, so the crawlers' defaults are
    swapped: `sleep` records instead of sleeping, jitter is pinned."""
    slept: list[float] = []
    for cls in (GitHubCrawler, ModelScopeCrawler, HuggingFaceCrawler):
        monkeypatch.setitem(cls.__init__.__kwdefaults__, "sleep", slept.append)
        monkeypatch.setitem(cls.__init__.__kwdefaults__, "jitter", lambda: 0.0)
    return slept


@dataclass
class World:
    hf: FakeHub
    gh: FakeRest
    ms: FakeRest
    mock: responses.RequestsMock
    config: str
    db: str
    sleeps: list[float]

    def run(self, *args: str):
        result = CliRunner().invoke(
            cli, ["--config", self.config, "--database", self.db, *args], catch_exceptions=False
        )
        # whatever happened, the Hub's httpx traffic never went through `responses`
        assert not [c for c in self.mock.calls if c.request.url.startswith(self.hf.url)]
        return result

    def lineage(self, target: str = "grok-1") -> dict[str, dict]:
        result = self.run("lineage", target, "--format", "json")
        assert result.exit_code == 0, result.output
        return {row["node"]: row for row in json.loads(result.stdout)["nodes"]}


@pytest.fixture
def world(hf, db_url, tmp_path, sleeps, monkeypatch):
    for name in ("TRACKER_HUBS", "TRACKER_MAX_RETRY_WAIT", "TRACKER_LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "config.toml"
    config.write_text(
        f'[hubs.huggingface]\nendpoint = "{hf.url}"\n\n'
        f'[hubs.github]\nendpoint = "{GH}"\n\n'
        f'[hubs.modelscope]\nendpoint = "{MS}"\n\n'
        "[crawl]\nretries = 1\ntimeout = 10.0\n"
    )
    gh, ms = fake_github(), fake_modelscope()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        gh.install(mock)
        ms.install(mock)
        hf.reset_counts()
        yield World(hf, gh, ms, mock, str(config), db_url, sleeps)


def hf_family() -> set[str]:
    return {f"huggingface:{r}" for r in grok_world.expected_family("grok-1")}


GH_MEMBERS = {f"github:{r}" for r in (GH_ROOT, *GH_FORKS, GH_PORT)}


# --- tests -------------------------------------------------------------------------------------


def test_one_crawl_of_three_hubs_builds_one_family(world, tmp_path):
    result = world.run("crawl")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("run 1: ok")
    assert world.hf.requests["model_info"] + world.hf.requests["listing"] > 0
    assert world.gh.calls and world.ms.calls

    rows = world.lineage()
    assert {row["hub"] for row in rows.values()} == {"huggingface", "modelscope", "github"}
    assert all(row["node"].startswith(row["hub"] + ":") for row in rows.values())
    assert hf_family() | GH_MEMBERS | {f"modelscope:{MS_MIRROR}"} <= set(rows)
    for lookalike in (f"modelscope:{MS_LOOKALIKE}", f"github:{GH_LOOKALIKE}"):
        assert lookalike not in rows
    assert not {k for k in rows if k.removeprefix("huggingface:") in grok_world.lookalikes()}

    mirror = rows[f"modelscope:{MS_MIRROR}"]
    assert (mirror["parent"], mirror["relation"], mirror["source"]) == (
        f"huggingface:{HF_PORT}",
        "fork",
        "inferred",
    )
    assert mirror["license"] == "apache-2.0"
    dan = rows["github:dan/grok-1"]  # a fork of a fork
    assert (dan["parent"], dan["relation"], dan["depth"]) == ("github:alice/grok-1", "fork", 2)
    assert rows["github:carol/grok-1"]["license"] == "mit"  # from the second fork page
    port = rows[f"github:{GH_PORT}"]  # joined from search, on its README
    assert (port["parent"], port["relation"]) == (f"huggingface:{GH_ROOT}", "conversion")
    assert rows[f"github:{GH_ROOT}"]["depth"] == 0 and rows[f"huggingface:{GH_ROOT}"]["depth"] == 0

    out = tmp_path / "grok.graphml"
    result = world.run("export", "--format", "graphml", "--output", str(out))
    assert result.exit_code == 0, result.output
    graph = nx.read_graphml(out)
    assert {graph.nodes[n]["hub"] for n in graph} == {"huggingface", "modelscope", "github"}
    assert set(rows) <= set(graph)
    assert f"modelscope:{MS_LOOKALIKE}" not in graph and f"github:{GH_LOOKALIKE}" not in graph
    edge = graph.edges[f"huggingface:{HF_PORT}", f"modelscope:{MS_MIRROR}"]
    assert (edge["relation"], edge["source"]) == ("fork", "inferred")
    assert isinstance(edge["confidence"], float) and 0.9 <= edge["confidence"] <= 1.0
    assert "shares" in edge["evidence"] and HF_PORT in edge["evidence"]
    assert graph.edges["github:alice/grok-1", "github:dan/grok-1"]["relation"] == "fork"
    root = graph.nodes[f"github:{GH_ROOT}"]
    assert root["is_root"] is True and root["roots"] == "grok-1"
    assert root["likes"] == 49000 and isinstance(root["parameters"], int)
    assert graph.nodes[f"modelscope:{MS_MIRROR}"]["is_root"] is False
    assert isinstance(graph.nodes[f"huggingface:{HF_PORT}"]["parameters"], int)


def test_github_down_alone_keeps_the_other_hubs_and_marks_nothing_removed(world):
    world.gh.down = True
    result = world.run("crawl")
    assert result.exit_code == 3, result.output
    assert result.stdout.startswith("run 1: partial")
    # one line for the hub: once unreachable it is not waited on again for grok-2
    errors = [line for line in result.stdout.splitlines() if line.startswith("error:")]
    assert [line.split(":")[1] for line in errors] == [" grok-1 on github"]
    assert "HTTP 503" in errors[0] and "(not tried for grok-2)" in errors[0]
    assert all(c.status == 503 for c in world.gh.calls)
    # the one request was tried twice (crawl.retries = 1) and the backoff never slept for real
    assert len(world.gh.calls) == 2 and world.sleeps == [0.5]
    rows = world.lineage()
    assert hf_family() | {f"modelscope:{MS_MIRROR}"} <= set(rows)  # what the others gave
    assert not any(k.startswith("github:") for k in rows)

    world.gh.down = False
    assert world.run("crawl").exit_code == 0
    before = world.lineage()
    assert GH_MEMBERS <= set(before)

    world.gh.down = True
    result = world.run("crawl")
    assert result.exit_code == 3, result.output
    assert "run 3: partial" in result.stdout
    after = world.lineage()
    assert set(after) == set(before)
    assert {row["status"] for row in after.values()} == {"active"}
    changes = world.run("changes", "--format", "json")
    assert changes.exit_code == 0, changes.output
    for name, root in json.loads(changes.stdout)["roots"].items():
        assert root["removed"] == [] and root["status_changes"] == [], name


def test_a_second_crawl_asks_github_with_the_etags_kept_in_the_database(world):
    first = world.run("crawl", "--format", "json")
    assert first.exit_code == 0, first.output
    before = world.lineage()
    sent = {(c.path, c.query): c.etag for c in world.gh.calls}
    assert all(c.if_none_match is None and c.status == 200 for c in world.gh.calls)
    with store(world.db) as session:  # the validators live in hub_cache, not in a process
        cache = repo.load_cache(session, "github", "http")
    assert cache[f"{GH}/repos/{GH_ROOT}"][0] == sent[(f"/repos/{GH_ROOT}", frozenset())]

    world.gh.calls.clear()
    second = world.run("crawl", "--format", "json")
    assert second.exit_code == 0, second.output
    report = json.loads(second.stdout)
    assert all(c["new"] == c["changed"] == c["removed"] == 0 for c in report["roots"].values())
    paths = {c.path for c in world.gh.calls}
    assert {
        f"/repos/{GH_ROOT}",
        f"/repos/{GH_ROOT}/forks",
        "/repositories/1/forks",
        "/repos/alice/grok-1/forks",
        "/search/repositories",
    } <= paths
    for call in world.gh.calls:  # every one conditional, with the ETag sent the first time
        assert call.if_none_match == sent[(call.path, call.query)] and call.status == 304, call
    github = {k: n for k, n in report["requests"].items() if k.startswith("github ")}
    assert github and all(k.endswith("_304") for k in github), github
    assert world.lineage() == before


@contextmanager
def store(url: str):
    engine = open_database(url)
    try:
        with session_scope(engine) as session:
            yield session
    finally:
        engine.dispose()
