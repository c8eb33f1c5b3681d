"""Logging for the CLI: stderr and the configured file get the same lines, never a token."""

from __future__ import annotations

import io
import logging

import pytest

from tracker.config import ConfigError, load_config
from tracker.logsetup import setup_logging

HF = "hf_AbCdEfGhIjKlMnOpQrStUvWxYz012345"
GH = "ghp_0123456789abcdefABCDEF0123456789abcd"


def configured(tmp_path, **overrides):
    return load_config(
        overrides={"logging.file": str(tmp_path / "tracker.log"), **overrides},
        environ={"HF_TOKEN": HF, "GITHUB_TOKEN": GH},
    )


def test_tokens_never_reach_stderr_or_the_log_file(tmp_path, restore_root_logger):
    stderr = io.StringIO()
    setup_logging(configured(tmp_path), stream=stderr)
    log = logging.getLogger("crawlers.huggingface")
    log.info("GET /api/models with Authorization: Bearer %s", HF)
    log.warning(f"token {GH} rejected")  # already formatted by the caller
    try:
        raise RuntimeError(f"401 for token {HF}")
    except RuntimeError:
        log.exception("request failed")
    logging.getLogger("urllib3").warning("header %r", {"authorization": f"token {GH}"})

    for text in (stderr.getvalue(), (tmp_path / "tracker.log").read_text()):
        assert HF not in text and GH not in text
        assert "Bearer ***" in text
        assert "token *** rejected" in text
        assert "RuntimeError: 401 for token ***" in text  # the traceback too
        assert "'token ***'" in text


def test_plain_lines_carry_utc_time_level_and_logger(tmp_path, restore_root_logger):
    stderr = io.StringIO()
    setup_logging(configured(tmp_path), stream=stderr)
    logging.getLogger("tracker.schedule").info("crawl started")
    line = stderr.getvalue().strip()
    assert line.endswith("INFO    tracker.schedule: crawl started")
    assert line[:20].endswith("Z") and line[10] == "T"


def test_level_and_reconfiguring_replace_the_earlier_setup(tmp_path, restore_root_logger):
    first, second = io.StringIO(), io.StringIO()
    setup_logging(configured(tmp_path), stream=first)
    setup_logging(configured(tmp_path, **{"logging.level": "WARNING"}), stream=second)
    logging.getLogger("tracker").info("hidden at WARNING")
    logging.getLogger("tracker").warning("shown once")
    assert first.getvalue() == ""
    assert second.getvalue().count("shown once") == 1
    assert "hidden" not in second.getvalue()


def test_an_unwritable_log_file_is_a_config_error(tmp_path, restore_root_logger):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    config = configured(tmp_path, **{"logging.file": str(blocker / "tracker.log")})
    with pytest.raises(ConfigError, match="logging.file: cannot write .*not-a-dir"):
        setup_logging(config, stream=io.StringIO())


def test_huggingface_hub_lines_go_through_our_redacting_handlers_only(tmp_path):
    import logging

    import huggingface_hub  # noqa: F401 - installs its own stderr handler on import

    from tracker.config import load_config
    from tracker.logsetup import setup_logging

    config = load_config(environ={"HF_TOKEN": "hf_secret_value"})
    setup_logging(config, stream=open(tmp_path / "err.txt", "w"))
    assert logging.getLogger("huggingface_hub").handlers == []
