"""Under a rate limit on every second request, on all three hubs, the export equals a clean
crawl's, attributes included (issue 17, "what it must reach").

The same three fake hubs (tests/tracker/conftest.py) are crawled twice into two databases:
once clean, once answering 429 (`RateLimit: "api";r=0;t=2`) to every second request on each
hub. Every wait is recorded, never slept. The two JSON exports must be equal but for the
times a crawl saw things (`first_seen`, `last_seen`).
"""

from __future__ import annotations

import json

from click.testing import CliRunner

from tests.fakes.faults import rate_limited
from tests.helpers.three_hubs import config_for
from tracker.cli import cli
from tracker.pipeline import crawl

_WHEN = ("first_seen", "last_seen", "exported_at", "generated_at")


def export(url: str, path) -> dict:
    result = CliRunner().invoke(
        cli, ["--database", url, "export", "--format", "json", "--output", str(path)]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(path.read_text())
    for item in [data.get("graph", {}), *data["nodes"], *data["edges"]]:
        for name in _WHEN:
            item.pop(name, None)
    data["nodes"].sort(key=lambda n: n["id"])
    data["edges"].sort(key=lambda e: (e["parent"], e["child"]))
    return data


def test_a_rate_limit_on_every_second_request_ends_with_the_clean_export(
    hubs, quiet_crawlers, tmp_path
):
    clean_url = f"sqlite:///{tmp_path / 'clean.db'}"
    report = crawl(config_for(hubs, clean_url))
    assert report.status == "ok", report.errors
    clean = export(clean_url, tmp_path / "clean.json")
    assert {n["hub"] for n in clean["nodes"]} == {"huggingface", "github", "modelscope"}

    for hub in hubs:
        hub.faults.storm(lambda r: True, rate_limited(reset=2), every=2)
    stormed_url = f"sqlite:///{tmp_path / 'stormed.db'}"
    report = crawl(config_for(hubs, stormed_url))
    assert report.status == "ok", report.errors
    # waited out for what the hubs asked (less the moments since they said it), never slept
    assert len([s for s in quiet_crawlers if 1.5 < s <= 2.0]) > 20, quiet_crawlers
    for hub in hubs:
        assert any(status == 429 for *_, status in hub.log)
    assert export(stormed_url, tmp_path / "stormed.json") == clean
