"""Choose, filter and order the lines a person is shown.

Why the order matters: in a crisis the first thing read is the thing used. Primary lines come
first, then lines open around the clock, then the rest in the dataset's own order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

from .errors import UsageProblem
from .model import Country, Line

if TYPE_CHECKING:
    from .dataset import Dataset

TOPICS = ("suicide", "self_harm", "emotional_support", "mental_health", "crisis", "substance_use",
          "abuse", "domestic_violence", "sexual_violence", "grief", "loneliness", "eating_disorders")
AUDIENCES = ("general", "children", "youth", "lgbtq", "veterans", "men", "women", "seniors",
             "indigenous", "students", "deaf", "family_friends")
CHANNELS = ("voice", "sms", "chat", "whatsapp", "email", "web")
_CHANNEL_ALIASES = {"call": "voice", "phone": "voice", "text": "sms", "sms": "sms", "web-chat": "chat",
                    "webchat": "chat", "online": "chat"}
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")


class Filters(NamedTuple):
    """What the user narrowed the lines to; empty means everything."""

    topic: str | None = None
    audience: str | None = None
    channel: str | None = None
    language: str | None = None

    def is_empty(self) -> bool:
        return not (self.topic or self.audience or self.channel or self.language)

    def describe(self) -> str:
        parts = [f"{k} {v}" for k, v in (("topic", self.topic), ("audience", self.audience),
                                         ("channel", self.channel), ("language", self.language)) if v]
        return ", ".join(parts)


def _choose(value: str | None, allowed: Iterable[str], what: str, aliases: dict[str, str] | None = None) -> str | None:
    if value is None:
        return None
    key = value.strip().lower().replace("-", "_").replace(" ", "_")
    if aliases and key.replace("_", "-") in aliases:
        key = aliases[key.replace("_", "-")]
    allowed = tuple(allowed)
    if key in allowed:
        return key
    shown = value[:40]
    raise UsageProblem(f"unknown {what} {shown!r}; choose one of: {', '.join(allowed)}")


def make_filters(topic: str | None = None, audience: str | None = None, channel: str | None = None,
                 language: str | None = None) -> Filters:
    """Check filter values against the vocabulary; an unknown value is a usage error (exit 2)."""
    lang = None
    if language is not None:
        lang = language.strip().lower().replace("_", "-")
        if not _LANGUAGE.match(lang):
            raise UsageProblem(f"--language takes a language code such as en, fr or pt-BR, not {language[:40]!r}")
    return Filters(
        topic=_choose(topic, TOPICS, "topic"),
        audience=_choose(audience, AUDIENCES, "audience"),
        channel=_choose(channel, CHANNELS, "channel", _CHANNEL_ALIASES),
        language=lang,
    )


def _speaks(line: Line, language: str) -> bool:
    wanted = language.split("-")[0]
    return any(code.lower() == language or code.lower().split("-")[0] == wanted for code in line.languages)


def matches(line: Line, filters: Filters) -> bool:
    """True when the line fits every filter the user gave."""
    if filters.topic and filters.topic not in line.topics:
        return False
    if filters.audience and filters.audience not in line.audiences:
        return False
    if filters.channel and filters.channel not in line.channels():
        return False
    if filters.language and not _speaks(line, filters.language):
        return False
    return True


def find_lines(country: Country, filters: Filters | None = None, include_inactive: bool = False) -> list[Line]:
    """The country's lines that fit the filters, primary first, then 24/7, then dataset order."""
    filters = filters or Filters()
    chosen = [line for line in country.lines
              if (include_inactive or line.is_active) and matches(line, filters)]
    order = {line.id: i for i, line in enumerate(country.lines)}
    return sorted(chosen, key=lambda line: (not line.primary, not line.hours.always_open, order[line.id]))


def help_line(country: Country) -> Line | None:
    """The line for the help footer: a primary 24/7 line with a phone or text contact, if any."""
    for line in find_lines(country):
        if line.hours.always_open and line.channels() & {"voice", "sms"}:
            return line
    return None


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


class LinesResult(NamedTuple):
    """What `lines` found, and, when it is 'nothing', why (the CLI exits 3 with that message)."""

    sections: tuple[Section, ...]
    problem: str | None = None


def lookup_lines(dataset: "Dataset", codes: Iterable[str], filters: Filters | None = None) -> LinesResult:
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
        chosen = tuple(find_lines(country, filters)) if country else ()
        sections.append(Section(code, country.name if country else country_name(code), country, chosen))
    missing = [s.name for s in sections if s.country is None]
    if missing:
        return LinesResult(tuple(sections), f"no data for {', '.join(missing)} yet; "
                                            "call your local emergency number")
    if not filters.is_empty() and not any(s.lines for s in sections):
        where = ", ".join(s.name for s in sections)
        return LinesResult(tuple(sections), f"no line in {where} matches {filters.describe()}; "
                                            "the emergency number still works")
    return LinesResult(tuple(sections))
