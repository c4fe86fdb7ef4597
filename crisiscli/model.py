"""The dataset as immutable values.

Field names are the dataset's own (see data/hotlines.schema.json), so `to_dict()` gives scripts
exactly what the JSON file says, and nothing a command does can change a number by accident.

Why NamedTuple and not dataclasses: every lookup defines these classes at start-up, and a frozen
slotted dataclass compiles several methods per class (about 15 ms over the eleven). The
NamedTuple here is records.NamedTuple, which compiles nothing; they are immutable and typed
all the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .records import NamedTuple


def _plain(value: Any) -> Any:
    if hasattr(value, "_fields"):
        return to_dict(value)
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def to_dict(record: Any) -> dict[str, Any]:
    """The record in the dataset's own field names; unset optional fields are left out."""
    out: dict[str, Any] = {}
    defaults = record._field_defaults
    for name, value in zip(record._fields, record, strict=True):
        if value is None or (value == () and defaults.get(name) == ()):
            continue
        out[name] = _plain(value)
    return out


class Source(NamedTuple):
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

    def to_dict(self) -> dict[str, Any]:
        return to_dict(self)


class Provenance(NamedTuple):
    sources: tuple[Source, ...]
    last_verified: str
    confidence: str
    verified_by: str | None = None
    method: str | None = None
    review_due: str | None = None
    evidence_date: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return to_dict(self)


class Schedule(NamedTuple):
    days: tuple[str, ...]
    open: str
    close: str

    def to_dict(self) -> dict[str, Any]:
        return to_dict(self)


class Hours(NamedTuple):
    always_open: bool
    text: str
    tz: str | None = None
    schedule: tuple[Schedule, ...] = ()
    exceptions: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return to_dict(self)


class Contact(NamedTuple):
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
    access: tuple[str, ...] = ()
    requires_registration: bool | None = None
    languages: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return to_dict(self)


class PreviousNumber(NamedTuple):
    digits: str
    note: str
    until: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return to_dict(self)


class Line(NamedTuple):
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
    previous_numbers: tuple[PreviousNumber, ...] = ()
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

    def to_dict(self) -> dict[str, Any]:
        return to_dict(self)


class Emergency(NamedTuple):
    number: str
    digits: str
    services: tuple[str, ...]
    sources: tuple[Source, ...] = ()
    note: str | None = None
    numbering_exception: str | None = None
    channel: str | None = None
    requires_registration: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        return to_dict(self)


class Country(NamedTuple):
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

    def to_dict(self) -> dict[str, Any]:
        return to_dict(self)


class DatasetInfo(NamedTuple):
    schema_version: str
    dataset_version: int
    generated_at: str
    origin: str
    path: str

    def to_dict(self) -> dict[str, Any]:
        return to_dict(self)


def _tuple_of(cls: type, items: Any) -> tuple[Any, ...]:
    return tuple(build(cls, item) for item in items or ())


def build(cls: type, raw: Mapping[str, Any]) -> Any:
    """Make a record from the dataset's dict; unknown keys are ignored, missing ones raise
    TypeError. Fields are filled in order, so no keyword matching runs per record."""
    nested = _NESTED.get(cls, {})
    defaults: Mapping[str, Any] = cls._field_defaults  # type: ignore[attr-defined]
    values: list[Any] = []
    for name in cls._fields:  # type: ignore[attr-defined]
        if name not in raw:
            if name not in defaults:
                raise TypeError(f"{cls.__name__} is missing field {name!r}")
            values.append(defaults[name])
            continue
        value = raw[name]
        if name in nested:
            target = nested[name]
            value = _tuple_of(target, value) if isinstance(value, list) else build(target, value)
        elif isinstance(value, list):
            value = tuple(value)
        values.append(value)
    return cls._make(values)  # type: ignore[attr-defined]


# Which fields hold records of another class (built recursively by `build`).
_NESTED: Mapping[type, Mapping[str, type]] = {
    Provenance: {"sources": Source},
    Hours: {"schedule": Schedule},
    Contact: {"hours_override": Hours, "sources": Source},
    Line: {"contacts": Contact, "hours": Hours, "previous_numbers": PreviousNumber, "provenance": Provenance},
    Emergency: {"sources": Source},
    Country: {"emergency": Emergency, "lines": Line},
}
