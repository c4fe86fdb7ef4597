"""`crisiscli mcp`: serve crisis lines to AI assistants over the Model Context Protocol."""

from __future__ import annotations

import os

import click

from ..cli import CrisisCommand


@click.command("mcp", cls=CrisisCommand)
def mcp_cmd() -> int:
    """Serve verified crisis lines to AI assistants (MCP over stdio).

    An assistant that speaks the Model Context Protocol starts this command and asks it for
    crisis lines, emergency numbers, coping strategies and the `about` topics, so it quotes
    sourced, dated numbers instead of recalling them. It runs until the assistant closes
    stdin; stdout carries only protocol messages, notices go to stderr.

    Needs the optional SDK: pip install 'crisiscli[mcp]'. Client configuration: command
    `crisiscli`, args ["mcp"] (see the README).

    \b
    Tools: crisis_lines, emergency_numbers, find_country, search_lines, coping_strategy, about.
    Resource: crisiscli://dataset. Prompt: find_help (COUNTRY).
    """
    import sys

    from ..mcp_server import serve

    if sys.stdin.isatty():  # a person ran it by hand: say what it is waiting for
        click.echo(
            "crisiscli mcp is waiting for an MCP client on stdin (an AI assistant starts it); "
            "for help right now run `crisiscli now`. Ctrl-D stops it.",
            err=True,
        )
    serve(os.environ)
    return 0
