"""`crisiscli data info` and `crisiscli data validate [FILE]`: what is active, and is a file sound."""

from __future__ import annotations

import click

from .. import render
from ..cli import App, CrisisCommand, CrisisSubGroup, output_options
from ..errors import EXIT_INVALID, DatasetError, UsageProblem


@click.group("data", cls=CrisisSubGroup)
def data_group() -> None:
    """Inspect and check the crisis-line dataset."""


@data_group.command("info", cls=CrisisCommand)
@output_options
def info_cmd(app: App) -> int:
    """Which dataset is active, from where, how old, and what it covers."""
    from ..coverage import coverage

    dataset = app.dataset
    info = {
        **app.dataset_meta(),
        "schema_version": dataset.info.schema_version,
        "path": dataset.info.path,
        **app.update_state(),
        "coverage": coverage(dataset),
    }
    cov = info["coverage"]
    rows = [[key, "" if value is None else str(value)] for key, value in info.items() if key != "coverage"]
    rows += [
        ["countries with emergency numbers", str(cov["countries_with_emergency_numbers"])],
        ["countries with crisis lines", str(cov["countries_with_lines"])],
        ["crisis lines", str(cov["lines"])],
        ["lines by confidence", ", ".join(f"{k} {v}" for k, v in cov["lines_by_confidence"].items())],
        ["oldest last_verified", str(cov["oldest_last_verified"])],
    ]
    app.emit(
        "data info",
        info,
        rows=lambda: [{"field": k, "value": v} for k, v in rows],
        human=lambda: render.table(
            [[render.safe_text(a), render.safe_text(b)] for a, b in rows], ["Dataset", ""], app.screen.width
        ),
    )
    return 0


@data_group.command("validate", cls=CrisisCommand)
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@output_options
def validate_cmd(app: App, file: str | None) -> int:
    """Check FILE (default: the active dataset) against every rule; exit 5 on any failure.

    Rules: the JSON Schema (jsonschema), characters, digits equal the digits of dial, https links,
    unique ids, ISO codes, numbers valid for their country (phonenumbers), retired numbers never
    active, dates real and not in the future. A FILE that cannot be read is a usage error (exit 2).
    """
    import hashlib

    from ..dataset import MAX_BYTES, parse_strict
    from ..update import validate_safely
    from ..validate import Problem

    path = file or app.dataset.info.path
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        reason = (exc.strerror or type(exc).__name__).lower()
        raise UsageProblem(f"cannot read {path}: {reason}") from None
    try:
        doc = parse_strict(data, what=path)
        problems = validate_safely(doc, app.today(), hashlib.sha256(data).hexdigest())
    except DatasetError as exc:
        problems = [Problem("$", exc.message)]
    data_out = {
        "file": path,
        "valid": not problems,
        "problems": [{"path": p.path, "message": p.message} for p in problems],
    }
    rows = [{"file": path, "valid": "false", "path": p.path, "message": p.message} for p in problems] or [
        {"file": path, "valid": "true", "path": "", "message": ""}
    ]
    human = (
        "\n".join(render.safe_text(str(p)) for p in problems)
        if problems
        else render.safe_text(f"{path}: passes every rule")
    )
    app.emit("data validate", data_out, human=lambda: human, rows=lambda: rows, with_dataset=False)
    if problems:
        app.screen.error(f"crisiscli: {len(problems)} problem(s) in {path}")
        return EXIT_INVALID
    return 0
