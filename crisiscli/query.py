"""Choose, filter and order the lines a person is shown.

Why the order matters: in a crisis the first thing read is the thing used. Primary lines come
first, then lines open around the clock, then the rest in the dataset's own order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from .errors import UsageProblem
from .model import Contact, Country, Line
from .paths import data_file
from .records import NamedTuple

if TYPE_CHECKING:
    from datetime import date

    from .dataset import Dataset

TOPICS = (
    "suicide",
    "self_harm",
    "emotional_support",
    "mental_health",
    "crisis",
    "substance_use",
    "abuse",
    "domestic_violence",
    "sexual_violence",
    "grief",
    "loneliness",
    "eating_disorders",
)
AUDIENCES = (
    "general",
    "children",
    "youth",
    "lgbtq",
    "veterans",
    "men",
    "women",
    "seniors",
    "indigenous",
    "students",
    "deaf",
    "family_friends",
)
CHANNELS = ("voice", "sms", "chat", "whatsapp", "messenger", "video", "email", "web")
_CHANNEL_ALIASES = {
    "call": "voice",
    "phone": "voice",
    "text": "sms",
    "sms": "sms",
    "web-chat": "chat",
    "webchat": "chat",
    "online": "chat",
}
_LANGUAGE = r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$"  # compiled when a --language is given


class Filters(NamedTuple):
    """What the user narrowed the lines to; empty means everything."""

    topic: str | None = None
    audience: str | None = None
    channel: str | None = None
    language: str | None = None

    def is_empty(self) -> bool:
        return not (self.topic or self.audience or self.channel or self.language)

    def describe(self) -> str:
        parts = [
            f"{k} {v}"
            for k, v in (
                ("topic", self.topic),
                ("audience", self.audience),
                ("channel", self.channel),
                ("language", self.language),
            )
            if v
        ]
        return ", ".join(parts)


def _choose(
    value: str | None,
    allowed: Iterable[str],
    what: str,
    aliases: dict[str, str] | None = None,
    in_use: Callable[[], set[str]] | None = None,
) -> str | None:
    if value is None:
        return None
    key = value.strip().lower().replace("-", "_").replace(" ", "_")
    if aliases and key.replace("_", "-") in aliases:
        key = aliases[key.replace("_", "-")]
    allowed = tuple(allowed)
    if key in allowed:
        return key
    offered = [v for v in allowed if v in in_use()] if in_use is not None else list(allowed)
    raise UsageProblem(f"unknown {what} {value[:40]!r}; choose one of: {', '.join(offered)}")


def values_in_use(dataset: Dataset) -> dict[str, set[str]]:
    """The topics, audiences and channels some active line has: what a "choose one of" may offer
    (a value no line has would only lead to "nothing matched")."""
    used: dict[str, set[str]] = {"topic": set(), "audience": set(), "channel": set()}
    for country in dataset.countries():
        for line in country.lines:
            if line.is_active:
                used["topic"].update(line.topics)
                used["audience"].update(line.audiences)
                used["channel"].update(line.channels())
                if any(c.access for c in line.contacts):
                    used["audience"].add("deaf")
    return used


def make_filters(
    topic: str | None = None,
    audience: str | None = None,
    channel: str | None = None,
    language: str | None = None,
    dataset: Dataset | None = None,
) -> Filters:
    """Check filter values against the vocabulary; an unknown value is a usage error (exit 2)
    whose list of choices holds only values some line in `dataset` has."""
    cache: dict[str, set[str]] = {}

    def in_use(kind: str) -> Callable[[], set[str]] | None:
        if dataset is None:
            return None

        def values() -> set[str]:  # only on the error path: it reads every country
            if not cache:
                cache.update(values_in_use(dataset))
            return cache[kind]

        return values

    lang = None
    if language is not None:
        lang = language_code(language)
        if lang is None:
            raise UsageProblem(
                f"--language takes a language code or name such as en, fr, pt-BR or Spanish, not {language[:40]!r}"
            )
    return Filters(
        topic=_choose(topic, TOPICS, "topic", in_use=in_use("topic")),
        audience=_choose(audience, AUDIENCES, "audience", in_use=in_use("audience")),
        channel=_choose(channel, CHANNELS, "channel", _CHANNEL_ALIASES, in_use=in_use("channel")),
        language=lang,
    )


def language_code(text: str) -> str | None:
    """'Spanish', 'español', 'es' or 'pt_BR' -> an ISO 639 code; None if it is neither."""
    import json

    from .countries import fold

    with open(data_file("languages.json"), encoding="utf-8") as fh:
        names: dict[str, str] = json.load(fh)
    folded = fold(text[:60])
    if folded in names:
        return names[folded]
    code = text.strip().lower().replace("_", "-")
    return code if re.match(_LANGUAGE, code) else None


def _speaks(line: Line, language: str) -> bool:
    wanted = language.split("-")[0]
    return any(code.lower() == language or code.lower().split("-")[0] == wanted for code in line.languages)


def matches(line: Line, filters: Filters) -> bool:
    """True when the line fits every filter the user gave."""
    if filters.topic and filters.topic not in line.topics:
        return False
    if (
        filters.audience
        and filters.audience not in line.audiences
        and not (filters.audience == "deaf" and any(c.access for c in line.contacts))
    ):
        return False  # a line for everyone that a Deaf person can use by text relay, TTY ... counts
    if filters.channel and filters.channel not in line.channels():
        return False
    return not (filters.language and not _speaks(line, filters.language))


def find_lines(
    country: Country, filters: Filters | None = None, include_inactive: bool = False, today: date | None = None
) -> list[Line]:
    """The country's lines that fit the filters: confirmed before unconfirmed (see trust.py),
    then primary, then open around the clock, then the dataset's own order."""
    from .trust import is_confirmed

    filters = filters or Filters()
    day = today or _today()
    chosen = [line for line in country.lines if (include_inactive or line.is_active) and matches(line, filters)]
    order = {line.id: i for i, line in enumerate(country.lines)}
    return sorted(
        chosen,
        key=lambda line: (not is_confirmed(line, day), not line.primary, not line.hours.always_open, order[line.id]),
    )


CRISIS_TOPICS = frozenset({"suicide", "crisis", "emotional_support", "self_harm"})


def round_the_clock(line: Line, contact: Contact) -> bool:
    """True when this contact itself is open 24/7 (its own hours, not only the line's)."""
    return line.hours_of(contact).always_open


def crisis_lines(country: Country, today: date | None = None, audience: str | None = None) -> list[Line]:
    """Lines to give someone in crisis right now (`now`, the footer, the safety plan): confirmed,
    active, with a call or text contact that is itself open 24/7. `audience` (youth) puts lines
    for that audience first."""
    from .trust import is_confirmed

    day = today or _today()
    chosen = [
        line
        for line in find_lines(country, today=day)
        if is_confirmed(line, day)
        and any(c.type in ("voice", "sms") and round_the_clock(line, c) for c in line.contacts)
    ]
    for_crisis = [line for line in chosen if CRISIS_TOPICS & set(line.topics)]
    chosen = for_crisis or chosen  # a violence or child line only where no crisis line is open 24/7
    chosen.sort(key=lambda line: line.scope != "national")  # a city's line after the country's
    if audience:
        chosen.sort(key=lambda line: audience not in line.audiences)
    return chosen


def youth_lines(country: Country, today: date | None = None) -> list[Line]:
    """Confirmed lines for children and young people that a person can call or write to now-ish
    (`now --young`): any hours, any of call, text, chat or WhatsApp."""
    from .trust import is_confirmed

    day = today or _today()
    return [
        line
        for line in find_lines(country, today=day)
        if is_confirmed(line, day)
        and {"youth", "children"} & set(line.audiences)
        and line.channels() & {"voice", "sms", "chat", "whatsapp"}
    ]


def help_line(country: Country, today: date | None = None) -> Line | None:
    """The line for the help footer: the first of `crisis_lines`, if any."""
    lines = crisis_lines(country, today)
    return lines[0] if lines else None


def _today() -> date:
    import os

    from .clock import today

    return today(os.environ)


class Section(NamedTuple):
    """One country's answer: its record (None if the dataset has nothing) and the chosen lines."""

    iso2: str
    name: str
    country: Country | None
    lines: tuple[Line, ...]

    def to_dict(self) -> dict[str, object]:
        """The JSON contract: {iso2, name, emergency, lines} in the dataset's own field names."""
        out: dict[str, object] = {
            "iso2": self.iso2,
            "name": self.name,
            "emergency": [e.to_dict() for e in self.country.emergency] if self.country else [],
            "lines": [line.to_dict() for line in self.lines],
        }
        if self.country and self.country.no_national_line_note:
            out["no_national_line_note"] = self.country.no_national_line_note
        return out


class Nearest(NamedTuple):
    """When filters match nothing in a country: the lines that match once one filter is dropped."""

    dropped: str
    section: Section


class LinesResult(NamedTuple):
    """What `lines` found, and, when it is 'nothing', why (the CLI exits 3 with that message) and
    the nearest lines that do exist."""

    sections: tuple[Section, ...]
    problem: str | None = None
    nearest: tuple[Nearest, ...] = ()


# Which filter to let go of first: who a line is for matters less than how to reach it.
_RELAX_ORDER = ("audience", "language", "channel", "topic")


def nearest_lines(country: Country, filters: Filters, today: date | None = None) -> Nearest | None:
    """The lines that match when the least important filter is dropped ("no youth chat line;
    chat lines for anyone: ..."), or None when no single drop helps."""
    for name in _RELAX_ORDER:
        if getattr(filters, name) is None:
            continue
        relaxed = filters._replace(**{name: None})
        lines = tuple(find_lines(country, relaxed, today=today))
        if lines:
            return Nearest(f"{name} {getattr(filters, name)}", Section(country.iso2, country.name, country, lines))
    return None


def lookup_lines(
    dataset: Dataset, codes: Iterable[str], filters: Filters | None = None, today: date | None = None
) -> LinesResult:
    """Sections for the given ISO codes (duplicates dropped), with the rule for 'nothing matched':
    a country we hold no data for, or filters that leave no line anywhere."""
    from .countries import country_name

    filters = filters or Filters()
    sections = []
    seen = set()
    for code in codes:
        if code in seen:
            continue
        seen.add(code)
        country = dataset.country(code)
        chosen = tuple(find_lines(country, filters, today=today)) if country else ()
        sections.append(Section(code, country.name if country else country_name(code), country, chosen))
    missing = [s.name for s in sections if s.country is None]
    if missing:
        return LinesResult(tuple(sections), f"no data for {', '.join(missing)} yet; call your local emergency number")
    if not filters.is_empty() and not any(s.lines for s in sections):
        where = ", ".join(s.name for s in sections) if len(sections) <= 3 else "any country"
        nearest = tuple(
            n
            for s in sections[:3]
            if s.country is not None
            for n in [nearest_lines(s.country, filters, today)]
            if n is not None
        )
        return LinesResult(
            tuple(sections),
            f"no line in {where} matches {filters.describe()}; the emergency number still works",
            nearest,
        )
    return LinesResult(tuple(sections))
