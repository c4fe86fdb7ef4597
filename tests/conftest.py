"""Shared test set-up: every test runs with its own user dirs, a pinned clock and no country.

Why an autouse fixture: a test must never read or write the developer's real config or data, and
must not depend on the machine's time zone or locale.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent / "crisiscli"
TODAY = "2026-11-25"


def base_env(tmp: Path) -> dict[str, str]:
    """A clean environment: isolated dirs, fixed clock, UTC (no country), 80 columns."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "SYSTEMROOT", "PYTHONPATH")}
    keep.update({
        "HOME": str(tmp / "home"),
        "CRISISCLI_DATA_DIR": str(tmp / "data"),
        "CRISISCLI_CONFIG_DIR": str(tmp / "config"),
        "CRISISCLI_NOW": TODAY,
        "TZ": "UTC",
        "LANG": "C.UTF-8",
        "COLUMNS": "80",
        "PYTHONIOENCODING": "utf-8",
    })
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


@pytest.fixture
def run(isolated: dict[str, str]):
    """Run the installed console script in a subprocess; returns CompletedProcess (text)."""

    def _run(*args: str | bytes, env: dict[str, str] | None = None, **kwargs) -> subprocess.CompletedProcess:
        full_env = dict(isolated)
        if env:
            full_env.update(env)
        return subprocess.run([str(BIN), *args], env=full_env, capture_output=True, text=True,
                              encoding="utf-8", errors="replace", timeout=60, **kwargs)

    return _run
