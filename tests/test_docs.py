"""docs/cli.md is the real --help output: this fails when someone changes a command and not the docs."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import make_docs  # noqa: E402


def test_cli_reference_matches_help():
    assert (ROOT / "docs" / "cli.md").read_text(encoding="utf-8") == make_docs.render(), \
        "docs/cli.md is out of date: run `python tools/make_docs.py`"
