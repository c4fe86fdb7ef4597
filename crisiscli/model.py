"""The dataset as immutable values.

Field names are the dataset's own (see data/hotlines.schema.json), so `to_dict()` gives scripts
exactly what the JSON file says, and nothing a command does can change a number by accident.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any


def _plain(value: Any) -> Any:
    if isinstance(value, (Source, Provenance, Contact, Hours, Schedule, PreviousNumber,
                          Emergency, Line, Country)):
        return value.to_dict()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


class _Record:
    """Shared `to_dict` (dataset field names, optional empty fields left out) and repr.

    repr is shared and equality is identity: generating them per class costs start-up time,
    and nothing compares records."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.to_dict()!r})"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if value is None or (value == () and f.metadata.get("optional")):
                continue
            out[f.name] = _plain(value)
        return out


def _opt() -> Any:
    return field(default=(), metadata={"optional": True})


@dataclass(frozen=True, repr=False, eq=False, slots=True)
class Source(_Record):
    url: str
    accessed: str
    title: str | None = None
    publisher: str | None = None
    kind: str | None = None
    evidence_date: str | None = None
    published: str | None = None

    @property
    def evidence(self) -> str | None:
        """The page's own date for its claim (`published` is its old name)."""
        return self.evidence_date or self.published


@dataclass(frozen=True, repr=False, eq=False, slots=True)
class Provenance(_Record):
    sources: tuple[Source, ...]
    last_verified: str
    confidence: str
    verified_by: str | None = None
    method: str | None = None
    review_due: str | None = None
    evidence_date: str | None = None


@dataclass(frozen=True, repr=False, eq=False, slots=True)
class Schedule(_Record):
    days: tuple[str, ...]
    open: str
    close: str


@dataclass(frozen=True, repr=False, eq=False, slots=True)
class Hours(_Record):
    always_open: bool
    text: str
    tz: str | None = None
    schedule: tuple[Schedule, ...] = _opt()
    exceptions: str | None = None


@dataclass(frozen=True, repr=False, eq=False, slots=True)
class Contact(_Record):
    type: str
    display: str
    reachable_from: tuple[str, ...]
    cost: str
    dial: str | None = None
    digits: str | None = None
    e164: str | None = None
    sms_keyword: str | None = None
    ivr_option: str | None = None
    url: str | None = None
    note: str | None = None
    hours_override: Hours | None = None
    numbering_exception: str | None = None
    access: tuple[str, ...] = _opt()
    requires_registration: bool | None = None
    languages: tuple[str, ...] = _opt()
    sources: tuple[Source, ...] = _opt()


@dataclass(frozen=True, repr=False, eq=False, slots=True)
class PreviousNumber(_Record):
    digits: str
    note: str
    until: str | None = None


@dataclass(frozen=True, repr=False, eq=False, slots=True)
class Line(_Record):
    id: str
    name: str
    contacts: tuple[Contact, ...]
    hours: Hours
    topics: tuple[str, ...]
    audiences: tuple[str, ...]
    languages: tuple[str, ...]
    scope: str
    primary: bool
    status: str
    provenance: Provenance
    name_local: str | None = None
    operator: str | None = None
    region: str | None = None
    previous_numbers: tuple[PreviousNumber, ...] = _opt()
    notes: str | None = None
    interpreter: bool | None = None

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    def channels(self) -> set[str]:
        return {c.type for c in self.contacts}

    def hours_of(self, contact: Contact) -> Hours:
        """A contact's own hours: a chat may keep shorter hours than the phone line."""
        return contact.hours_override or self.hours


@dataclass(frozen=True, repr=False, eq=False, slots=True)
class Emergency(_Record):
    number: str
    digits: str
    services: tuple[str, ...]
    sources: tuple[Source, ...] = _opt()
    note: str | None = None
    numbering_exception: str | None = None
    channel: str | None = None
    requires_registration: bool | None = None


@dataclass(frozen=True, repr=False, eq=False, slots=True)
class Country(_Record):
    iso2: str
    name: str
    emergency: tuple[Emergency, ...]
    lines: tuple[Line, ...]
    last_reviewed: str | None = None
    no_national_line_note: str | None = None

    @property
    def general_emergency(self) -> Emergency | None:
        """The number to give first: a `general` one if the country has it."""
        for e in self.emergency:
            if "general" in e.services:
                return e
        return self.emergency[0] if self.emergency else None


@dataclass(frozen=True, repr=False, eq=False, slots=True)
class DatasetInfo(_Record):
    schema_version: str
    dataset_version: int
    generated_at: str
    origin: str
    path: str


def _tuple_of(cls: type, items: Any) -> tuple[Any, ...]:
    return tuple(build(cls, item) for item in items or ())


_NESTED: Mapping[type, Mapping[str, type]] = {}


def build(cls: type, raw: Mapping[str, Any]) -> Any:
    """Make a record from the dataset's dict; unknown keys are ignored, missing ones raise."""
    nested = _NESTED.get(cls, {})
    kwargs: dict[str, Any] = {}
    for f in fields(cls):
        if f.name not in raw:
            continue
        value = raw[f.name]
        if f.name in nested:
            target = nested[f.name]
            value = _tuple_of(target, value) if isinstance(value, list) else build(target, value)
        elif isinstance(value, list):
            value = tuple(value)
        kwargs[f.name] = value
    return cls(**kwargs)


_NESTED = {
    Provenance: {"sources": Source},
    Hours: {"schedule": Schedule},
    Contact: {"hours_override": Hours, "sources": Source},
    Line: {"contacts": Contact, "hours": Hours, "previous_numbers": PreviousNumber,
           "provenance": Provenance},
    Emergency: {"sources": Source},
    Country: {"emergency": Emergency, "lines": Line},
}
