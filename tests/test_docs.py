"""docs/cli.md is the real --help output: this fails when someone changes a command and not the docs."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import make_docs  # noqa: E402


def _same_across_click(text: str) -> str:
    """Click 8.2 writes `[COMMAND]` for a group that runs without one, 8.1 `COMMAND`; the
    lowest-versions run must not fail on that alone."""
    return text.replace("[COMMAND] [ARGS]", "COMMAND [ARGS]")


def test_cli_reference_matches_help():
    assert _same_across_click((ROOT / "docs" / "cli.md").read_text(encoding="utf-8")) == _same_across_click(
        make_docs.render()
    ), "docs/cli.md is out of date: run `python tools/make_docs.py`"


def test_the_command_list_matches_each_commands_own_help():
    import click

    from crisiscli.cli import COMMANDS, SHORT_HELP, cli

    ctx = click.Context(cli)
    for name in COMMANDS:
        assert SHORT_HELP.get(name) == cli.get_command(ctx, name).get_short_help_str(limit=1000), name
