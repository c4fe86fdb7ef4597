"""The `about` topics and `coping` strategies: loaded from data/guide.json and data/coping.json.

Why data, not code: every sentence here was written to the safe-messaging rules, carries its
sources and review metadata, and is checked by a test; keeping it in JSON lets reviewers read and
correct it without touching code. Loaded only by about, coping and now.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .countries import fold
from .errors import UsageProblem
from .model import Source
from .paths import data_file
from .records import NamedTuple

if TYPE_CHECKING:
    import random


# Grouped by what a strategy is for (issue 12): calming the body, letting a feeling out, reaching a
# person, taking the mind elsewhere, moving in a way that stays calm, and preparing ahead.
CATEGORIES = ("calm", "express", "connect", "distract", "release", "plan")
CATEGORY_TITLES = {
    "calm": "Calm your body and mind",
    "express": "Let the feeling out in words, sound or pictures",
    "connect": "Reach a person",
    "distract": "Give your mind something else to do",
    "release": "Move in a way that stays calm",
    "plan": "Prepare for harder moments",
}
MOMENTS = ("now", "later")
# What each evidence level says was actually studied (never the therapy a step might lead to).
EVIDENCE = {
    "A": "studied in people at risk of suicide or self-harm",
    "B": "part of a therapy studied as a whole; not tested on its own",
    "C": "studied for a related problem, not for self-harm",
    "D": "advised by health services and charities; not tested in trials",
}
# The one step `crisiscli now` offers; it must be an in-the-moment strategy (checked by a test).
NOW_STEP = "ground-54321"


class Section(NamedTuple):
    heading: str | None
    paragraphs: tuple[str, ...]


class Myth(NamedTuple):
    myth: str
    fact: str


class Topic(NamedTuple):
    id: str
    title: str
    sensitive: bool
    summary: str
    sections: tuple[Section, ...]
    hope_action: str
    sources: tuple[Source, ...]
    content_note: str | None = None
    myths: tuple[Myth, ...] = ()
    see_also: tuple[str, ...] = ()
    raw: Any = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.raw)


class Strategy(NamedTuple):
    id: str
    name: str
    category: str
    summary: str
    steps: tuple[str, ...]
    moment: str
    suits: str
    evidence: str
    cautions: tuple[str, ...]
    sources: tuple[Source, ...]
    evidence_note: str | None = None
    one_line: str | None = None
    next_step: str | None = None
    raw: Any = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.raw)


def _sources(items: list[dict[str, Any]]) -> tuple[Source, ...]:
    return tuple(Source(url=s["url"], accessed=s["accessed"], title=s.get("title")) for s in items)


def _read(name: str) -> dict[str, Any]:
    with open(data_file(name), encoding="utf-8") as fh:
        return json.load(fh)


@lru_cache(maxsize=1)
def topics() -> tuple[Topic, ...]:
    """Every `about` topic, in the order they are listed."""
    out = []
    for t in _read("guide.json")["topics"]:
        out.append(
            Topic(
                id=t["id"],
                title=t["title"],
                sensitive=t["sensitive"],
                summary=t["summary"],
                sections=tuple(Section(s.get("heading"), tuple(s["paragraphs"])) for s in t["sections"]),
                hope_action=t["hope_action"],
                sources=_sources(t["sources"]),
                content_note=t.get("content_note"),
                myths=tuple(Myth(m["myth"], m["fact"]) for m in t.get("myths", [])),
                see_also=tuple(t.get("see_also", [])),
                raw=t,
            )
        )
    return tuple(out)


@lru_cache(maxsize=1)
def strategies() -> tuple[Strategy, ...]:
    """Every coping strategy, in the order they are listed."""
    out = []
    for s in _read("coping.json")["strategies"]:
        out.append(
            Strategy(
                id=s["id"],
                name=s["name"],
                category=s["category"],
                summary=s["summary"],
                steps=tuple(s["steps"]),
                moment=s["moment"],
                suits=s["suits"],
                evidence=s["evidence"],
                cautions=tuple(s["cautions"]),
                sources=_sources(s["sources"]),
                evidence_note=s.get("evidence_note"),
                one_line=s.get("one_line"),
                next_step=s.get("next"),
                raw=s,
            )
        )
    return tuple(out)


def _find(text: str, items: tuple[Any, ...], what: str, label: str) -> Any:
    """By id, a unique id prefix, or words of the title/name; else a usage error with suggestions."""
    key = fold(text or "").replace(" ", "-")
    if not key:
        raise UsageProblem(f"give a {what} id; `crisiscli {label}` lists them")
    by_id = {item.id: item for item in items}
    if key in by_id:
        return by_id[key]
    prefixed = [item for item in items if item.id.startswith(key)]
    if len(prefixed) == 1:
        return prefixed[0]
    words = fold(text).split()
    named = [
        item
        for item in items
        if all(w in fold(str(getattr(item, "title", None) or getattr(item, "name", ""))) for w in words)
    ]
    if len(named) == 1:
        return named[0]
    from .paths import close_matches

    hints = close_matches(key, list(by_id), cutoff=0.5) or [i.id for i in prefixed[:3]]
    hint = f"; did you mean {', '.join(hints)}?" if hints else ""
    raise UsageProblem(f"no {what} {text[:60]!r}{hint} (`crisiscli {label}` lists them)", suggestions=hints)


def find_topic(text: str) -> Topic:
    return _find(text, topics(), "topic", "about")


def find_strategy(text: str) -> Strategy:
    return _find(text, strategies(), "strategy", "coping")


def choose_strategies(category: str | None = None, moment: str | None = None) -> list[Strategy]:
    """Strategies filtered by category and moment; an unknown value is a usage error."""
    if category is not None and category not in CATEGORIES:
        raise UsageProblem(f"unknown category {category[:40]!r}; choose one of: {', '.join(CATEGORIES)}")
    if moment is not None and moment not in MOMENTS:
        raise UsageProblem(f"--moment takes now or later, not {moment[:40]!r}")
    return [
        s
        for s in strategies()
        if (category is None or s.category == category) and (moment is None or s.moment == moment)
    ]


def pick_random(candidates: list[Strategy], rng: random.Random | None = None) -> Strategy:
    """One strategy, at random; the caller may pass a seeded Random."""
    if rng is None:
        import random

        rng = random.Random()
    return rng.choice(candidates)


def now_strategy() -> Strategy:
    """The strategy behind the one step `crisiscli now` offers: always one that works in the moment."""
    chosen = find_strategy(NOW_STEP)
    if chosen.moment != "now":  # a data edit must never turn a longer task into "right now"
        chosen = next(s for s in strategies() if s.moment == "now" and s.one_line)
    return chosen


def grounding_step() -> str:
    """The one short thing `crisiscli now` offers, in its one-line form."""
    strategy = now_strategy()
    return strategy.one_line or strategy.summary
