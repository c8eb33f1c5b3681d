"""Config precedence (flag > environment > file > defaults) and one-line errors for bad files."""

import pytest

from tracker.config import ConfigError, load_config


def write(tmp_path, text):
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_defaults_hold_both_grok_roots_and_sqlite_in_the_working_directory():
    config = load_config(environ={})
    assert config.database_url == "sqlite:///tracker.db"
    assert config.roots["grok-1"].nodes == ("huggingface:xai-org/grok-1", "github:xai-org/grok-1")
    assert config.roots["grok-2"].license == "grok-2"
    assert config.hubs["huggingface"].endpoint == "https://huggingface.co"


def test_precedence_flag_over_environment_over_file(tmp_path):
    path = write(
        tmp_path,
        '[database]\nurl = "sqlite:///file.db"\n'
        '[hubs.huggingface]\nendpoint = "http://mirror.local/"\n',
    )
    assert load_config(path, environ={}).database_url == "sqlite:///file.db"
    env = {"TRACKER_DATABASE_URL": "sqlite:///env.db", "HF_ENDPOINT": "http://127.0.0.1:9"}
    config = load_config(path, environ=env)
    assert config.database_url == "sqlite:///env.db"
    assert config.hubs["huggingface"].endpoint == "http://127.0.0.1:9"
    flagged = load_config(path, environ=env, overrides={"database.url": "sqlite:///flag.db"})
    assert flagged.database_url == "sqlite:///flag.db"
    assert load_config(path, environ={}).hubs["huggingface"].endpoint == "http://mirror.local"


def test_token_read_from_named_variable_and_never_shown():
    config = load_config(environ={"HF_TOKEN": "hf_secret"})
    assert config.hubs["huggingface"].token == "hf_secret"
    assert "hf_secret" not in repr(config)


def test_working_directory_config_is_read(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, '[roots.grok-1]\nnodes = ["huggingface:xai-org/grok-1"]\n')
    assert list(load_config(environ={}).roots) == ["grok-1"]


@pytest.mark.parametrize(
    "text, message",
    [
        ("[database\n", "not valid TOML"),
        ('[databse]\nurl = "x"\n', "unknown section [databse]"),
        ('[crawl]\nretries = "many"\n', "crawl.retries must be a whole number"),
        ("[crawl]\nretries = -1\n", "crawl.retries must not be negative"),
        ('[roots.grok-1]\nnodes = ["hf:xai-org/grok-1"]\n', "roots.grok-1.nodes has 'hf:xai-org"),
        ('[roots.grok-1]\nnodes = ["huggingface:../etc"]\n', "not an owner/name id"),
        ("[roots.grok-1]\nnodes = []\n", "roots.grok-1.nodes must be a non-empty list"),
        ('[schedule]\ncron = "every day"\n', 'has 2 fields; expected 5 fields'),
        ('[schedule]\ncron = "61 4 * * *"\n', "not a valid cron line"),
        ('[crawl]\nhubs = "huggingface,gitlab"\n', "crawl.hubs must list hubs among"),
        ("[crawl]\ntimeout = 0\n", "crawl.timeout must be more than 0 seconds"),
        ('[hubs.huggingface]\nendpoint = "ftp://x"\n', "must be an http(s) URL"),
        ('[hubs.hugingface]\nendpoint = "http://x"\n', "unknown key hubs.hugingface"),
    ],
)
def test_bad_file_names_the_key_and_what_is_expected(tmp_path, text, message):
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text), environ={})
    assert message in str(err.value)
    assert "\n" not in str(err.value).strip()


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml", environ={})
