"""How `about`, `coping` and `now` read on a terminal: short paragraphs wrapped to the width."""

from __future__ import annotations

from collections.abc import Sequence

from .guide import Strategy, Topic
from .model import Country, Line
from .render import _style, contact_text, safe_text, wrap


def _para(text: str, width: int, indent: str = "") -> str:
    import textwrap

    return "\n".join(textwrap.wrap(safe_text(text), width=width, initial_indent=indent,
                                   subsequent_indent=indent, break_on_hyphens=False)) or indent


def id_list(heading: str, entries: Sequence[tuple[str, str]], width: int) -> str:
    """A heading, then one `id  description` row per entry, ids aligned."""
    pad = max(len(i) for i, _ in entries) + 2
    return "\n".join([heading, "", *(_para(f"{i.ljust(pad)}{text}", width) for i, text in entries)])


def topic_list(items: Sequence[Topic], width: int) -> str:
    return id_list("Topics (read one with `crisiscli about ID`):", [(t.id, t.title) for t in items], width)


def topic_page(topic: Topic, width: int, color: bool) -> str:
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
    out.append("")
    out.append(sources_block(topic.sources, width))
    return "\n".join(out)


def sources_block(sources: Sequence, width: int) -> str:  # type: ignore[type-arg]
    rows = ["Sources:"]
    for s in sources:
        rows.append(_para(f"- {s.title or s.url} ({s.url})", width, indent="  "))
    return "\n".join(rows)


def strategy_list(items: Sequence[Strategy], width: int) -> str:
    return id_list("Things to try (read one with `crisiscli coping ID`):",
                   [(x.id, f"{x.name} ({x.category}, {x.moment})") for x in items], width)


def strategy_page(s: Strategy, width: int, color: bool) -> str:
    out = [_style(safe_text(s.name), color, "1"), _para(s.summary, width), ""]
    for i, step in enumerate(s.steps, 1):
        out.append(_para(f"{i}. {step}", width))
    out.append("")
    out.append(_para(f"When it suits: {s.suits}", width))
    note = f" {s.evidence_note}" if s.evidence_note else ""
    level = {"A": "studied in people in crisis", "B": "part of an evidence-based therapy",
             "C": "recommended by guidelines and services"}[s.evidence]
    out.append(_para(f"Evidence: {s.evidence} ({level}).{note}", width))
    for caution in s.cautions:
        out.append(_para(f"Take care: {caution}", width))
    out.append("")
    out.append(sources_block(s.sources, width))
    return "\n".join(out)


def now_page(country: Country | None, lines: Sequence[Line], grounding: str, has_plan: bool,
             width: int, color: bool) -> str:
    """The shortest path to help: at most 15 lines on an 80-column terminal."""
    out = []
    if country is None:
        out.append(_style("Help right now", color, "1"))
        out.append(_para("If you are in danger or hurt, call your local emergency number.", width))
        out.append(_para("Tell crisiscli where you are to see crisis lines: `crisiscli now COUNTRY`.", width))
    else:
        out.append(_style(f"Help right now: {safe_text(country.name)}", color, "1"))
        emergency = country.general_emergency
        if emergency is not None:
            out.append(_para(f"In danger or hurt: call {emergency.number} (emergency)", width))
        for line in lines[:2]:
            ways = "; ".join(contact_text(line, c) for c in line.contacts
                             if c.type in ("voice", "sms", "chat", "whatsapp"))
            out.append(_para(f"{line.name} (24/7): {ways}", width))
        if not lines:
            out.append(_para("No 24/7 crisis line is recorded here; the emergency number works at any hour.", width))
    out.append("")
    out.append(_para(f"One thing to try now: {grounding}", width))
    if has_plan:
        out.append(_para("Your safety plan: `crisiscli plan show`", width))
    where = f" {country.iso2}" if country else " COUNTRY"
    out.append(_para(f"More: `crisiscli lines{where}` for every line, `crisiscli coping` for more to try.", width))
    return "\n".join(out)
