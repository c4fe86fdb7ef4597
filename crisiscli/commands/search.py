"""`crisiscli search TEXT`: find a line in any country by name, operator, topic, audience,
language or number (including a number the line no longer uses)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from .. import render
from ..cli import COUNTRY, App, CrisisCommand, output_options
from ..errors import CrisisError

if TYPE_CHECKING:
    from datetime import date, datetime

    from ..model import Line
    from ..search import Hit


@click.command("search", cls=CrisisCommand)
@click.argument("text", nargs=-1)
@click.option("--country", type=COUNTRY, help="Only lines in this country (code or name).")
@output_options
def search_cmd(app: App, text: tuple[str, ...], country: str | None) -> int:
    """Search every country's lines by name, operator, topic, audience, language or number.

    Words may be partial and accents and case do not matter ("samar", "lgbt", "espanol");
    every word must match. Numbers match however they are written ("116 123", "+49 800 111 0 111").
    A number a line no longer uses finds the line that replaced it, with a note that it changed.
    Best matches first: the exact number, then the name, then other fields; among equals, your
    own country's lines first.

    \b
    Examples:
      crisiscli search samaritans
      crisiscli search lgbt
      crisiscli search "116 123"
      crisiscli search youth --country DE

    \b
    Plain format columns (tab-separated, one record per line):
      iso2 country line_id name how_to_reach hours matched note evidence_date confirmed
    """
    from ..search import search

    hits = search(app.dataset, " ".join(text), country=country, prefer=_home(app, country))
    single = app.dataset.country(hits[0].iso2) if country is not None else None
    today = app.today()
    app.emit(
        "search",
        [_hit_json(hit, today) for hit in hits],
        human=lambda: _table(app, hits),
        rows=lambda: [_record(hit, today) for hit in hits],
        country=single,
    )
    return 0


def _hit_json(hit: Hit, today: date) -> dict[str, Any]:
    """A hit as the JSON contract gives it, its line with `confirmation` as `lines` has it."""
    from ..trust import judge

    data = hit.to_dict()
    data["line"]["confirmation"] = judge(hit.line, today).to_dict()
    return data


def _home(app: App, country: str | None) -> tuple[str, ...]:
    """The user's own country, to list first among equal matches; quietly nothing if unknown."""
    if country is not None:
        return ()
    try:
        iso2 = app.detected().iso2
    except CrisisError:
        return ()
    return (iso2,) if iso2 else ()


def _reach(line: Line) -> list[str]:
    return [render.contact_label(c) for c in line.contacts]


def _record(hit: Hit, today: date) -> dict[str, str]:
    from ..trust import judge

    line = hit.line
    trust = judge(line, today)
    return {
        "iso2": hit.iso2,
        "country": hit.country,
        "line_id": line.id,
        "name": line.name,
        "how_to_reach": " / ".join(_reach(line)),
        "hours": line.hours.text,
        "matched": ",".join(hit.matched),
        "note": hit.note or "",
        "evidence_date": trust.evidence_date or "",
        "confirmed": "yes" if trust.confirmed else "no",
    }


def _hours_cell(line: Line, now: datetime) -> str:
    from ..hours import status

    text = render.safe_text(line.hours.text)
    if line.hours.always_open:
        return text
    state = status(line.hours, now)
    return text if state.open is None else f"{text}\n{state.text}"


def _table(app: App, hits: list[Hit]) -> str:
    width = app.screen.width
    now = app.now()
    today = app.today()
    blocks: list[str] = []
    for hit in hits:
        if hit.note:
            blocks.append(render.wrap(render.safe_text(hit.note), width))
    rows: list[list[Any]] = [
        [
            render.safe_text(f"{hit.country} ({hit.iso2})"),
            render.line_cell(hit.line, today),
            "\n".join(_reach(hit.line)),
            _hours_cell(hit.line, now),
        ]
        for hit in hits
    ]
    blocks.append(render.table(rows, ["Country", "Line", "How to reach", "Hours"], width))
    sources = ["Sources:"]
    for hit in hits:
        sources.append(
            render.hanging(
                f"{render.safe_text(hit.line.name)} ({hit.iso2}): {render.line_source(hit.line, today)}", width
            )
        )
    blocks.append("\n".join(sources))
    return "\n\n".join(blocks)
