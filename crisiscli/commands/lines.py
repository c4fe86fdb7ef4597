"""`crisiscli lines` (alias `hotlines`) and `crisiscli countries`: the lookup itself."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from .. import countries, render
from ..cli import COUNTRY, App, CrisisCommand, output_options
from ..errors import EXIT_NO_MATCH, UsageProblem

if TYPE_CHECKING:
    from datetime import datetime

    from ..hours import OpenStatus
    from ..query import LinesResult, Nearest, Section


@click.command("lines", cls=CrisisCommand)
@click.argument("country", nargs=-1, type=COUNTRY)
@click.option("--all", "all_countries", is_flag=True, help="Every country in the dataset.")
@click.option("--topic", help="Only lines for this topic (e.g. suicide, self_harm, emotional_support).")
@click.option("--audience", help="Only lines for this audience (e.g. youth, lgbtq, veterans).")
@click.option("--channel", help="Only lines reachable this way: voice, sms, chat, whatsapp, email, web.")
@click.option("--language", help="Only lines that speak this language code (e.g. en, fr, pt-BR).")
@click.option("--open-now", is_flag=True, help="Only lines open now (the emergency number always shows).")
@click.option(
    "--open-at",
    metavar="DATETIME",
    help="Only lines open then: 03:00 (today, each line's local time), 2026-11-29T03:00, or 2026-11-29T03:00+01:00.",
)
@output_options
def lines_cmd(
    app: App,
    country: tuple[str, ...],
    all_countries: bool,
    topic: str | None,
    audience: str | None,
    channel: str | None,
    language: str | None,
    open_now: bool,
    open_at: str | None,
) -> int:
    """Crisis lines and emergency numbers (alias: hotlines).

    COUNTRY is an ISO code (GB, GBR) or a name in English or the country's own language
    ("Deutschland", "España"), any case. Several countries at once are fine. Without COUNTRY,
    crisiscli uses CRISISCLI_COUNTRY, the config file, your time zone, then your locale, and says
    which it chose on stderr.

    \b
    Plain format columns (tab-separated, one record per line):
      kind iso2 country name channel display dial hours cost languages audiences line_id
      source last_verified
    """
    from ..query import lookup_lines, make_filters

    filters = make_filters(topic, audience, channel, language, dataset=app.dataset)
    moment = _moment(app, open_now, open_at)
    if all_countries:
        codes, source = app.dataset.codes(), "argument"
    elif country:
        codes, source = countries.resolve_many(country), "argument"
    else:
        detected = app.detected()
        if detected.iso2 is None:
            return _no_country(app, "lines")
        codes, source = [detected.iso2], detected.source
        app.screen.talk(
            f"Showing lines for {countries.country_name(detected.iso2)} ({detected.reason()}); "
            "use `crisiscli lines COUNTRY` to change."
        )
    today = app.today()
    result = lookup_lines(app.dataset, codes, filters, today)
    statuses: dict[str, OpenStatus] = {}
    if moment is not None:
        result, statuses = _open_only(app, result, moment, current=open_at is None)
    sections = [(s.country, s.lines) for s in result.sections if s.country is not None]
    missing = [s for s in result.sections if s.country is None]
    nearest = {n.section.iso2: n for n in result.nearest}
    error = {"code": "no_match", "message": result.problem, "suggestions": []} if result.problem else None
    app.emit(
        "lines",
        lambda: [_section_json(s, statuses, today, nearest.get(s.iso2)) for s in result.sections],
        human=lambda: "\n\n".join(_human_blocks(app, result, sections, missing, statuses, today)),
        # a CSV always has its header, even with no record
        records=lambda fmt: render.lines_records(sections, fmt, today) if sections or fmt == "csv" else "",
        country=result.sections[0].country if len(result.sections) == 1 else None,
        country_source=source,
        warnings=[result.problem] if result.problem else [],
        error=error,
    )
    if result.problem:
        app.screen.error(f"crisiscli: {result.problem}")
        return EXIT_NO_MATCH
    return 0


def _human_blocks(
    app: App,
    result: LinesResult,
    sections: list[tuple[Any, Any]],
    missing: list[Section],
    statuses: dict[str, OpenStatus],
    today: Any,
) -> list[str]:
    """The table screen. When filters match nothing: the nearest lines that exist, or, for many
    countries at once, one short line rather than a screen per country."""
    blocks = []
    status_text = {k: v.text for k, v in statuses.items()}
    no_match = bool(result.problem) and not missing
    if no_match and result.nearest:
        for n in result.nearest:
            if n.section.country is None:
                continue
            blocks.append(
                render.wrap(
                    render.safe_text(f"No line in {n.section.name} matches all of that. Without {n.dropped}:"),
                    app.screen.width,
                )
            )
            blocks.append(
                render.lines_table(
                    [(n.section.country, n.section.lines)], app.screen, statuses=status_text, today=today
                )
            )
    elif no_match and len(sections) > 3:
        blocks.append(render.wrap(render.safe_text(f"{result.problem}."), app.screen.width))
    elif sections:
        empty = "No line matches those filters here; the emergency number above still works." if no_match else None
        blocks.append(render.lines_table(sections, app.screen, empty_note=empty, statuses=status_text, today=today))
    for s in missing:
        blocks.append(render.safe_text(f"{s.name} ({s.iso2})\nNo numbers are recorded for {s.name} yet."))
    return blocks


def _moment(app: App, open_now: bool, open_at: str | None) -> datetime | None:
    """When --open-now/--open-at ask about: aware for one instant, naive for each line's own
    local time; None when neither was given."""
    if open_now and open_at is not None:
        raise UsageProblem("use --open-now or --open-at, not both")
    if open_at is not None:
        from ..hours import parse_at

        return parse_at(open_at, app.today())
    return app.now() if open_now else None


def _open_only(
    app: App, result: LinesResult, moment: datetime, current: bool
) -> tuple[LinesResult, dict[str, OpenStatus]]:
    """Keep the lines open at `moment` (emergency numbers are part of the country, so they stay).
    Lines whose hours are not known are left out, and stderr says how many."""
    from ..hours import status_at
    from ..query import LinesResult

    statuses: dict[str, OpenStatus] = {}
    sections, unknown = [], 0
    for section in result.sections:
        kept = []
        for line in section.lines:
            # open when any way to reach it is open: a chat may keep other hours than the phone
            states = [
                status_at(h, moment, current)
                for h in {
                    id(h): h for h in [line.hours, *(c.hours_override for c in line.contacts if c.hours_override)]
                }.values()
            ]
            state = next((x for x in states if x.open), states[0])
            statuses[line.id] = state
            if state.open:
                kept.append(line)
            elif state.open is None:
                unknown += 1
        sections.append(section._replace(lines=tuple(kept)))
    if unknown:
        app.screen.talk(
            f"{unknown} line(s) with unknown opening hours are not shown; run without --open-now/--open-at to see them."
        )
    problem = result.problem
    known = [s for s in sections if s.country is not None]
    if problem is None and known and not any(s.lines for s in known):
        where = ", ".join(s.name for s in known)
        problem = f"no line in {where} is known to be open then; the emergency number still works"
    return LinesResult(tuple(sections), problem), statuses


def _section_json(
    section: Section, statuses: dict[str, OpenStatus], today: Any, nearest: Nearest | None = None
) -> dict[str, Any]:
    """The section's JSON: each line with `confirmation` {status, evidence_date, why}, and with
    `open_status` {open, text, changes_at} when asked; `nearest` when filters matched nothing."""
    from ..trust import judge

    data = section.to_dict()
    for raw, line in zip(data["lines"], section.lines, strict=True):  # type: ignore[call-overload]
        raw["confirmation"] = judge(line, today).to_dict()
        state = statuses.get(line.id)
        if state is not None:
            raw["open_status"] = {
                "open": state.open,
                "text": state.text,
                "changes_at": state.changes_at.isoformat() if state.changes_at else None,
            }
    if nearest is not None:
        near = _section_json(nearest.section, statuses, today)
        data["nearest"] = {"dropped": nearest.dropped, "lines": near["lines"]}
    return data


def _no_country(app: App, command: str) -> int:
    """Nothing tells us where the user is: the international fallback, not a guess (exit 3)."""
    message = (
        "crisiscli could not tell which country you are in; name it, for example "
        "`crisiscli lines GB`, or set CRISISCLI_COUNTRY"
    )
    app.emit(
        command,
        [],
        human=lambda: "",
        rows=lambda: [],
        country_source="none",
        warnings=[message],
        error={"code": "no_country", "message": message, "suggestions": []},
    )
    app.screen.error(f"crisiscli: {message}")
    return EXIT_NO_MATCH


@click.command("countries", cls=CrisisCommand)
@output_options
def countries_cmd(app: App) -> int:
    """Countries in the dataset: code, name, emergency number, number of lines.

    One per line (tab-separated) when the output is not a terminal.
    """
    rows = []
    for c in app.dataset.countries():
        active = [line for line in c.lines if line.is_active]
        emergency = c.general_emergency
        rows.append(
            {"iso2": c.iso2, "name": c.name, "emergency": emergency.number if emergency else "", "lines": len(active)}
        )
    if not app.format_given and not app.screen.out.isatty():
        app.format = "plain"  # one country per line for a pipe

    def screen() -> str:
        table_rows = [
            [r["iso2"], render.safe_text(r["name"]), render.safe_text(r["emergency"]), str(r["lines"])] for r in rows
        ]
        return render.table(table_rows, ["Code", "Country", "Emergency", "Lines"], app.screen.width)

    app.emit("countries", rows, human=screen, rows=lambda: rows)
    return 0
