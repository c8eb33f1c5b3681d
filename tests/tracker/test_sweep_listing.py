"""`tracker sweep` against a listing whose links cannot be trusted to end or to move on: a
`Link` header lost on a full page (by a proxy, or a Hub fault), pages that list no model,
cursors minted for ever. A sweep must never end "complete" short of the listing's end (its
watermark would hide every model it never listed), and must not call a run of empty pages a
loop. The fake Hub speaks real HTTP; databases are real files and the real PostgreSQL."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import text

from db.session import make_engine
from tests.fakes.hf_hub import FakeHub, Rebody, Reply, Unlink
from tests.fakes.hf_population import Population
from tests.helpers.sweeping import NthListing, config_for, stored
from tracker.cli import cli
from tracker.config import load_config
from tracker.sweep import sweep


def watermark(url: str) -> str | None:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT watermark FROM sweep_state")).scalar()
    finally:
        engine.dispose()


def test_a_listing_that_loses_its_links_stops_a_first_sweep_which_resumes_when_mended(
    db_url, tmp_path
):
    """Bug: a first page of a full 1,000 items without a next link ended the first sweep as
    complete, its watermark above the 4,000 models never listed: later sweeps stopped there
    and never saw them."""
    population = Population(5_000)
    with FakeHub(population=population) as hub:
        config = config_for(db_url, hub, tmp_path)
        hub.faults.storm("listing", Unlink(), every=1)  # a proxy strips every Link header
        result = CliRunner().invoke(cli, ["--config", str(config), "sweep"])
        assert result.exit_code == 3, result.output  # stopped part-way, not complete
        assert "(full): interrupted" in result.output
        assert "page 1 of the listing was full (1,000 items) but had no link" in result.output
        assert "run `tracker sweep` again to resume" in result.output
        assert "Traceback" not in result.output
        assert hub.requests["listing"] == 2  # the page, and one check of the same place
        assert stored(db_url)[0] == 1_000 and watermark(db_url) is None

        result = CliRunner().invoke(cli, ["--config", str(config), "sweep"])  # still lost
        assert result.exit_code == 3 and "(full, resumed): interrupted" in result.output

        hub.faults.clear()  # mended: the sweep reads the page again and goes on
        resumed = sweep(load_config(config))
    assert resumed.resumed and resumed.status == "complete", resumed.error
    assert resumed.models == 5_000  # page 1 again, then the rest
    assert stored(db_url) == (5_000, population.expected_edges())
    assert watermark(db_url) is not None


def test_a_link_lost_before_the_watermark_stops_a_daily_sweep_without_moving_it(
    sqlite_url, tmp_path
):
    population = Population(6_000)
    with FakeHub(population=population) as hub:
        config = load_config(config_for(sqlite_url, hub, tmp_path))
        assert sweep(config).status == "complete"
        before = watermark(sqlite_url)
        pushed = range(0, 6_000, 2)  # 3,000 changed: the daily sweep reads 4 pages
        population.touch(pushed)
        hub.faults.add(NthListing(2, 3), Unlink(), Unlink())  # page 2, its check: no link
        daily = sweep(config)
        assert daily.status == "interrupted" and "page 2 of the listing" in daily.error
        assert watermark(sqlite_url) == before  # what was not listed is not hidden
        resumed = sweep(config)
    assert resumed.resumed and resumed.status == "complete", resumed.error
    assert daily.changed + resumed.changed == len(pushed)
    assert watermark(sqlite_url) > before


def test_a_link_lost_once_is_found_by_the_end_check_and_nothing_is_missed(db_url, tmp_path):
    population = Population(5_000)
    with FakeHub(population=population) as hub:
        config = load_config(config_for(db_url, hub, tmp_path))
        hub.faults.add(NthListing(2), Unlink())  # one answer lost its Link (a Hub fault)
        report = sweep(config)
    assert report.status == "complete", report.error
    assert report.models == 5_000  # the page after the check lists page 2 again: not counted
    assert stored(db_url) == (5_000, population.expected_edges())


def test_a_listing_that_ends_on_a_full_page_is_complete_after_two_more_requests(
    sqlite_url, tmp_path
):
    """The cost of the check: a Hub of exactly 3 pages (this fake sends no link on its last
    page, full or not) is read in 5 requests, the last two proving the listing ends."""
    with FakeHub(population=Population(3_000)) as hub:
        report = sweep(load_config(config_for(sqlite_url, hub, tmp_path)))
    assert report.status == "complete" and report.models == 3_000, report.error
    assert report.requests == hub.requests["listing"] == 5


def test_a_hub_capping_the_page_size_is_checked_at_its_own_page_size(db_url, tmp_path):
    """The sweep asks for 1,000 a page; this Hub serves 100. A page of 100 without a next
    link is as full as its pages come, so it is checked too, not taken for the end."""
    population = Population(1_000)
    with FakeHub(population=population, page_size=100) as hub:
        config = load_config(config_for(db_url, hub, tmp_path))
        hub.faults.add(NthListing(3), Unlink())
        report = sweep(config)
    assert report.status == "complete" and report.models == 1_000, report.error
    assert stored(db_url) == (1_000, population.expected_edges())


def test_empty_and_malformed_pages_in_a_row_are_no_loop(db_url, tmp_path):
    """Bug: two pages naming no model (one empty, one of malformed items) looked like the
    same page served twice, and the sweep stopped as if its next links looped."""
    population = Population(5_000)
    with FakeHub(population=population) as hub:
        config = load_config(config_for(db_url, hub, tmp_path))
        hub.faults.add(NthListing(2, 3), Rebody([]), Rebody([{"id": 5}, None, "x"]))
        report = sweep(config)
    assert report.status == "complete", report.error
    assert report.skipped == 3 and stored(db_url)[0] == 3_000  # what the Hub listed


def test_a_hub_minting_fresh_cursors_for_empty_pages_is_stopped(sqlite_url, tmp_path):
    with FakeHub(population=Population(2_000)) as hub:
        config = load_config(config_for(sqlite_url, hub, tmp_path))
        pages = [
            Reply(200, {"Link": f'<{hub.url}/api/models?limit=1000&cursor=c{i}>; rel="next"'}, [])
            for i in range(1, 200)
        ]
        hub.faults.add(NthListing(*range(2, 201)), *pages)
        report = sweep(config)
    assert report.status == "interrupted"
    assert "100 listing pages in a row named no model" in report.error
    assert report.requests == 101 and stored(sqlite_url)[0] == 1_000
