"""Shared test set-up: every test runs with its own user dirs, a pinned clock and no country.

Why an autouse fixture: a test must never read or write the developer's real config or data, and
must not depend on the machine's time zone or locale.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

# The update tests' shared fixtures and checks (tests/updating.py): rewrite their asserts too.
pytest.register_assert_rewrite("updating")

BIN = Path(sys.executable).parent / "crisiscli"
# Click 8.1 mixes stderr into stdout unless told not to; 8.2 keeps them apart and has no such flag.
_CLICK_81 = "mix_stderr" in __import__("inspect").signature(__import__("click.testing").testing.CliRunner).parameters
TODAY = "2026-11-29"


def base_env(tmp: Path) -> dict[str, str]:
    """A clean environment: isolated dirs, fixed clock, UTC (no country), 80 columns."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "SYSTEMROOT", "PYTHONPATH")}
    keep.update(
        {
            "HOME": str(tmp / "home"),
            "CRISISCLI_DATA_DIR": str(tmp / "data"),
            "CRISISCLI_CONFIG_DIR": str(tmp / "config"),
            "CRISISCLI_NOW": TODAY,
            "TZ": "UTC",
            "LANG": "C.UTF-8",
            "COLUMNS": "80",
            "PYTHONIOENCODING": "utf-8",
        }
    )
    return keep


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = base_env(tmp_path)
    for key in list(os.environ):
        if key.startswith("CRISISCLI_") or key in ("LC_ALL", "LC_MESSAGES", "NO_COLOR", "FORCE_COLOR"):
            monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


class Ran(NamedTuple):
    """What a command did: the same three things a script sees from a process."""

    returncode: int
    stdout: str
    stderr: str


def invoke(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> Ran:
    """Run crisiscli in this process with Click's CliRunner: exit code, stdout and stderr apart.

    Why in-process: a subprocess per test made the suite take minutes; the process itself is the
    subject only in the tests that use `run_process`."""
    from click.testing import CliRunner

    from crisiscli.cli import cli

    runner = CliRunner(**({"mix_stderr": False} if _CLICK_81 else {}))
    result = runner.invoke(cli, list(args), env=env, input=input, prog_name="crisiscli", catch_exceptions=False)
    return Ran(result.exit_code, result.stdout, result.stderr)


@pytest.fixture
def run(isolated: dict[str, str]):
    """crisiscli in-process (see `invoke`); `env` adds to the isolated environment."""

    def _run(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> Ran:
        return invoke(*args, env=env, input=input)

    return _run


@pytest.fixture
def run_process(isolated: dict[str, str]):
    """The installed console script in a real subprocess, for tests about the process itself
    (encodings, signals, pipes, ttys); returns CompletedProcess (text)."""

    def _run(*args: str | bytes, env: dict[str, str] | None = None, **kwargs) -> subprocess.CompletedProcess:
        full_env = dict(isolated)
        if env:
            full_env.update(env)
        return subprocess.run(
            [str(BIN), *args],
            env=full_env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=60,
            **kwargs,
        )

    return _run
