"""`crisiscli lines` (alias `hotlines`) and `crisiscli countries`: the lookup itself."""

from __future__ import annotations

import click

from .. import countries, render
from ..cli import App, CrisisCommand, output_options
from ..errors import EXIT_NO_MATCH


@click.command("lines", cls=CrisisCommand)
@click.argument("country", nargs=-1)
@click.option("--all", "all_countries", is_flag=True, help="Every country in the dataset.")
@click.option("--topic", help="Only lines for this topic (e.g. suicide, self_harm, emotional_support).")
@click.option("--audience", help="Only lines for this audience (e.g. youth, lgbtq, veterans).")
@click.option("--channel", help="Only lines reachable this way: voice, sms, chat, whatsapp, email, web.")
@click.option("--language", help="Only lines that speak this language code (e.g. en, fr, pt-BR).")
@output_options
def lines_cmd(app: App, country: tuple[str, ...], all_countries: bool, topic: str | None,
              audience: str | None, channel: str | None, language: str | None) -> int:
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

    filters = make_filters(topic, audience, channel, language)
    if all_countries:
        codes, source = app.dataset.codes(), "argument"
    elif country:
        codes, source = [countries.resolve(text) for text in country], "argument"
    else:
        detected = app.detected()
        if detected.iso2 is None:
            return _no_country(app, "lines")
        codes, source = [detected.iso2], detected.source
        app.screen.talk(f"Showing lines for {countries.country_name(detected.iso2)} ({detected.reason()}); "
                        "use `crisiscli lines COUNTRY` to change.")
    result = lookup_lines(app.dataset, codes, filters)
    sections = [(s.country, s.lines) for s in result.sections if s.country is not None]
    missing = [s for s in result.sections if s.country is None]
    if app.format == "json":
        error = {"code": "no_match", "message": result.problem, "suggestions": []} if result.problem else None
        app.screen.data(render.envelope("lines", [s.to_dict() for s in result.sections], app.dataset_meta(),
                                        source, warnings=[result.problem] if result.problem else [], error=error))
    elif app.format == "csv":
        app.screen.data(render.lines_csv(sections))
    elif app.format == "plain":
        if sections:
            app.screen.data(render.lines_plain(sections))
    else:
        blocks = []
        if sections:
            empty = "No line matches those filters here; the emergency number above still works." \
                if not filters.is_empty() else None
            blocks.append(render.lines_table(sections, app.screen, empty_note=empty))
        for s in missing:
            blocks.append(render.safe_text(f"{s.name} ({s.iso2})\nNo numbers are recorded for {s.name} yet."))
        blocks.append(app.footer(result.sections[0].country if len(result.sections) == 1 else None))
        app.screen.data("\n\n".join(blocks))
    if app.format == "plain" and app.human:
        app.screen.data(app.footer())
    if result.problem:
        app.screen.error(f"crisiscli: {result.problem}")
        return EXIT_NO_MATCH
    return 0


def _no_country(app: App, command: str) -> int:
    """Nothing tells us where the user is: the international fallback, not a guess (exit 3)."""
    message = ("crisiscli could not tell which country you are in; name it, for example "
               "`crisiscli lines GB`, or set CRISISCLI_COUNTRY")
    if app.format == "json":
        app.screen.data(render.envelope(command, [], app.dataset_meta(), "none", warnings=[message],
                                        error={"code": "no_country", "message": message, "suggestions": []}))
    elif app.format in ("table", "plain") and app.human:
        app.screen.data(app.footer())
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
        rows.append({"iso2": c.iso2, "name": c.name, "emergency": emergency.number if emergency else "",
                     "lines": len(active)})
    fmt = app.format if app.format_given or app.screen.out.isatty() else "plain"
    if fmt == "json":
        app.screen.data(render.envelope("countries", rows, app.dataset_meta()))
    elif fmt == "csv":
        app.screen.data(render.rows_csv(rows))
    elif fmt == "plain":
        app.screen.data("\n".join("\t".join(render.safe_text(v) for v in r.values()) for r in rows))
    else:
        table_rows = [[r["iso2"], render.safe_text(r["name"]), render.safe_text(r["emergency"]), str(r["lines"])]
                      for r in rows]
        app.screen.data(render.table(table_rows, ["Code", "Country", "Emergency", "Lines"], app.screen.width)
                        + "\n\n" + app.footer())
    return 0
