"""The safety plan as people read it: on a terminal, on paper, in Markdown.

Why apart from plan.py: plan.py keeps the file (privacy, atomic writes, locks, limits) and knows
nothing of screens; this module only turns a checked Plan into text. Every item goes through
render.safe_text, so a plan file edited by hand cannot put terminal escapes on the screen.
"""

from __future__ import annotations

import re
import textwrap

from .plan import SECTIONS, Plan
from .render import safe_text


def last_changed(plan: Plan) -> str:
    """The date the plan was last changed (YYYY-MM-DD), or "" when unknown; safe to print."""
    stamp = plan.updated or plan.created
    return safe_text(stamp[:10]) if stamp else ""


def render_text(plan: Plan, width: int, hints: bool = True) -> str:
    """The plan for a terminal or a printer: numbered parts, numbered items (the numbers
    `plan edit --remove/--move` use), wrapped to `width`. Every item goes through safe_text."""
    changed = last_changed(plan)
    blocks = ["My safety plan" + (f" (last changed {changed})" if changed else "")]
    for number, part in enumerate(SECTIONS, 1):
        lines = [f"{number}. {part.title}"]
        items = plan.sections.get(part.key, [])
        for i, item in enumerate(items, 1):
            lead = f"   {i}) "
            lines.append(
                textwrap.fill(
                    safe_text(item),
                    width=max(20, width),
                    initial_indent=lead,
                    subsequent_indent=" " * len(lead),
                    break_long_words=False,
                    break_on_hyphens=False,
                )
            )
        if not items:
            lines.append(
                f"   Nothing here yet. Add something: crisiscli plan edit {number}"
                if hints
                else "   (nothing written yet)"
            )
        blocks.append("\n".join(lines))
    if hints:
        blocks.append(
            textwrap.fill(
                "Change a part with `crisiscli plan edit NUMBER`, for example "
                '`crisiscli plan edit 4 --add "Name, phone number"`.',
                width=max(20, width),
            )
        )
    return "\n\n".join(blocks)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")
_MD_LEADING = re.compile(r"^([+\-=]|\d+[.)])")


def markdown_escape(text: str) -> str:
    """User text that stays plain text in Markdown: no headings, links, HTML or list markers."""
    escaped = _MD_SPECIAL.sub(r"\\\1", text)
    return _MD_LEADING.sub(lambda m: m.group(1)[:-1] + "\\" + m.group(1)[-1], escaped)


def render_markdown(plan: Plan) -> str:
    """The plan as Markdown, to print or share by choice; every item through safe_text, escaped."""
    changed = last_changed(plan)
    blocks = ["# My safety plan"]
    if changed:
        blocks.append(f"_Last changed {changed}_")
    for number, part in enumerate(SECTIONS, 1):
        blocks.append(f"## {number}. {part.title}")
        items = plan.sections.get(part.key, [])
        if items:
            blocks.append("\n".join(f"{i}. {markdown_escape(safe_text(item))}" for i, item in enumerate(items, 1)))
        else:
            blocks.append("_Nothing written here yet._")
    return "\n\n".join(blocks)
