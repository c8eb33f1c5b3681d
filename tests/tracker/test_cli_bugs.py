"""Issue 11's bugs, each with the test that failed before its fix."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.fakes import grok_world
from tests.fakes.hf_hub import FakeHub
from tracker.cli import cli
from tracker.config import load_config
from tracker.pipeline import crawl


@pytest.fixture(scope="module")
def hub():
    with FakeHub(grok_world.fake_repos()) as hub:
        yield hub


def test_an_unchanged_hub_costs_the_same_every_day(hub, tmp_path):
    """Bug 1: a lookalike skipped as rejected before was dropped from the saved set, so every
    other crawl read it again (94, 38, 44, 38, 44 requests)."""
    config = load_config(environ={"HF_ENDPOINT": hub.url},
                         overrides={"database.url": f"sqlite:///{tmp_path / 't.db'}"})
    costs = []
    for _ in range(5):
        hub.reset_counts()
        assert crawl(config, hubs=["huggingface"]).status == "ok"
        costs.append(sum(hub.requests.values()))
    assert costs[0] > costs[1]
    assert costs[1:] == [costs[1]] * 4, costs


# --- shared: one crawled database of the offline world, copied per test ---------------------

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def crawled(hub, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("crawled") / "tracker.db"
    config = load_config(environ={"HF_ENDPOINT": hub.url},
                         overrides={"database.url": f"sqlite:///{path}"})
    assert crawl(config, hubs=["huggingface"]).status == "ok"
    return path


@pytest.fixture
def db(crawled, tmp_path) -> Path:
    path = tmp_path / "tracker.db"
    shutil.copy(crawled, path)
    return path


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), env=env)


def one_line(result, code: int) -> str:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tracker: "), result.stderr
    return lines[0]


def shell(command: str, cwd: Path, env: dict[str, str] | None = None):
    """A real shell running the installed code: redirections as a user types them."""
    full = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    tracker = f"{sys.executable} -m tracker"
    return subprocess.run(command.replace("tracker ", tracker + " ", 1), shell=True, cwd=cwd,
                          env=full, capture_output=True, text=True, timeout=120)


# --- bug 2: tracebacks instead of one line ------------------------------------------------


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "json", "csv"])
def test_export_into_a_missing_folder_is_one_line(db, tmp_path, fmt):
    result = run("--database", f"sqlite:///{db}", "export", "--format", fmt,
                 "-o", str(tmp_path / "no" / "dir" / f"x.{fmt}"))
    line = one_line(result, 1)
    assert "No such file or directory" in line and str(tmp_path / "no" / "dir") in line


def test_export_to_a_full_stdout_is_one_line(db, tmp_path):
    proc = shell(f"tracker --database sqlite:///{db} export --format json > /dev/full", tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.splitlines() == [
        "tracker: cannot write to standard output: No space left on device"
    ]


def test_a_closed_pipe_ends_quietly(db, tmp_path):
    proc = shell(f"tracker --database sqlite:///{db} lineage grok-1 | head -1", tmp_path)
    assert proc.stdout.startswith("huggingface:xai-org/grok-1")
    assert proc.stderr == ""


def _stamp(path: Path, revision: str) -> bytes:
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = ?", (revision,))
    conn.close()
    return path.read_bytes()


@pytest.mark.parametrize("command", [["crawl", "--hub", "huggingface"], ["lineage", "grok-1"]])
def test_a_schema_this_version_does_not_know_is_refused_untouched(db, command):
    before = _stamp(db, "ae1027a6acf")  # another Alembic application's revision
    line = one_line(run("--database", f"sqlite:///{db}", *command,
                        env={"HF_ENDPOINT": "http://127.0.0.1:1"}), 5)
    assert "'ae1027a6acf'" in line and "does not know" in line
    assert db.read_bytes() == before


# --- bug 6: read commands never write -----------------------------------------------------


READS = [["lineage", "grok-1"], ["show", "xai-org/grok-1"], ["licenses"], ["changes"],
         ["export", "--format", "json"]]


@pytest.mark.parametrize("command", READS, ids=lambda c: c[0])
def test_read_commands_never_create_a_database(tmp_path, command):
    path = tmp_path / "none.db"
    line = one_line(run("--database", f"sqlite:///{path}", *command), 2)
    assert line == f"tracker: no database at {path}; run `tracker crawl` first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "work"]


@pytest.mark.parametrize("command", READS, ids=lambda c: c[0])
def test_read_commands_leave_the_file_as_it_was(db, command):
    before = db.read_bytes()
    result = run("--database", f"sqlite:///{db}", *command)
    assert result.exit_code == 0, result.output
    assert db.read_bytes() == before


def test_an_older_schema_is_named_and_left_alone(db):
    before = _stamp(db, "0001")
    line = one_line(run("--database", f"sqlite:///{db}", "lineage", "grok-1"), 5)
    assert "schema revision 0001, older than this version reads" in line
    assert db.read_bytes() == before


def _unshare_works() -> bool:
    try:
        return subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode == 0
    except OSError:
        return False


@pytest.mark.skipif(not _unshare_works(), reason="needs a mount namespace (unshare -m)")
def test_a_database_on_a_read_only_mount_can_be_read(db, tmp_path):
    folder = db.parent
    command = (f"mount --bind {folder} {folder} && mount -o remount,bind,ro {folder} && "
               f"{sys.executable} -m tracker --database sqlite:///{db} lineage grok-2")
    proc = subprocess.run(["unshare", "-m", "sh", "-c", command], capture_output=True,
                          text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("huggingface:xai-org/grok-2")


# --- bugs 3 and 4: a renamed repo ---------------------------------------------------------


@pytest.fixture
def renamed(db_url):
    """grok-1's family crawled, bob's chat model renamed on the hub, crawled again."""
    from tests.fakes.grok_history import world
    from tests.helpers.clock import DAY1, DAY2, ticking

    def run_crawl(config, start):
        return crawl(config, roots=["grok-1"], hubs=["huggingface"], clock=ticking(start))

    hub_world = world()
    with FakeHub(hub_world) as fake:
        config = load_config(
            overrides={"database.url": db_url, "hubs.huggingface.endpoint": fake.url}
        )
        assert run_crawl(config, DAY1).status == "ok"
        hub_world.rename("bob/grok-1-chat", "bob/grok-1-chat-v2")
        assert run_crawl(config, DAY2).status == "ok"
        yield config, lambda day: run_crawl(config, day)


def test_a_live_renamed_repo_is_active_and_reported_once(renamed):
    """Bug 4: it kept status `renamed` forever, and `changes` listed it twice (renamed, and
    a status change active -> renamed)."""
    from tests.helpers.clock import DAY3

    config, again = renamed
    data = json.loads(run("--database", config.database_url, "show",
                          "huggingface:bob/grok-1-chat-v2", "--format", "json").stdout)
    assert data["status"] == "active"
    assert data["aliases"] == ["huggingface:bob/grok-1-chat"]
    g1 = json.loads(run("--database", config.database_url, "changes", "--format",
                        "json").stdout)["roots"]["grok-1"]
    assert [(r["old"], r["new"]) for r in g1["renamed"]] == [
        ("huggingface:bob/grok-1-chat", "huggingface:bob/grok-1-chat-v2")
    ]
    assert g1["status_changes"] == []
    assert again(DAY3).status == "ok"
    data = json.loads(run("--database", config.database_url, "show",
                          "huggingface:bob/grok-1-chat-v2", "--format", "json").stdout)
    assert data["status"] == "active"
    assert [h for h in data["history"] if h["field"] == "status"] == []


@pytest.mark.parametrize("spelling", ["huggingface:bob/grok-1-chat", "bob/grok-1-chat",
                                      "BOB/Grok-1-Chat", "huggingface:Bob/grok-1-CHAT-v2"])
def test_every_form_of_a_former_id_is_found(renamed, spelling):
    """Bug 3: `show owner/old-name` failed while `huggingface:owner/old-name` worked."""
    config, _ = renamed
    result = run("--database", config.database_url, "show", spelling)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("huggingface:bob/grok-1-chat-v2\n")


def test_the_cheap_schema_head_is_alembics_head():
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory

    from db.session import MIGRATIONS, schema_head

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    assert [schema_head()] == ScriptDirectory.from_config(cfg).get_heads()


# --- bugs 5 and 9: lineage output ---------------------------------------------------------


def lineage_json(db: Path, target: str) -> list[dict]:
    result = run("--database", f"sqlite:///{db}", "lineage", target, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["nodes"]


@pytest.mark.parametrize("target", ["grok-1", "grok-2"])
def test_every_lineage_json_field_keeps_one_type(db, target):
    """Bug 5: `"formats": 0` on one node, strings on the others."""
    nodes = lineage_json(db, target)
    for field in nodes[0]:
        kinds = {type(n[field]).__name__ for n in nodes}
        assert len(kinds) == 1, (field, kinds)


def test_a_merge_shows_every_parent(db):
    """Bug 9: the JSON `parent` was one string and the table showed one parent."""
    merge = "huggingface:mergers/grok-1-hf-instruct-slerp"
    node = next(n for n in lineage_json(db, "grok-1") if n["node"] == merge)
    parents = [p["node"] for p in node["parents"]]
    assert len(parents) == 2 and node["parent"] == parents[0]
    assert all(p["relation"] == "merge" for p in node["parents"])
    table = run("--database", f"sqlite:///{db}", "lineage", "grok-1", "--format", "table").stdout
    row = next(line for line in table.splitlines() if merge in line)
    assert all(p in row for p in parents), row


# --- bug 7: typos inside [roots.NAME] -----------------------------------------------------


@pytest.mark.parametrize("body, says", [
    ('licence = "apache-2.0"', "unknown key roots.grok-1.licence"),
    ('license = "apache-2.0"\nsearch_term = ["grok"]', "unknown key roots.grok-1.search_term"),
    ('license = "apache-two"', "roots.grok-1.license has unknown license id 'apache-two'"),
    ('license = "mit OR made-up-1"', "unknown license id 'made-up-1'"),
])
def test_a_typo_inside_a_root_is_an_error_naming_the_key(tmp_path, body, says):
    path = tmp_path / "config.toml"
    path.write_text(f'[roots.grok-1]\nnodes = ["huggingface:xai-org/grok-1"]\n{body}\n')
    line = one_line(run("--config", str(path), "crawl"), 2)
    assert line.startswith(f"tracker: config: {path}: ") and says in line


# --- bug 8: the README's JSON recipe ------------------------------------------------------


def test_the_readme_json_recipe_loads_the_export(db, tmp_path):
    """Bug 8: the recipe failed on the NetworkX versions pyproject allowed (before 3.4
    `node_link_graph` took no `source=`; 3.4 and 3.5 read `links`, not `edges`)."""
    import re
    import tomllib

    readme = (REPO / "README.md").read_text()
    recipe = re.search(r'python -c "(import json, networkx.*?)"\n', readme).group(1)
    requires = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    assert "networkx>=3.4" in [r.split("#")[0].strip() for r in requires]
    out = tmp_path / "grok.json"
    assert run("--database", f"sqlite:///{db}", "export", "--format", "json", "-o",
               str(out)).exit_code == 0
    # -W error: 3.4's FutureWarning about `links` would be a failure
    proc = subprocess.run([sys.executable, "-W", "error", "-c", recipe],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.stdout == "DiGraph with 34 nodes and 34 edges\n", proc.stderr


# --- bug 10: Ctrl-C during a crawl --------------------------------------------------------


def test_ctrl_c_stops_after_the_transaction_and_records_the_run_interrupted(tmp_path):
    """Bug 10: Ctrl-C recorded the run as crashed and exited 1 with a traceback. The fake hub
    holds the crawl at its 12th request; the test sends SIGINT there, then lets it go on."""
    from tests.fakes.hf_hub import Pause
    from tests.helpers.subproc import WAIT

    pause, count = Pause(), [0]

    def twelfth(request) -> bool:  # called under the fault queue's lock
        count[0] += 1
        return count[0] >= 12

    with FakeHub(grok_world.fake_repos(), page_size=5, tree_page_size=8) as fake:
        url = f"sqlite:///{tmp_path / 'tracker.db'}"
        config = tmp_path / "config.toml"
        config.write_text(f'[database]\nurl = "{url}"\n[crawl]\nbatch_size = 3\n'
                          f'hubs = "huggingface"\n[hubs.huggingface]\nendpoint = "{fake.url}"\n')
        fake.faults.add(twelfth, pause)
        env = {**os.environ, "PYTHONPATH": str(REPO), "TRACKER_LOG_LEVEL": "WARNING"}
        proc = subprocess.Popen(
            [sys.executable, "-m", "tracker", "--config", str(config), "crawl"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
        )
        try:
            assert pause.reached.wait(WAIT)
            proc.send_signal(signal.SIGINT)
            pause.release.set()
            out, err = proc.communicate(timeout=WAIT)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == 130, err
        assert "Traceback" not in err
        assert [line for line in err.splitlines() if line.startswith("tracker:")] == [
            "tracker: interrupted: run 1 stopped after its last transaction and is recorded "
            "as interrupted; what it found is kept"
        ]
        assert out.startswith("run 1: interrupted")
        with sqlite3.connect(tmp_path / "tracker.db") as conn:
            (status, errors), = conn.execute("SELECT status, errors FROM crawl_runs").fetchall()
        conn.close()
        assert status == "interrupted"
        assert json.loads(errors) == ["stopped by signal before the run completed"]
        fake.faults.clear()
        assert crawl(load_config(config)).status == "ok"  # the next crawl completes the work
