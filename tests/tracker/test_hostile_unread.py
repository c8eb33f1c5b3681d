"""One repo's failure loses that repo, visibly, on every hub (issue 17, items 5 and 6).

Three fake hubs speaking real HTTP on 127.0.0.1 (tests/tracker/conftest.py), with one repo's
calls failing every time: 5xx past the retries, a body cut short, JSON broken. Before: on
GitHub and ModelScope one call that gave up marked the whole hub down for every later root
(and a broken JSON body dropped the repo in an `ok` run); an unreadable candidate, on any hub,
was judged without what could not be read, rejected, and never read again.
Only a hub that answers nothing (connection refused) is down.
"""

from __future__ import annotations

import pytest

from tests.fakes.faults import Truncate, server_error
from tests.fakes.rest_hub import GH_PORT, GH_ROOT, HF_MEMBER, MS_MIRROR, calls_to
from tests.helpers.three_hubs import config_for, family
from tracker.pipeline import crawl

FAULTS = [server_error(502), Truncate(0.5), Truncate(0.5, honest_length=False)]
FAULT_IDS = ["5xx", "broken JSON", "cut-off body"]
# a file cut short with an honest length is a shorter file: only JSON shows the cut
FILE_FAULTS, FILE_FAULT_IDS = [FAULTS[0], FAULTS[2]], [FAULT_IDS[0], FAULT_IDS[2]]


def hub_down(report, hub: str) -> bool:
    return any(f"on {hub}:" in e and "not tried for" in e for e in report.errors)


@pytest.mark.parametrize("fault", FAULTS, ids=FAULT_IDS)
def test_an_unreadable_github_fork_listing_loses_only_those_forks(hubs, sqlite_url, fault):
    hf, gh, ms = hubs
    gh.faults.storm(calls_to(f"/repos/{GH_ROOT}/forks"), fault, every=1)
    report = crawl(config_for(hubs, sqlite_url))
    assert report.status == "partial", report.errors
    assert any(f"github:{GH_ROOT}" in e and "fork listing" in e for e in report.errors)
    assert not hub_down(report, "github"), report.errors
    got = family(sqlite_url)
    assert f"github:{GH_PORT}" in got  # the search went on
    gh.faults.clear()
    assert crawl(config_for(hubs, sqlite_url)).status == "ok"
    assert "github:alice/grok-1" in family(sqlite_url)


@pytest.mark.parametrize("fault", FILE_FAULTS, ids=FILE_FAULT_IDS)
def test_an_unreadable_github_candidate_is_not_checked_not_rejected(hubs, sqlite_url, fault):
    hf, gh, ms = hubs
    gh.faults.storm(calls_to(f"/repos/{GH_PORT}/readme"), fault, every=1)
    report = crawl(config_for(hubs, sqlite_url))
    assert report.status == "partial", report.errors
    assert any(f"github:{GH_PORT}" in e and "not checked" in e for e in report.errors)
    assert not hub_down(report, "github"), report.errors
    gh.faults.clear()
    assert crawl(config_for(hubs, sqlite_url)).status == "ok"
    assert f"github:{GH_PORT}" in family(sqlite_url)  # read again, and it joins


@pytest.mark.parametrize("fault", FAULTS, ids=FAULT_IDS)
def test_an_unreadable_modelscope_candidate_is_not_checked_not_rejected(hubs, sqlite_url, fault):
    hf, gh, ms = hubs
    ms.faults.storm(calls_to(MS_MIRROR), fault, every=1)
    report = crawl(config_for(hubs, sqlite_url))
    assert report.status == "partial", report.errors
    assert any(f"modelscope:{MS_MIRROR}" in e for e in report.errors), report.errors
    assert not hub_down(report, "modelscope"), report.errors
    assert f"github:{GH_PORT}" in family(sqlite_url)  # the hubs after it went on
    ms.faults.clear()
    assert crawl(config_for(hubs, sqlite_url)).status == "ok"
    assert f"modelscope:{MS_MIRROR}" in family(sqlite_url)


def test_a_hub_that_refuses_connections_is_down_in_one_line(hubs, sqlite_url):
    hf, gh, ms = hubs
    config = config_for(hubs, sqlite_url)
    gh.stop()
    report = crawl(config)
    assert report.status == "partial"
    lines = [e for e in report.errors if "github" in e]
    assert len(lines) == 1 and hub_down(report, "github"), report.errors
    got = family(sqlite_url)
    assert f"huggingface:{HF_MEMBER}" in got and f"modelscope:{MS_MIRROR}" in got


# --- the Hub's discovery -----------------------------------------------------------------------

READ_TO_DECIDE = {  # candidates discovery decides on one file read, and that file
    "loraguy/grok-1-lora-sql": "adapter_config.json",
    "porter/grok-1-code": "README.md",
}


@pytest.mark.parametrize("candidate", sorted(READ_TO_DECIDE))
@pytest.mark.parametrize("fault", FILE_FAULTS, ids=FILE_FAULT_IDS)
def test_an_unreadable_hub_candidate_is_not_checked_not_rejected(
    hubs, sqlite_url, candidate, fault
):
    hf, gh, ms = hubs
    hf.faults.storm(lambda r: r.path.startswith(f"/{candidate}/resolve/"), fault, every=1)
    report = crawl(config_for(hubs, sqlite_url))
    assert report.status == "partial", report.errors
    assert any(candidate in e and "not checked" in e for e in report.errors), report.errors
    assert not hub_down(report, "huggingface"), report.errors
    hf.faults.clear()
    report = crawl(config_for(hubs, sqlite_url))
    assert report.status == "ok", report.errors
    assert f"huggingface:{candidate}" in family(sqlite_url)
