"""`crisiscli where`: which country crisiscli would use, why, and how to change it."""

from __future__ import annotations

import click

from .. import render
from ..cli import App, CrisisCommand, output_options

HOW_TO_CHANGE = (
    "Name a country on the command line (`crisiscli lines GB`), set CRISISCLI_COUNTRY=GB, "
    'or put `country = "GB"` in {path}.'
)


@click.command("where", cls=CrisisCommand)
@output_options
def where_cmd(app: App) -> int:
    """The country crisiscli uses when you name none, why, and how to change it.

    Order: CRISISCLI_COUNTRY, then `country` in config.toml, then your time zone (TZ or
    /etc/localtime), then your locale (LC_ALL, LC_MESSAGES, LANG). Nothing known: no guess.
    """
    from ..countries import country_name

    detected = app.detected()
    data = {
        "iso2": detected.iso2,
        "name": country_name(detected.iso2) if detected.iso2 else None,
        "country_source": detected.source,
        "detail": detected.detail or None,
        "config_file": app.config.path,
        "data_dir": _data_dir(app),
        "how_to_change": HOW_TO_CHANGE.format(path=app.config.path),
    }

    def screen() -> str:
        if detected.iso2:
            head = f"{data['name']} ({detected.iso2}), {detected.reason()}."
        else:
            head = "No country is known: crisiscli will not guess, and shows how to find help anywhere."
        rows = [
            head,
            "",
            HOW_TO_CHANGE.format(path=app.config.path),
            "",
            f"Config file: {app.config.path}",
            f"Data folder: {data['data_dir']}",
        ]
        return "\n".join(render.wrap(render.safe_text(r), app.screen.width) if r else "" for r in rows)

    row = {"iso2": detected.iso2 or "", "country_source": detected.source, "detail": detected.detail}
    app.emit("where", data, human=screen, rows=lambda: [row], country_source=detected.source, with_dataset=False)
    return 0


def _data_dir(app: App) -> str:
    from ..config import data_dir

    return data_dir(app.env)
