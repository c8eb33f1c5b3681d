"""Rejections judged against an incomplete family are reconsidered (issue 17, item 7).

Three fake hubs speaking real HTTP on 127.0.0.1: the Grok world on the fake Hub, and a small
GitHub and ModelScope (tests/fakes/rest_hub.py) whose port and mirror join only through a
member that a crawl of the Hub finds (huggingface:hpcai-tech/grok-1). Before: a crawl that
covered one hub, or ran while the Hub was down, judged them against a family without that
member, saved the rejection, and every later full crawl skipped them unread, for good.
"""

from __future__ import annotations

import pytest

from tests.fakes.rest_hub import GH_LOOKALIKE, GH_PORT, MS_LOOKALIKE, MS_MIRROR
from tests.helpers.three_hubs import config_for, family
from tracker.pipeline import crawl

JOIN_LATE = {f"github:{GH_PORT}", f"modelscope:{MS_MIRROR}"}


@pytest.mark.parametrize(
    "first",
    [["github"], ["modelscope"], ["github", "modelscope"]],
    ids=["github only", "modelscope only", "without the hub"],
)
def test_a_crawl_of_some_hubs_leaves_no_member_out_of_a_full_crawl(hubs, sqlite_url, first):
    config = config_for(hubs, sqlite_url)
    report = crawl(config, hubs=first)
    assert report.status == "ok", report.errors
    assert not JOIN_LATE & family(sqlite_url)  # their member is not known yet
    report = crawl(config)
    assert report.status == "ok", report.errors
    got = family(sqlite_url)
    assert JOIN_LATE <= got, sorted(got)
    assert not {f"github:{GH_LOOKALIKE}", f"modelscope:{MS_LOOKALIKE}"} & got


def test_a_crawl_while_the_hub_is_down_leaves_no_member_out(hubs, sqlite_url):
    hf, gh, ms = hubs
    config = config_for(hubs, sqlite_url)
    hf.stop()  # connection refused: the Hub's members stay unknown this time
    try:
        report = crawl(config)
    finally:
        hf.start()
    assert report.status == "partial", report.errors
    assert any("on huggingface" in e and "not tried for grok-2" in e for e in report.errors)
    config = config_for(hubs, sqlite_url)  # the restarted Hub listens on another port
    report = crawl(config)
    assert report.status == "ok", report.errors
    assert JOIN_LATE <= family(sqlite_url)


def test_rejections_of_a_complete_crawl_are_not_read_again(hubs, sqlite_url):
    """The first crawl judges the Hub's candidates before the other hubs find their members;
    the second judges them once more against the whole family; from then on an unchanged
    world costs the same every day, and no rejected lookalike is read again."""
    hf, gh, ms = hubs
    config = config_for(hubs, sqlite_url)
    costs = []
    for _ in range(4):
        for hub in hubs:
            hub.reset_counts()
        assert crawl(config).status == "ok"
        costs.append([h.total for h in hubs])
        lookalike_reads = [
            p for _, _, p, _ in gh.log + ms.log if GH_LOOKALIKE in p or MS_LOOKALIKE in p
        ]
    totals = [sum(c) for c in costs]
    assert totals[0] > totals[1] >= totals[2] and costs[2] == costs[3], costs
    assert lookalike_reads == [], "a rejected lookalike, unchanged, was read again"
    assert JOIN_LATE <= family(sqlite_url)
