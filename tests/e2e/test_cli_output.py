"""A one-shot command speaks to a person: its output on stdout, and no migration or
library log line on stderr unless -v asks for them."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from entrypoints.cli.context import command_log_level
from tests.helpers import BIN, clean_env


def meli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """`meli` as a person runs it: MELI_LOG_LEVEL at its default (INFO)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [str(BIN / "meli"), *args],
        env=clean_env(MELI_DATA_DIR=str(tmp_path / "var")),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_first_command_migrates_quietly_and_minus_v_shows_the_log_lines(tmp_path):
    quiet = meli(tmp_path / "quiet", "accounts", "list")
    verbose = meli(tmp_path / "verbose", "-v", "accounts", "list")

    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr == ""
    assert quiet.stdout.splitlines()[0].split()[:2] == ["id", "seller"]
    assert verbose.returncode == 0, verbose.stderr
    assert "Running upgrade" in verbose.stderr and "Running upgrade" not in verbose.stdout


def test_an_error_is_one_line_on_stderr(tmp_path):
    failed = meli(tmp_path, "accounts", "refresh", "999")

    assert failed.returncode == 1
    assert failed.stdout == ""
    assert failed.stderr.count("\n") == 1 and failed.stderr.startswith("Error: ")


@pytest.mark.parametrize(
    ("configured", "verbose", "level"),
    [
        ("INFO", 0, "WARNING"),
        ("DEBUG", 0, "WARNING"),
        ("ERROR", 0, "ERROR"),
        ("INFO", 1, "INFO"),
        ("ERROR", 1, "ERROR"),
        ("INFO", 2, "DEBUG"),
    ],
)
def test_a_commands_log_level_is_warning_unless_asked_or_stricter(configured, verbose, level):
    assert command_log_level(configured, verbose) == level
