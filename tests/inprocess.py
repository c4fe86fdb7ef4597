"""Run crisiscli in the test process, through the console script's own entry point.

Why: a subprocess costs ~0.3 s of interpreter and import start-up per call, and test_update.py
makes hundreds of calls. Calling `crisiscli.cli.main` (what the `crisiscli` script runs) under
Click's CliRunner keeps every step real (argument parsing, error mapping, exit codes, stdout and
stderr kept apart) while paying the imports once. Subprocesses stay where the process itself is
the subject: being killed mid-update, two updates at once.
"""

from __future__ import annotations

from typing import NamedTuple

import click
from click.testing import CliRunner

from crisiscli import cli as cli_module


class Result(NamedTuple):
    """The parts of subprocess.CompletedProcess the tests read."""

    returncode: int
    stdout: str
    stderr: str


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
               add_help_option=False)
@click.argument("argv", nargs=-1, type=click.UNPROCESSED)
def _entry(argv: tuple[str, ...]) -> None:
    cli_module.main(list(argv))


def _runner() -> CliRunner:
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]  # Click < 8.2
    except TypeError:
        return CliRunner()  # Click >= 8.2 keeps stderr apart already


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    """`crisiscli ARGS...` in this process; `env` adds to (or, with None values, removes from)
    the environment for this call only."""
    current = getattr(cli_module, "_CURRENT", None)
    if isinstance(current, list):
        current.clear()  # no App from an earlier call may decide how this one reports errors
    result = _runner().invoke(_entry, list(args), env=env, catch_exceptions=False)
    return Result(result.exit_code, result.stdout, result.stderr)
