"""`crisiscli update`: newer crisis-line data, verified before anything is replaced."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from .. import render
from ..cli import App, CrisisCommand, output_options
from ..errors import UsageProblem

if TYPE_CHECKING:
    from ..update import Outcome


def _source(app: App, url: str | None) -> str:
    from ..update import DEFAULT_UPDATE_URL

    chosen = url or app.env.get("CRISISCLI_UPDATE_URL") or app.config.update_url or DEFAULT_UPDATE_URL
    if not chosen:
        raise UsageProblem(
            f"no update source is set: pass --url URL, set CRISISCLI_UPDATE_URL, or set update_url in {app.config.path}"
        )
    return chosen


def _describe(outcome: Outcome) -> str:
    if outcome.status == "current":
        return f"Already current: dataset {outcome.version}."
    if outcome.status == "rolled_back":
        text = f"Rolled back from dataset {outcome.previous_version} to dataset {outcome.version}."
        return text + (f"\n{outcome.note}" if outcome.note else "")
    verb = "Installed" if outcome.status == "installed" else "Available:"
    head = f"{verb} dataset {outcome.version} (you had {outcome.previous_version}), signed by key {outcome.key_id}."
    counts = ", ".join(f"{len(v)} {k.replace('_', ' ')}" for k, v in outcome.changes.items() if v)
    return head + (f"\nChanges: {counts}." if counts else "")


@click.command("update", cls=CrisisCommand)
@click.option("--url", help="Where to download the dataset (its signature is URL + .minisig).")
@click.option(
    "--file",
    "file",
    type=click.Path(dir_okay=False),
    help="Install a signed dataset from a file instead (its signature beside it: FILE.minisig).",
)
@click.option("--check", "check_only", is_flag=True, help="Only say whether a newer dataset exists.")
@click.option("--rollback", is_flag=True, help="Go back to the previous dataset (or the bundled one).")
@output_options
def update_cmd(app: App, url: str | None, file: str | None, check_only: bool, rollback: bool) -> int:
    """Download, verify and install newer crisis-line data.

    Nothing is replaced unless the download is signed by a trusted key, parses, passes every
    validation rule, keeps every country and its lines, and is newer than what you have.
    Lookups never need the network; a failed or interrupted update leaves your data as it was.
    With --file (no network: a copy from a USB stick, say) the same checks apply.

    \b
    Exit codes: 0 installed, already current or rolled back; 2 usage problem or a data
    directory that cannot be written; 3 nothing to roll back; 4 network or server failure (or
    another update running); 5 signature, parse or validation failure.
    """
    from .. import update

    if rollback and (check_only or url or file):
        raise UsageProblem("--rollback does not go with --check, --url or --file")
    if url and file:
        raise UsageProblem("give --url or --file, not both")
    progress = app.screen.talk if app.screen.err.isatty() else (lambda _msg: None)
    if rollback:
        outcome = update.rollback(app.env)
    elif file:
        keys = update.trusted_keys(app.env, app.config.trusted_keys)
        outcome = update.install_file(app.env, file, keys, check_only=check_only, progress=progress)
    else:
        source = _source(app, url)
        keys = update.trusted_keys(app.env, app.config.trusted_keys)
        outcome = update.run_update(app.env, source, keys, check_only=check_only, progress=progress)
    data = {
        "status": outcome.status,
        "version": outcome.version,
        "previous_version": outcome.previous_version,
        "source_url": outcome.source_url,
        "key_id": outcome.key_id,
        "changes": outcome.changes,
        "note": outcome.note,
    }
    app.reload_dataset()  # report the dataset now active
    row = {key: value for key, value in data.items() if key != "changes"}
    row["changes"] = "; ".join(f"{k} {','.join(v)}" for k, v in outcome.changes.items() if v)
    app.emit("update", data, human=lambda: render.safe_text(_describe(outcome), multiline=True), rows=lambda: [row])
    return 0
