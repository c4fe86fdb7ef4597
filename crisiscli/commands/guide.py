"""`crisiscli about [TOPIC]` and `crisiscli coping [ID]`: what self-harm is, and what helps."""

from __future__ import annotations

from typing import Any

import click

from ..cli import App, CrisisCommand, complete_ids, output_options
from ..errors import UsageProblem


@click.command("about", cls=CrisisCommand)
@click.argument("topic", required=False, shell_complete=complete_ids("about"))
@click.option("--sources", "full_sources", is_flag=True, help="List every source with its full address.")
@output_options
def about_cmd(app: App, topic: str | None, full_sources: bool) -> int:
    """What self-harm is, why it happens, how to help: short, sourced topics.

    Without TOPIC, lists the topics. TOPIC is an id (`what-is-self-harm`), its start (`myths`)
    or words from its title. Sources are named at the end; `--sources` lists them in full.
    """
    from .. import guide, render_guide

    if topic is None:
        items = guide.topics()
        listing = [{"id": t.id, "title": t.title, "summary": t.summary} for t in items]
        app.emit(
            "about",
            listing,
            human=lambda: render_guide.topic_list(items, app.screen.width),
            rows=lambda: listing,
            with_dataset=False,
            page=True,
        )
        return 0
    chosen = guide.find_topic(topic)
    app.emit(
        "about",
        chosen.to_dict(),
        with_dataset=False,
        page=True,
        human=lambda: render_guide.topic_page(chosen, app.screen.width, app.screen.color, full_sources),
        rows=lambda: [{"id": chosen.id, "title": chosen.title, "summary": chosen.summary}],
    )
    return 0


@click.command("coping", cls=CrisisCommand)
@click.argument("strategy", required=False, shell_complete=complete_ids("coping"))
@click.option(
    "--category",
    help="Only this kind: calm, express, connect, distract, release (moving in a way that stays calm), plan.",
)
@click.option("--moment", help="now (works within minutes) or later (builds over time).")
@click.option("--random", "at_random", is_flag=True, help="Show one strategy for right now, chosen at random.")
@click.option("--sources", "full_sources", is_flag=True, help="List every source with its full address.")
@output_options
def coping_cmd(
    app: App, strategy: str | None, category: str | None, moment: str | None, at_random: bool, full_sources: bool
) -> int:
    """Things to do instead, right now or over time: steps, evidence and sources.

    Without ID, lists the strategies by what they are for; `--random` picks one that works in the
    moment (add `--moment later` for one to build over time).
    """
    from .. import guide, render_guide

    if strategy and (category or moment or at_random):
        raise UsageProblem("give a strategy ID, or filters (--category, --moment, --random), not both")
    if at_random and moment is None:
        moment = "now"  # "right now" must never offer a reflective or longer task
    candidates = guide.choose_strategies(category, moment)
    if not candidates:
        from ..errors import NothingMatched

        raise NothingMatched("no strategy fits those filters; `crisiscli coping` lists them all")
    if strategy or at_random:
        chosen = guide.find_strategy(strategy) if strategy else guide.pick_random(candidates)
        app.emit(
            "coping",
            chosen.to_dict(),
            with_dataset=False,
            page=True,
            human=lambda: render_guide.strategy_page(chosen, app.screen.width, app.screen.color, full_sources),
            rows=lambda: [_strategy_row(chosen)],
        )
        return 0
    listing = [_strategy_row(s) for s in candidates]
    app.emit(
        "coping",
        listing,
        with_dataset=False,
        page=True,
        rows=lambda: listing,
        human=lambda: render_guide.strategy_list(candidates, app.screen.width),
    )
    return 0


def _strategy_row(s: Any) -> dict[str, Any]:
    return {
        "id": s.id,
        "name": s.name,
        "category": s.category,
        "moment": s.moment,
        "evidence": s.evidence,
        "summary": s.summary,
    }
