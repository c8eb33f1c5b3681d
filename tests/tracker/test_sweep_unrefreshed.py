"""A sweep killed after its last page and before storing its big families together
(db/swept_family.py) is finished by the next `tracker sweep`, and `tracker doctor` says so
meanwhile; lineage meanwhile walks the edges, so it already shows the killed sweep's members.
Before, the sweep was marked complete with its last page, the next sweep refreshed only what
it wrote itself, and the lineage of a big family missed the killed sweep's new members for
good (and, once the sweep was marked `stored`, until the next sweep). The fake Hub speaks
real HTTP; SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from db import swept_family, swept_read
from db.session import open_database, session_scope
from graph.swept import declared_lineage
from tests.fakes.hf_hub import FakeHub
from tests.fakes.hf_population import BASES, Population
from tests.helpers.sweeping import Killed
from tracker.cli import cli
from tracker.config import load_config
from tracker.doctor import database_checks
from tracker.sweep import sweep


def lineages(url: str) -> dict[int, set[str]]:
    engine = open_database(url)
    try:
        with session_scope(engine) as session:
            out = {}
            for f, (root, *_) in enumerate(BASES):
                lineage = declared_lineage(session, "huggingface", root)
                assert lineage is not None
                out[f] = {n.repo_id for n in lineage.nodes.values()}
            return out
    finally:
        engine.dispose()


def sweep_line(config) -> tuple[str, str]:
    check = next(c for c in database_checks(config) if c.check == "huggingface sweep")
    return check.status, check.detail


def test_a_sweep_killed_before_its_family_refresh_is_finished_by_the_next(
    db_url, monkeypatch, tmp_path
):
    monkeypatch.setattr(swept_read, "BIG_FAMILY", 40)  # every family here is stored together
    population = Population(3_000)
    with FakeHub(population=population) as hub:
        config = load_config(environ={"HF_ENDPOINT": hub.url},
                             overrides={"database.url": db_url})
        sweep(config)
        assert sweep_line(config)[0] == "ok"
        added = population.add(200)
        joined = {population.repo_id(i) for i in added if i in population.family_of}
        assert joined

        def killed(*args, **kwargs):
            raise Killed

        with monkeypatch.context() as patch:
            patch.setattr(swept_family, "refresh", killed)
            with pytest.raises(Killed):
                sweep(config)
        status, detail = sweep_line(config)
        assert status == "warn" and "stopped before storing big families" in detail
        # already whole: read from the edges while the stored families lag
        assert lineages(db_url) == {f: population.family(f) for f in range(len(BASES))}
        config_file = tmp_path / "config.toml"
        config_file.write_text(f'[database]\nurl = "{db_url}"\n\n'
                               f'[hubs.huggingface]\nendpoint = "{hub.url}"\n')
        shown = CliRunner().invoke(cli, ["--config", str(config_file), "lineage", BASES[0][0]])
        assert shown.exit_code == 0, shown.output
        new_in_first = joined & population.family(0)
        assert new_in_first and all(f"huggingface:{rid}" in shown.output for rid in new_in_first)

        seen_meanwhile = []
        rebuild = swept_family.rebuild

        def watched(*args, **kwargs):
            seen_meanwhile.append(sweep_line(config))  # `tracker doctor` while it runs
            return rebuild(*args, **kwargs)

        with monkeypatch.context() as patch:
            patch.setattr(swept_family, "rebuild", watched)
            again = sweep(config)
    assert seen_meanwhile == [("ok", "sweep 2 stored every page; storing big families together")]
    assert again.status == "complete"
    assert lineages(db_url) == {f: population.family(f) for f in range(len(BASES))}
    assert sweep_line(config)[0] == "ok"
