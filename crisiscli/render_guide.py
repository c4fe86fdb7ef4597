"""How `about`, `coping` and `now` read on a terminal: short paragraphs wrapped to the width.

Sources sit at the end in a short form (their hosts) so the reading part stays short; `--sources`
prints each one with its full address. An address is never broken across lines: a reader must be
able to copy it whole, so a long one may run past the width rather than be cut.
"""

from __future__ import annotations

from collections.abc import Sequence

from .guide import CATEGORY_TITLES, EVIDENCE, Strategy, Topic
from .model import Country, Line
from .render import _style, contact_text, safe_text
from .trust import host_of as _host


def _para(text: str, width: int, indent: str = "", hang: str | None = None) -> str:
    import textwrap

    return (
        "\n".join(
            textwrap.wrap(
                safe_text(text),
                width=width,
                initial_indent=indent,
                subsequent_indent=indent if hang is None else hang,
                break_on_hyphens=False,
                break_long_words=False,
            )
        )
        or indent
    )


def id_list(heading: str, entries: Sequence[tuple[str, str]], width: int) -> str:
    """A heading, then one `id  description` row per entry, ids aligned."""
    pad = max(len(i) for i, _ in entries) + 2
    return "\n".join([heading, "", *(_para(f"{i.ljust(pad)}{text}", width) for i, text in entries)])


def topic_list(items: Sequence[Topic], width: int) -> str:
    return id_list("Topics (read one with `crisiscli about ID`):", [(t.id, t.title) for t in items], width)


def reading_part(topic: Topic, width: int, color: bool) -> str:
    """Everything a reader reads in a topic, without its sources (kept short: see tests)."""
    out = []
    if topic.sensitive and topic.content_note:
        out.append(_para(f"Content note: {topic.content_note}", width))
        out.append("")
    out.append(_style(safe_text(topic.title), color, "1"))
    out.append(_para(topic.summary, width))
    for section in topic.sections:
        out.append("")
        if section.heading:
            out.append(_style(safe_text(section.heading), color, "1"))
        out.append("\n\n".join(_para(p, width) for p in section.paragraphs))
    for myth in topic.myths:
        out.append("")
        out.append(_para(f'Myth: "{myth.myth}"', width))
        out.append(_para(f"Fact: {myth.fact}", width))
    out.append("")
    out.append(_para(f"What next: {topic.hope_action}", width))
    if topic.see_also:
        out.append("")
        out.append(_para("See also: " + ", ".join(f"`crisiscli about {s}`" for s in topic.see_also), width))
    return "\n".join(out)


def topic_page(topic: Topic, width: int, color: bool, full_sources: bool = False) -> str:
    sources = (
        sources_block(topic.sources, width)
        if full_sources
        else short_sources(topic.sources, f"crisiscli about {topic.id} --sources", width)
    )
    return reading_part(topic, width, color) + "\n\n" + sources


def short_sources(sources: Sequence, command: str, width: int) -> str:
    """'Sources: nice.org.uk, mind.org.uk and 3 more. Full list: `...`.' The hosts, not the links."""
    hosts: list[str] = []
    for s in sources:
        host = _host(s.url)
        if host == "doi.org":  # a bare "doi.org" names no one; the DOI itself does
            host = "doi:" + s.url.split("doi.org/", 1)[-1]
        if host not in hosts:
            hosts.append(host)
    shown = ", ".join(hosts[:3])
    more = f" and {len(hosts) - 3} more" if len(hosts) > 3 else ""
    return _para(f"Sources: {shown}{more}. Full list: `{command}`.", width)


def sources_block(sources: Sequence, width: int) -> str:
    """Each source as its title, then its address alone on the next line, never broken."""
    rows = ["Sources:"]
    for s in sources:
        rows.append(_para(f"- {s.title or _host(s.url)}", width, hang="  "))
        rows.append(f"  {safe_text(s.url)}")
    return "\n".join(rows)


def strategy_list(items: Sequence[Strategy], width: int) -> str:
    """Strategies grouped by what they are for, in the order of CATEGORY_TITLES."""
    out = ["Things to try (read one with `crisiscli coping ID`; `--random` picks one for right now):"]
    pad = max(len(x.id) for x in items) + 2
    for category, title in CATEGORY_TITLES.items():
        group = [x for x in items if x.category == category]
        if not group:
            continue
        out.append("")
        out.append(f"{title} ({category}):")
        for x in group:
            when = "now" if x.moment == "now" else "later"
            out.append(_para(f"  {x.id.ljust(pad)}{x.name} ({when})", width))
    return "\n".join(out)


def strategy_page(s: Strategy, width: int, color: bool, full_sources: bool = False) -> str:
    when = "right now; it takes a few minutes" if s.moment == "now" else "over days and weeks"
    out = [_style(safe_text(s.name), color, "1"), _para(s.summary, width), ""]
    for i, step in enumerate(s.steps, 1):
        out.append(_para(f"{i}. {step}", width))
    if s.next_step:
        out.append(_para(f"Next: {s.next_step}", width))
    out.append("")
    out.append(_para(f"Use it {when}. {s.suits}", width))
    note = f" {s.evidence_note}" if s.evidence_note else ""
    out.append(_para(f"Evidence: {EVIDENCE[s.evidence]}.{note}", width))
    for caution in s.cautions:
        out.append(_para(f"Take care: {caution}", width))
    out.append("")
    out.append(
        sources_block(s.sources, width)
        if full_sources
        else short_sources(s.sources, f"crisiscli coping {s.id} --sources", width)
    )
    return "\n".join(out)


WARM = "You matter, and you don't have to get through this alone."
MEDICAL = "If you have taken something or are hurt, get medical help now, even if you feel fine."
MEDICAL_NOW = "Get medical help now, even if you feel fine"


def _ways(line: Line) -> str:
    """Call, text, chat and WhatsApp contacts, each with its own hours and notes if it has any."""
    return "; ".join(
        contact_text(line, c, notes=False) for c in line.contacts if c.type in ("voice", "sms", "chat", "whatsapp")
    )


def _line_row(line: Line, width: int) -> str:
    where = f"{line.region}, " if line.scope == "regional" and line.region else ""
    return _para(f"{line.name} ({where}24/7): {_ways(line)}", width)


def now_page(
    country: Country | None,
    lines: Sequence[Line],
    grounding: str,
    has_plan: bool,
    width: int,
    color: bool,
    youth: Sequence[Line] | None = None,
) -> str:
    """The shortest path to help: with the help footer that ends it, at most 15 lines on an
    80-column terminal.

    Its third line is the one thing everyone must hear: medical help after taking something or
    being hurt, even if you feel fine. What the footer says (the emergency number for an
    emergency, the worldwide directory) is not said twice. `youth` is None unless asked for
    (`now --young`); then its lines, or a word that there are none.
    """
    out = []
    if country is None:
        out.append(_style("Help right now", color, "1"))
        out.append(_para(WARM, width))
        out.append(_para(f"Taken something or hurt? {MEDICAL_NOW}: call your local emergency number.", width))
        out.append(
            _para(
                "To see crisis lines, name your country: `crisiscli now Germany` or "
                "`crisiscli now DE` (`crisiscli countries` lists them).",
                width,
            )
        )
        # the worldwide directory is in the help footer that ends the screen
    else:
        out.append(_style(f"Help right now: {safe_text(country.name)}", color, "1"))
        out.append(_para(WARM, width))
        emergency = country.general_emergency
        number = f"{emergency.number}" if emergency is not None else "your local emergency number"
        # "in an emergency, call 999" is the footer's; the top says the other thing everyone must hear
        out.append(_para(f"Taken something or hurt? {MEDICAL_NOW}: call {number}.", width))
        for line in lines[:2]:
            out.append(_line_row(line, width))
        if not lines:
            out.append(
                _para(
                    f"No 24/7 crisis line is recorded here; `crisiscli lines {safe_text(country.iso2)}` "
                    "shows the lines and their hours.",
                    width,
                )
            )
        if youth is not None:
            if youth:
                out.append(_para("For young people:", width))
                for line in youth[:2]:
                    hours = "24/7" if line.hours.always_open else safe_text(line.hours.text)
                    out.append(_para(f"{line.name} ({hours}): {_ways(line)}", width))
            else:
                out.append(
                    _para("No line just for young people is recorded here; the lines above are for everyone.", width)
                )
    out.append("")
    out.append(_para(f"One thing to try now: {grounding}", width))
    if has_plan:
        out.append(_para("Your safety plan: `crisiscli plan show`", width))
    if country is not None:
        out.append(
            _para(
                f"More: `crisiscli lines {safe_text(country.iso2)}` for every line, `crisiscli coping` for more "
                "to try.",
                width,
            )
        )
    else:
        out.append(_para("More to try: `crisiscli coping`.", width))
    return "\n".join(out)
