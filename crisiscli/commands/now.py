"""`crisiscli now [COUNTRY]`: the shortest path to help, in one screen."""

from __future__ import annotations

import click

from .. import countries, render
from ..cli import COUNTRY, App, CrisisCommand, output_options


@click.command("now", cls=CrisisCommand)
@click.argument("country", required=False, type=COUNTRY)
@output_options
def now_cmd(app: App, country: str | None) -> int:
    """The emergency number, the 24/7 lines and one thing to try right now.

    Without COUNTRY, crisiscli uses the country it detects (and says which on stderr).
    """
    from .. import guide, render_guide
    from ..plan import plan_readable
    from ..query import find_lines

    source = "argument"
    if country:
        code: str | None = countries.resolve(country)
    else:
        detected = app.detected()
        code, source = detected.iso2, detected.source
        if code:
            app.screen.talk(f"Showing help for {countries.country_name(code)} ({detected.reason()}); "
                            "use `crisiscli now COUNTRY` to change.")
    record = app.dataset.country(code) if code else None
    always = [line for line in find_lines(record) if line.hours.always_open
              and line.channels() & {"voice", "sms"}] if record else []
    has_plan = plan_readable(app.env)
    step = guide.grounding_step()
    if app.format == "json":
        data = {"iso2": code, "name": countries.country_name(code) if code else None,
                "emergency": [e.to_dict() for e in record.emergency] if record else [],
                "lines": [line.to_dict() for line in always[:2]], "grounding": step,
                "plan": "crisiscli plan show" if has_plan else None}
        app.screen.data(render.envelope("now", data, app.dataset_meta(), source))
        return 0
    page = render_guide.now_page(record, always, step, has_plan, app.screen.width, app.screen.color)
    app.screen.data(page + "\n\n" + app.footer(record))
    return 0
