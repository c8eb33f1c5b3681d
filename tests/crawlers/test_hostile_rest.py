"""Hostile GitHub and ModelScope answers (issue 17): loops, off-host redirects, long READMEs.

The fake REST hubs (`responses`) serve a fork listing whose `Link: rel="next"` points back at
itself, exactly or with a parameter that changes each time (before: 2,000 requests per repo),
a repo lookup redirected to another host (before: that host's JSON stored as our repo), and a
README longer than the read limit (its unread rest is not evidence of a missing notice).
"""

from __future__ import annotations

import itertools

import responses

from crawlers.base import CrawlWarning, MemberFacts, RepoRecord
from tests.fakes.github_api import API, ROOT, Clock, crawler, ctx, forks_url, q, repo


def _loop_callback(changing: bool):
    counter = itertools.count()

    def answer(request):
        link = f"{API}/repositories/9/forks?per_page=100&sort=oldest&page=2"
        if changing:
            link += f"&_loop={next(counter)}"
        body = '[{"full_name": "alice/grok-1", "id": 7, "fork": true, "forks_count": 0, ' \
               '"html_url": "https://github.com/alice/grok-1"}]'
        return 200, {"Link": f'<{link}>; rel="next"', "Content-Type": "application/json"}, body

    return answer


def _loop(changing: bool) -> tuple[list, int]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(f"{API}/repos/{ROOT}", json=repo(ROOT, forks=1))
        mock.add_callback(responses.GET, forks_url(ROOT), callback=_loop_callback(changing))
        mock.add_callback(
            responses.GET, f"{API}/repositories/9/forks", callback=_loop_callback(changing)
        )
        items = list(crawler(Clock()).crawl(ctx(ROOT)))
        calls = len(mock.calls)
    return items, calls


def test_a_fork_listing_that_loops_exactly_ends_with_a_warning():
    items, calls = _loop(changing=False)
    assert calls <= 4, calls
    records = [i.repo_id for i in items if isinstance(i, RepoRecord)]
    assert records == [ROOT, "alice/grok-1"]
    assert any("loops" in w.message or "again" in w.message
               for w in items if isinstance(w, CrawlWarning))


def test_a_fork_listing_that_loops_with_a_changing_parameter_ends_with_a_warning():
    items, calls = _loop(changing=True)
    assert calls <= 4, calls
    assert any("came again" in w.message for w in items if isinstance(w, CrawlWarning))


@responses.activate
def test_a_repo_lookup_redirected_to_another_host_is_not_our_repo():
    evil = "https://evil.example"
    responses.get(
        f"{API}/repos/{ROOT}", status=301, headers={"Location": f"{evil}/repos/{ROOT}"}
    )
    responses.get(f"{evil}/repos/{ROOT}", json=repo(ROOT, forks=0, spdx="MIT"))
    items = list(crawler(Clock()).crawl(ctx(ROOT)))
    records = [i for i in items if isinstance(i, RepoRecord)]
    assert all(r.license_raw != {"spdx_id": "MIT"} for r in records), records
    assert any("another host" in w.message for w in items if isinstance(w, CrawlWarning))


@responses.activate
def test_a_readme_longer_than_the_read_limit_is_a_card_not_read_to_its_end():
    from crawlers._rest import _MAX_TEXT

    port = "porter/grok-1-port"
    responses.get(
        f"{API}/search/repositories",
        json={"total_count": 1, "items": [repo(port, fork=False)]},
        match=q(q="grok", per_page=100),
    )
    responses.get(f"{API}/repos/{ROOT}", json=repo(ROOT, forks=0))
    long_card = "Weights from https://huggingface.co/xai-org/grok-1.\n" + "x" * (_MAX_TEXT + 10)
    responses.get(f"{API}/repos/{port}/readme", body=long_card)
    hf = f"huggingface:{ROOT}"
    items = list(crawler(Clock(), search=True).crawl(ctx(ROOT, members={hf: MemberFacts(hf)})))
    found = [i for i in items if isinstance(i, RepoRecord) and i.repo_id == port]
    assert found and found[0].card_complete is False
