"""What the `tracker sweep` tests share: a config naming a fake Hub and a database, the swept
rows read back, and a matcher for the n-th listing request."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from db.session import make_engine
from tests.fakes.hf_hub import FakeHub, Request


def config_for(url: str, hub: FakeHub, tmp_path: Path, retries: int = 0) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[database]\nurl = "{url}"\n\n[crawl]\nretries = {retries}\ntimeout = 20.0\n\n'
        f'[hubs.huggingface]\nendpoint = "{hub.url}"\n'
    )
    return path


def stored(url: str) -> tuple[int, set[tuple[str, str, str]]]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            models = conn.execute(text("SELECT count(*) FROM swept_models")).scalar()
            edges = {
                tuple(r)
                for r in conn.execute(
                    text("SELECT child_key, parent_key, relation FROM swept_edges")
                )
            }
    finally:
        engine.dispose()
    return int(models), edges


class Killed(BaseException):
    """The process dying at that line (not an error any handler would catch)."""


class NthListing:
    """Matches the n-th listing request only (or each of several: `NthListing(2, 3)`)."""

    def __init__(self, *n: int) -> None:
        self.n, self.count = set(n), 0

    def __call__(self, request: Request) -> bool:
        if request.kind != "listing":
            return False
        self.count += 1
        return self.count in self.n
