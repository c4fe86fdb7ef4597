"""`crisiscli now [COUNTRY]`: the shortest path to help, in one screen."""

from __future__ import annotations

import click

from .. import countries
from ..cli import COUNTRY, App, CrisisCommand, output_options
from ..errors import EXIT_NO_MATCH, UsageProblem

NO_COUNTRY = "crisiscli could not tell which country you are in; name it: `crisiscli now GB`, or set CRISISCLI_COUNTRY"


@click.command("now", cls=CrisisCommand)
@click.argument("country", nargs=-1, type=COUNTRY)
@click.option("--young", is_flag=True, help="Also show lines for children and young people, where there are any.")
@output_options
def now_cmd(app: App, country: tuple[str, ...], young: bool) -> int:
    """The emergency number, the 24/7 lines and one thing to try right now.

    Without COUNTRY, crisiscli uses the country it detects (and says which on stderr).
    """
    from .. import guide, render_guide
    from ..query import crisis_lines, youth_lines

    source = "argument"
    if country:
        codes = countries.resolve_many(country)
        if len(codes) > 1:
            raise UsageProblem("`now` shows one country; for several, use `crisiscli lines " + " ".join(codes) + "`")
        code: str | None = codes[0]
    else:
        detected = app.detected()
        code, source = detected.iso2, detected.source
        if code:
            app.screen.talk(
                f"Showing help for {countries.country_name(code)} ({detected.reason()}); "
                "use `crisiscli now COUNTRY` to change."
            )
    record = app.dataset.country(code) if code else None
    today = app.today()
    always = crisis_lines(record, today) if record else []
    youth = youth_lines(record, today) if (record and young) else []
    has_plan = _plan_ready(app)
    step = guide.grounding_step()
    data = {
        "iso2": code,
        "name": countries.country_name(code) if code else None,
        "emergency": [e.to_dict() for e in record.emergency] if record else [],
        "lines": [line.to_dict() for line in always[:2]],
        "grounding": step,
        "medical": render_guide.MEDICAL,
        "plan": "crisiscli plan show" if has_plan else None,
    }
    if young:
        data["youth_lines"] = [line.to_dict() for line in youth[:2]]
    app.emit(
        "now",
        data,
        human=lambda: render_guide.now_page(
            record, always, step, has_plan, app.screen.width, app.screen.color, youth if young else None
        ),
        country=record,
        country_source=source,
        warnings=[NO_COUNTRY] if code is None else [],
    )
    if code is None:  # the same rule as `lines`: the fallback is shown, and scripts see exit 3
        app.screen.error(f"crisiscli: {NO_COUNTRY}")
        return EXIT_NO_MATCH
    return 0


def _plan_ready(app: App) -> bool:
    """Whether `plan show` would show a plan; the plan module (locks, parsing) is imported only
    when a plan file is there, so `now` stays fast for the many who have none."""
    import os

    from ..config import data_dir
    from ..paths import PLAN_FILE

    if not os.path.exists(os.path.join(data_dir(app.env), PLAN_FILE)):
        return False
    from ..plan import plan_readable

    return plan_readable(app.env)
