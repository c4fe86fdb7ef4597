"""`crisiscli report LINE_ID`: a ready-to-send report about a wrong or dead number.

Why a command: the person who finds that a number no longer works is the first to know, and
the fix (data/README.md, "From a report to every copy") starts with exactly these facts: which
line, which numbers this copy shows, which dataset it came from. crisiscli sends nothing: the
report is printed for the person to send themselves, so no data leaves the machine unasked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from .. import __version__, render
from ..cli import App, CrisisCommand, output_options
from ..errors import UsageProblem
from ..paths import close_matches

if TYPE_CHECKING:
    from datetime import date

    from ..model import Country, Line

# Where reports go. The project has no published contact yet; when it has one (a tracker URL
# or an address), put it here and in data/README.md. Never invent one.
REPORT_TO: str | None = None
SEND_HINT = (
    "open an issue in the project's tracker (where you got crisiscli) and paste this "
    "report; crisiscli has not sent anything"
)

WHAT_IS_WRONG = (
    "[ ] the number does not connect, or is out of service",
    "[ ] it reaches a different service",
    "[ ] the opening hours are wrong",
    "[ ] the name, languages, cost or who it is for is wrong",
    "[ ] something else",
)


def _find_line(app: App, line_id: str) -> tuple[Country, Line]:
    """The line and its country; a usage error with near ids when there is none. Ids start with
    their country's code, so that country is searched first; the others only if need be."""
    dataset = app.dataset
    wanted = line_id.strip().lower()
    prefix = wanted.split("-", 1)[0].upper()
    codes = ([prefix] if prefix in dataset else []) + [c for c in dataset.codes() if c != prefix]
    all_ids: list[str] = []
    for code in codes:
        country = dataset.country(code)
        for line in country.lines if country is not None else ():
            if line.id.lower() == wanted:
                return country, line
            all_ids.append(line.id)
    near = close_matches(wanted, all_ids)
    hint = f" Did you mean {', '.join(near)}?" if near else ""
    raise UsageProblem(
        f"no line with id {render.safe_text(line_id)!r}.{hint} Line ids are shown by "
        "`crisiscli lines COUNTRY --format plain` (and `id` in --json).",
        suggestions=near,
    )


def _numbers(line: Line) -> list[dict[str, str]]:
    out = []
    for contact in line.contacts:
        entry = {"type": contact.type, "display": contact.display}
        if contact.dial:
            entry["dial"] = contact.dial
        if contact.url:
            entry["url"] = contact.url
        out.append(entry)
    return out


def report_text(country: Country, line: Line, meta: dict[str, object], today: date) -> str:
    """The report as plain text, every value from the data made safe for a terminal."""
    s = render.safe_text
    numbers = []
    for contact in line.contacts:
        how = s(contact.dial or contact.url or "")
        numbers.append(
            f"  - {s(contact.type)}: {s(contact.display)}" + (f" ({how})" if how and how != s(contact.display) else "")
        )
    from ..trust import best_source, judge

    sources = line.provenance.sources
    best = best_source(sources)
    source = f"{s(best.url)} (read {s(best.accessed)})" if best else "none recorded"
    more = f" and {len(sources) - 1} more" if len(sources) > 1 else ""
    trust = judge(line, today)
    status = (
        f"confirmed, newest evidence {s(trust.evidence_date)}"
        if trust.confirmed
        else f"unconfirmed ({s(trust.why or 'no reason recorded')})"
    )
    origin = {
        "bundled": "the data that came with crisiscli",
        "updated": "an update",
        "previous": "the previous update",
    }.get(str(meta.get("origin")), s(meta.get("origin")))
    send = f"send it to {s(REPORT_TO)}" if REPORT_TO else SEND_HINT
    return "\n".join(
        [
            f"Report: wrong or outdated details for {s(line.id)}",
            "",
            f"Line:      {s(line.id)}: {s(line.name)}",
            f"Country:   {s(country.name)} ({s(country.iso2)})",
            "Numbers shown:",
            *numbers,
            f"Source:    {source}{more}; last verified {s(line.provenance.last_verified)}",
            f"Status:    {status}",
            f"Dataset:   version {meta.get('version')}, generated {s(meta.get('generated_at'))}, from {origin}",
            f"crisiscli: {__version__}",
            "",
            "What is wrong (tick what applies):",
            *WHAT_IS_WRONG,
            "",
            "What happened, and when (date, time, and how you tried to reach it):",
            "",
            "",
            "Where the right details are published, if you know (a link to the service's or a",
            "government page, and the date on that page):",
            "",
            "",
            "Please leave out your own phone number and anything else personal.",
            "",
            f"How to send this: {send}.",
        ]
    )


@click.command("report", cls=CrisisCommand)
@click.argument("line_id")
@output_options
def report_cmd(app: App, line_id: str) -> int:
    """Print a ready-to-send report about a wrong or dead number (sends nothing).

    LINE_ID is the line's id, shown by `crisiscli lines COUNTRY --format plain` and as `id` in
    --json. The report names the line, the numbers this copy shows and the dataset they came
    from, with a template for what is wrong and where to send it.
    """
    country, line = _find_line(app, line_id)
    meta = app.dataset_meta()
    text = report_text(country, line, meta, app.today())
    how = SEND_HINT if REPORT_TO is None else f"send it to {REPORT_TO}"
    data = {
        "line_id": line.id,
        "name": line.name,
        "country": country.iso2,
        "numbers": _numbers(line),
        "sources": [src.to_dict() for src in line.provenance.sources],
        "last_verified": line.provenance.last_verified,
        "crisiscli_version": __version__,
        "what_is_wrong": [item[4:] for item in WHAT_IS_WRONG],
        "send_to": REPORT_TO,
        "how_to_send": how,
        "report": text,
    }
    # plain and csv: the report one line per record, for a script that pastes it somewhere
    app.emit(
        "report", data, human=lambda: text, country=country, rows=lambda: [{"report": row} for row in text.split("\n")]
    )
    return 0
