"""The GitHub crawler against a fake GitHub REST API (`responses`; no real network).

Fork networks through `Link` pages, forks of forks (listed only where `forks_count` > 0),
conditional requests answered 304 from the ETag store, rate limits waited out for exactly the
reset the hub names or reported as `RateLimited` with everything yielded so far kept, search
hits that join only on evidence, bad data as warnings, and the request count by kind.
"""

from __future__ import annotations

import json
import re

import pytest
import requests
import responses

from crawlers.base import (
    CrawlWarning,
    HubError,
    HubUnavailable,
    MemberFacts,
    RateLimited,
    RepoRecord,
    TokenRejected,
)
from crawlers.github.crawler import GitHubCrawler
from tests.fakes.github_api import (
    API,
    NOW,
    ROOT,
    TOKEN,
    Clock,
    assert_claims_after_records,
    crawler,
    ctx,
    forks_url,
    q,
    repo,
    split,
)

# --- the fork network ---------------------------------------------------------------------


@responses.activate
def test_fork_pagination_follows_link_headers():
    clock = Clock()
    responses.get(f"{API}/repos/{ROOT}", json=repo(ROOT, forks=3, stars=49000))
    page2 = f"{API}/repositories/1/forks?per_page=100&sort=oldest&page=2"
    responses.get(
        forks_url(ROOT),
        json=[repo("alice/grok-1", spdx="MIT"), repo("bob/grok-1", spdx=None)],
        headers={"Link": f'<{page2}>; rel="next", <{page2}>; rel="last"'},
        match=q(per_page=100, sort="oldest"),
    )
    responses.get(
        f"{API}/repositories/1/forks",
        json=[repo("carol/grok-1", stars=7)],
        match=q(per_page=100, sort="oldest", page=2),
    )
    c = crawler(clock)
    items = list(c.crawl(ctx(ROOT)))
    records, claims, warnings = split(items)

    assert not warnings
    assert [r.repo_id for r in records] == [ROOT, "alice/grok-1", "bob/grok-1", "carol/grok-1"]
    root = records[0]
    assert root.likes == 49000 and root.license_raw == {"spdx_id": "Apache-2.0"}
    alice = records[1]
    assert alice.license_raw == {"spdx_id": "MIT"}
    assert records[2].license_raw == {}
    assert alice.created_at.isoformat() == "2024-03-18T10:00:00+00:00"
    assert alice.last_modified.isoformat() == "2024-04-01T12:30:00+00:00"
    assert alice.extra["parent"] == ROOT and alice.extra["default_branch"] == "main"
    assert records[3].likes == 7 and records[3].extra["stars"] == 7
    assert alice.files is None  # code is not matched by file hash
    assert {(cl.parent, cl.child) for cl in claims} == {
        (f"github:{ROOT}", f"github:{who}/grok-1") for who in ("alice", "bob", "carol")
    }
    assert all(
        cl.relation == "fork" and cl.source == "declared" and cl.confidence == 1.0 for cl in claims
    )
    assert claims[0].evidence == "GitHub fork parent: xai-org/grok-1"
    assert_claims_after_records(items)
    assert c.requests == {"repo": 1, "forks": 2}


@responses.activate
def test_forks_of_forks_are_listed_only_where_forks_count_is_positive():
    clock = Clock()
    responses.get(f"{API}/repos/{ROOT}", json=repo(ROOT, forks=2))
    responses.get(
        forks_url(ROOT), json=[repo("alice/grok-1", forks=1), repo("bob/grok-1", forks=0)]
    )
    responses.get(forks_url("alice/grok-1"), json=[repo("dan/grok-1", forks=1)])
    responses.get(forks_url("dan/grok-1"), json=[repo("eve/grok-1")])
    members: dict[str, MemberFacts] = {}
    c = crawler(clock)
    items = list(c.crawl(ctx(ROOT, members=members)))
    records, claims, _ = split(items)

    assert [r.repo_id for r in records][-2:] == ["dan/grok-1", "eve/grok-1"]
    assert ("github:alice/grok-1", "github:dan/grok-1") in {(x.parent, x.child) for x in claims}
    assert ("github:dan/grok-1", "github:eve/grok-1") in {(x.parent, x.child) for x in claims}
    # bob has no forks: nobody asked for them (responses would refuse an unregistered URL)
    assert not any("bob" in call.request.url for call in responses.calls)
    assert c.requests == {"repo": 1, "forks": 3}
    assert members["github:eve/grok-1"].depth == 3
    assert members["github:eve/grok-1"].parent == "github:dan/grok-1"
    assert_claims_after_records(items)


@responses.activate
def test_a_fork_seen_twice_is_yielded_once():
    clock = Clock()
    responses.get(f"{API}/repos/{ROOT}", json=repo(ROOT, forks=2))
    responses.get(forks_url(ROOT), json=[repo("alice/grok-1", forks=1), repo(ROOT)])
    responses.get(forks_url("alice/grok-1"), json=[repo("alice/grok-1")])  # a cycle
    records, claims, _ = split(list(crawler(clock).crawl(ctx(ROOT))))
    assert [r.repo_id for r in records] == [ROOT, "alice/grok-1"]
    assert len(claims) == 1


# --- conditional requests -----------------------------------------------------------------


def conditional(body, etag: str, seen: list[str | None], headers: dict | None = None):
    """A GitHub-like handler: 304 when If-None-Match carries the current ETag."""

    def handler(request):
        sent = request.headers.get("If-None-Match")
        seen.append(sent)
        extra = dict(headers or {})
        if sent == etag:
            return 304, {"ETag": etag}, ""
        return 200, {"ETag": etag, "Content-Type": "application/json", **extra}, json.dumps(body)

    return handler


@responses.activate
def test_304_answers_reuse_the_cached_body_and_cost_no_quota():
    clock = Clock()
    seen: list[str | None] = []
    page2 = f"{API}/repositories/1/forks?per_page=100&sort=oldest&page=2"
    responses.add_callback(
        "GET", f"{API}/repos/{ROOT}", callback=conditional(repo(ROOT, forks=2), '"r1"', seen)
    )
    responses.add_callback(
        "GET",
        forks_url(ROOT),
        callback=conditional(
            [repo("alice/grok-1")], '"p1"', seen, headers={"Link": f'<{page2}>; rel="next"'}
        ),
        match=q(per_page=100, sort="oldest"),
    )
    responses.add_callback(
        "GET",
        f"{API}/repositories/1/forks",
        callback=conditional([repo("bob/grok-1", spdx="MIT")], '"p2"', seen),
        match=q(per_page=100, sort="oldest", page=2),
    )
    store: dict = {}
    first = list(crawler(clock, token=TOKEN, etag_cache=store).crawl(ctx(ROOT)))
    assert seen == [None, None, None]
    assert len(store) == 3 and all(isinstance(v[0], str) for v in store.values())

    again = crawler(clock, token=TOKEN, etag_cache=store)
    second = list(again.crawl(ctx(ROOT)))
    assert seen[3:] == ['"r1"', '"p1"', '"p2"']  # validators sent
    assert second == first  # same records, same claims, page 2 found through the cached link
    assert again.requests == {"repo_304": 1, "forks_304": 2}
    assert again.quota_spent == 0  # GitHub does not count authorized 304s
    for call in responses.calls:
        assert call.request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert all(TOKEN not in key and TOKEN not in repr(v) for key, v in store.items())


@responses.activate
def test_the_store_survives_a_json_round_trip_between_runs():
    clock = Clock()
    seen: list[str | None] = []
    responses.add_callback(
        "GET", f"{API}/repos/{ROOT}", callback=conditional(repo(ROOT), '"r1"', seen)
    )
    store: dict = {}
    first = list(crawler(clock, etag_cache=store).crawl(ctx(ROOT)))
    persisted = json.loads(json.dumps(store))  # what a pipeline would write and read back
    assert list(crawler(clock, etag_cache=persisted).crawl(ctx(ROOT))) == first
    assert seen == [None, '"r1"']


@responses.activate
def test_a_broken_store_entry_costs_a_full_request_not_the_crawl():
    clock = Clock()
    seen: list[str | None] = []
    responses.add_callback(
        "GET", f"{API}/repos/{ROOT}", callback=conditional(repo(ROOT), '"r1"', seen)
    )
    store = {f"{API}/repos/{ROOT}": ["only-an-etag"]}
    records, _, _ = split(list(crawler(clock, etag_cache=store).crawl(ctx(ROOT))))
    assert seen == [None] and records[0].repo_id == ROOT
    assert store[f"{API}/repos/{ROOT}"][0] == '"r1"'


# --- rate limits, retries, errors ---------------------------------------------------------


@responses.activate
def test_a_403_rate_limit_is_waited_out_for_exactly_the_reset_delay():
    clock = Clock()
    responses.get(
        f"{API}/repos/{ROOT}",
        status=403,
        json={"message": "API rate limit exceeded for 1.2.3.4."},
        headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW) + 60)},
    )
    responses.get(f"{API}/repos/{ROOT}", json=repo(ROOT))
    c = crawler(clock)
    records, _, _ = split(list(c.crawl(ctx(ROOT))))
    assert clock.sleeps == [60.0]
    assert records[0].repo_id == ROOT
    assert c.requests == {"repo": 2}


@responses.activate
def test_a_rate_limit_beyond_the_ceiling_raises_and_keeps_what_was_yielded():
    clock = Clock()
    page2 = f"{API}/repositories/1/forks?page=2"
    responses.get(f"{API}/repos/{ROOT}", json=repo(ROOT, forks=3))
    responses.get(
        forks_url(ROOT),
        json=[repo("alice/grok-1"), repo("bob/grok-1")],
        headers={"Link": f'<{page2}>; rel="next"'},
        match=q(per_page=100, sort="oldest"),
    )
    responses.get(
        f"{API}/repositories/1/forks",
        status=403,
        json={"message": "API rate limit exceeded"},
        headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW) + 3000)},
    )
    got: list = []
    with pytest.raises(RateLimited) as info:
        for item in crawler(clock, max_retry_wait=300).crawl(ctx(ROOT)):
            got.append(item)
    records, claims, _ = split(got)
    assert [r.repo_id for r in records] == [ROOT, "alice/grok-1", "bob/grok-1"]
    assert len(claims) == 2
    assert info.value.retry_after == 3000 and info.value.hub == "github"
    assert clock.sleeps == []


@responses.activate
def test_retry_after_is_honoured_on_secondary_limits():
    clock = Clock()
    responses.get(f"{API}/repos/{ROOT}", status=429, headers={"Retry-After": "7"})
    responses.get(
        f"{API}/repos/{ROOT}",
        status=403,
        json={"message": "You have exceeded a secondary rate limit"},
    )
    responses.get(f"{API}/repos/{ROOT}", json=repo(ROOT))
    records, _, _ = split(list(crawler(clock).crawl(ctx(ROOT))))
    assert clock.sleeps == [7.0, 60.0]  # the header's 7 s; a bare secondary limit: a minute
    assert records[0].repo_id == ROOT


@responses.activate
def test_a_spent_quota_waits_for_its_reset_before_the_next_request():
    clock = Clock()
    spent = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW) + 30)}
    responses.get(f"{API}/repos/{ROOT}", json=repo(ROOT, forks=1), headers=spent)
    responses.get(forks_url(ROOT), json=[])
    c = crawler(clock)
    list(c.crawl(ctx(ROOT)))
    assert clock.sleeps == [30.0]  # no request was wasted on a certain 403
    assert c.requests == {"repo": 1, "forks": 1}
    assert c.client.rate_remaining == {"core": 0}


@responses.activate
def test_a_spent_quota_beyond_the_ceiling_raises_before_sending():
    clock = Clock()
    spent = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW) + 3600)}
    responses.get(f"{API}/repos/{ROOT}", json=repo(ROOT, forks=1), headers=spent)
    got: list = []
    c = crawler(clock)
    with pytest.raises(RateLimited):
        for item in c.crawl(ctx(ROOT)):
            got.append(item)
    assert [r.repo_id for r in got if isinstance(r, RepoRecord)] == [ROOT]
    assert c.requests == {"repo": 1}


@responses.activate
def test_server_errors_are_retried_with_bounded_backoff():
    clock = Clock()
    responses.get(f"{API}/repos/{ROOT}", status=502)
    responses.get(f"{API}/repos/{ROOT}", status=503)
    responses.get(f"{API}/repos/{ROOT}", json=repo(ROOT))
    c = crawler(clock)
    records, _, _ = split(list(c.crawl(ctx(ROOT))))
    assert records[0].repo_id == ROOT
    assert clock.sleeps == [0.5, 1.0]  # equal-jitter exponential backoff, jitter pinned at 0
    assert c.requests == {"repo": 3}


@responses.activate
def test_timeouts_are_retried():
    clock = Clock()
    responses.get(f"{API}/repos/{ROOT}", body=requests.ReadTimeout("slow"))
    responses.get(f"{API}/repos/{ROOT}", json=repo(ROOT))
    c = crawler(clock)
    records, _, _ = split(list(c.crawl(ctx(ROOT))))
    assert records[0].repo_id == ROOT and clock.sleeps == [0.5]
    assert c.requests == {"repo": 2}


@responses.activate
def test_an_unreachable_hub_is_hub_unavailable_after_retries():
    clock = Clock()
    responses.get(f"{API}/repos/{ROOT}", body=requests.ConnectionError("refused"))
    with pytest.raises(HubUnavailable):
        list(crawler(clock, retries=2).crawl(ctx(ROOT)))
    assert len(clock.sleeps) == 2


@responses.activate
def test_a_rejected_token_is_token_rejected_and_never_shown():
    clock = Clock()
    responses.get(f"{API}/repos/{ROOT}", status=401, json={"message": "Bad credentials"})
    with pytest.raises(TokenRejected) as info:
        list(crawler(clock, token=TOKEN).crawl(ctx(ROOT)))
    assert TOKEN not in str(info.value)
    assert "rejected the token" in str(info.value)


@responses.activate
def test_bad_data_becomes_warnings_and_the_crawl_goes_on():
    clock = Clock()
    page2 = f"{API}/repositories/1/forks?page=2"
    responses.get(f"{API}/repos/{ROOT}", json=repo(ROOT, forks=9))
    responses.get(
        forks_url(ROOT),
        json=[
            "not an object",
            repo("../../etc/passwd"),
            {"full_name": 42},
            repo("alice/grok-1", stargazers_count="many", license=["MIT"], created_at=5),
            repo("bob/grok-1", forks_count={"n": 1}),
        ],
        headers={"Link": f'<{page2}>; rel="next"'},
        match=q(per_page=100, sort="oldest"),
    )
    responses.get(f"{API}/repositories/1/forks", body='[{"full_name": "carol/gr')  # truncated
    records, claims, warnings = split(list(crawler(clock).crawl(ctx(ROOT))))
    assert [r.repo_id for r in records] == [ROOT, "alice/grok-1", "bob/grok-1"]
    alice = records[1]
    assert alice.likes == 0 and alice.license_raw == {} and alice.created_at is None
    text = " | ".join(w.message for w in warnings)
    assert "str, not an object" in text
    assert "'../../etc/passwd'" in text and "42" in text
    assert "stargazers_count is str" in text and "license is list" in text
    assert "forks_count is dict" in text
    assert "malformed JSON" in text  # the truncated page, fetched twice, then skipped
    assert len(claims) == 2
    # no request ever went to a path built from a bad id
    assert not any("passwd" in call.request.url for call in responses.calls)


@responses.activate
def test_an_oversized_answer_is_a_warning_read_no_further(monkeypatch):
    import crawlers._rest

    monkeypatch.setattr(crawlers._rest, "MAX_BODY", 2000)
    clock = Clock()
    responses.get(f"{API}/repos/{ROOT}", json=repo(ROOT, forks=50))
    responses.get(forks_url(ROOT), json=[repo(f"u{i}/grok-1") for i in range(50)])
    records, _, warnings = split(list(crawler(clock).crawl(ctx(ROOT))))
    assert [r.repo_id for r in records] == [ROOT]
    assert "larger than 2000 bytes" in warnings[0].message


@responses.activate
def test_invalid_root_ids_never_reach_a_url():
    clock = Clock()
    c = crawler(clock)
    items = list(c.crawl(ctx("../secret", "a/b/c", "owner/name?x=1")))
    assert len(items) == 3 and all(isinstance(i, CrawlWarning) for i in items)
    assert not responses.calls and not c.requests


@responses.activate
def test_a_next_link_off_the_endpoint_is_not_followed():
    clock = Clock()
    responses.get(f"{API}/repos/{ROOT}", json=repo(ROOT, forks=2))
    responses.get(
        forks_url(ROOT),
        json=[repo("alice/grok-1")],
        headers={"Link": '<https://evil.example/steal?page=2>; rel="next"'},
    )
    records, _, _ = split(list(crawler(clock, token=TOKEN).crawl(ctx(ROOT))))
    assert [r.repo_id for r in records] == [ROOT, "alice/grok-1"]
    assert all(call.request.url.startswith(API) for call in responses.calls)


# --- check: removed and renamed -----------------------------------------------------------


@responses.activate
def test_check_reports_removed_renamed_and_active():
    clock = Clock()
    responses.get(f"{API}/repos/gone/repo", status=404, json={"message": "Not Found"})
    responses.get(
        f"{API}/repos/dmca/repo", status=451, json={"message": "Repository access blocked"}
    )
    responses.get(
        f"{API}/repos/old/name",
        status=301,
        json={"message": "Moved Permanently", "url": f"{API}/repositories/42"},
        headers={"Location": f"{API}/repositories/42"},
    )
    responses.get(f"{API}/repositories/42", json=repo("new/name"))
    responses.get(f"{API}/repos/Xai-Org/Grok-1", json=repo(ROOT))
    c = crawler(clock)
    assert c.check("gone/repo").status == "removed"
    assert c.check("dmca/repo").status == "removed"
    moved = c.check("old/name")
    assert (moved.status, moved.repo_id, moved.renamed_from) == ("renamed", "new/name", "old/name")
    assert moved.key == "github:new/name" and moved.url == "https://github.com/new/name"
    same = c.check("Xai-Org/Grok-1")  # GitHub ids ignore case: not a rename
    assert (same.status, same.repo_id, same.renamed_from) == ("active", "Xai-Org/Grok-1", None)
    with pytest.raises(HubError):
        c.check("not a repo")


@responses.activate
def test_check_of_a_forbidden_repo_is_an_error_not_a_removal():
    clock = Clock()
    responses.get(f"{API}/repos/a/b", status=403, json={"message": "Resource protected"})
    with pytest.raises(HubError, match="forbidden"):
        crawler(clock).check("a/b")


def test_token_is_sent_as_bearer_and_absent_from_repr():
    c = GitHubCrawler(token=TOKEN)
    assert c.client.headers["Authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in repr(vars(c)).replace(repr(c.client.headers), "")
    assert re.match(r"https://api\.github\.com$", c.endpoint)
    c.close()
