"""The html export in a real browser: Debian's Chromium, headless, driven by Selenium, with
every network request blocked. At 34 nodes (the offline Grok world, crawled from the fake Hub
and exported by the CLI) and at 10,000 (a generated family): no console error, no request
leaves the file, every node and edge drawn, search selects, a click shows the evidence, a
filter hides what it should; a screenshot of each is kept in the test's tmp_path."""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from graph.export import export
from tests.fakes import grok_world
from tests.fakes.big_family import family
from tests.fakes.hf_hub import FakeHub
from tests.graph.browser import Browser, available
from tracker.cli import cli


@pytest.fixture(scope="module")
def browser():
    if not available():
        reason = "chromium and chromium-driver are not installed (.ci/run installs them)"
        if os.environ.get("CI"):
            pytest.fail(reason + " (CI is set, so this is a failure)")
        pytest.skip(reason)
    chromium = Browser()
    yield chromium
    chromium.close()


@pytest.fixture(scope="module")
def offline_world(tmp_path_factory) -> tuple[Path, dict]:
    """The Grok world crawled from the fake Hub: the html page and the same graph as JSON."""
    out = tmp_path_factory.mktemp("world")
    db = f"sqlite:///{out / 'tracker.db'}"
    runner = CliRunner()
    with FakeHub(grok_world.fake_repos()) as hub:
        crawl = runner.invoke(cli, ["--database", db, "crawl", "--hub", "huggingface"],
                              env={"HF_ENDPOINT": hub.url})
    assert crawl.exit_code == 0, crawl.output
    page = out / "family.html"
    for fmt, path in (("html", page), ("json", out / "family.json")):
        result = runner.invoke(cli, ["--database", db, "export", "--format", fmt, "-o", str(path)])
        assert result.exit_code == 0, result.output
    return page, json.loads((out / "family.json").read_text())


def counts(browser) -> tuple[int, int]:
    """Nodes and edges drawn: cytoscape's visible elements, or what the canvas view stroked
    in its last frame."""
    return tuple(browser.js("return lineage.drawn()"))


def index_of(browser, key: str) -> int:
    return browser.js("return JSON.parse(document.getElementById('lineage-data').textContent)"
                      ".nodes.findIndex(r => r[0] === arguments[0])", key)


def check_offline(browser, page: Path) -> None:
    assert browser.console_errors() == []
    requests = browser.requests()
    assert requests and set(requests) <= {page.resolve().as_uri()}


def search(browser, text: str, expected: str) -> None:
    box = browser.driver.find_element(By.ID, "search")
    box.clear()
    box.send_keys(text)
    WebDriverWait(browser.driver, 20).until(
        lambda d: d.find_element(By.ID, "details-key").text == expected
        if d.find_elements(By.ID, "details-key") else False
    )
    assert browser.js("return lineage.selected()") == index_of(browser, expected)
    if browser.js("return lineage.view") == "cytoscape":
        selected = browser.js("return lineage.cy.$('node:selected').map(n => n.id())")
        assert selected == [f"n{index_of(browser, expected)}"]


def click_node(browser, key: str) -> str:
    """Bring `key`'s node to the middle of the view, click it there like a user, and return
    the details panel's text."""
    browser.js("lineage.centerOn(arguments[0])", index_of(browser, key))
    canvas = browser.driver.find_element(By.ID, "cy")
    ActionChains(browser.driver).move_to_element(canvas).click().perform()
    WebDriverWait(browser.driver, 20).until(
        lambda d: d.find_elements(By.ID, "details-key")
        and d.find_element(By.ID, "details-key").text == key
    )
    return browser.driver.find_element(By.ID, "details").text


def uncheck(browser, name: str, value: str) -> None:
    browser.driver.find_element(By.CSS_SELECTOR, f"input[name={name}][value={value}]").click()


def test_the_offline_world_page_draws_every_node_and_answers_the_user(
    browser, offline_world, tmp_path
):
    page, data = offline_world
    nodes, edges = data["nodes"], data["edges"]
    assert len(nodes) == 34
    browser.open(page)
    check_offline(browser, page)
    assert counts(browser) == (len(nodes), len(edges))
    assert browser.js("return lineage.cy.nodes().length") == len(nodes)

    deepest = max(nodes, key=lambda n: (n["id"].count("-"), n["id"]))["id"]
    search(browser, deepest.split(":", 1)[1].upper(), deepest)  # a repo id, any case

    edge = next(e for e in edges if e["evidence"])
    text = click_node(browser, edge["child"])
    assert edge["evidence"] in text
    assert f"{edge['relation']}, {edge['source']}, confidence {edge['confidence']:.2f}" in text
    url = next(n["url"] for n in nodes if n["id"] == edge["child"])
    link = browser.driver.find_element(By.CSS_SELECTOR, "#details a")
    assert link.get_attribute("href") == url and link.text == "Open on huggingface"

    relation = Counter(e["relation"] for e in edges).most_common(1)[0][0]
    children = {e["child"] for e in edges if e["relation"] == relation}
    browser.driver.find_element(By.ID, "search").clear()
    uncheck(browser, "relation", relation)
    WebDriverWait(browser.driver, 20).until(lambda d: counts(browser)[0] < len(nodes))
    hidden = browser.js("return lineage.hidden()")
    rows = JSON_ROWS(browser)
    assert {rows[h] for h in hidden} == children_with(data, relation)
    assert children <= {rows[h] for h in hidden}
    listed = browser.js("return [...document.querySelectorAll('#rows tr td:nth-child(2)')]"
                        ".map(td => td.textContent)")
    assert relation not in listed and len(listed) == len(nodes) - len(hidden)

    shot = tmp_path / "lineage-34.png"
    assert browser.driver.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
    check_offline(browser, page)


def JSON_ROWS(browser) -> list[str]:  # noqa: N802
    return browser.js("return JSON.parse(document.getElementById('lineage-data').textContent)"
                      ".nodes.map(r => r[0])")


def children_with(data: dict, relation: str) -> set[str]:
    """The nodes the page colours by `relation`: their strongest parent edge has it."""
    best: dict[str, tuple] = {}
    for e in data["edges"]:
        rank = (e["source"] == "declared", e["confidence"], e["parent"])
        if e["child"] not in best or rank > best[e["child"]][0]:
            best[e["child"]] = (rank, e["relation"])
    roots = {n["id"] for n in data["nodes"] if n["is_root"]}
    return {k for k, (_, r) in best.items() if r == relation and k not in roots}


def test_ten_thousand_nodes_are_all_drawn_and_the_page_stays_usable(browser, tmp_path):
    start = time.perf_counter()
    graph = family(10_000)
    page = tmp_path / "family-10000.html"
    export(graph, "html", page)
    browser.open(page, timeout=50)
    check_offline(browser, page)
    assert counts(browser) == (10_000, graph.number_of_edges())

    key = sorted(graph.nodes)[4321]
    search(browser, key.split(":")[1], key)
    parent = next(iter(graph.predecessors(key)))
    text = click_node(browser, key)
    assert graph.edges[parent, key]["evidence"] in text

    browser.driver.find_element(By.ID, "search").clear()
    uncheck(browser, "hub", "github")
    browser.driver.find_element(By.ID, "fit").click()
    WebDriverWait(browser.driver, 30).until(lambda d: counts(browser)[0] == 9_999)
    shot = tmp_path / "lineage-10000.png"
    assert browser.driver.save_screenshot(str(shot))
    check_offline(browser, page)
    assert time.perf_counter() - start < 60
