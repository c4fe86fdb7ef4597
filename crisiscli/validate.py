"""Every rule a dataset must pass before anyone is shown a number from it.

Why independent checks: the JSON Schema is checked by the jsonschema library and every number by
the phonenumbers library's numbering plans, code that no one here wrote; our own rules add what
neither can know (retired numbers, sources, characters that could rewrite a terminal).
jsonschema and phonenumbers are imported only here, so a lookup never pays for them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from .countries import is_iso2
from .paths import data_file

SCHEMA_PATH = data_file("hotlines.schema.json")
_NUMBER_FIELD = re.compile(r"^[0-9+ ()*#.-]*$", re.ASCII)
_FORBIDDEN = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069\ufeff\ud800-\udfff]"
)
_DATE_FIELDS = ("accessed", "last_verified", "last_reviewed", "generated_at", "published", "evidence_date")


@dataclass(frozen=True, slots=True)
class Problem:
    """One broken rule, with the JSON path to the value that breaks it."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
Location = tuple[str | int, ...]


def _children(value: Any, where: Location) -> Iterator[tuple[Location, str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*where, str(key)), str(key), item
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield (*where, i), "", item


def _walk(doc: Any) -> Iterator[tuple[Location, str, Any]]:
    """(location, key, value) for every value in the document, in document order. Why not
    paths: a dataset has about 100,000 values and few problems, so a location becomes a JSON
    path (`_path`) only when a problem is reported."""
    stack = [_children(doc, ())]
    while stack:
        for where, key, item in stack[-1]:
            yield where, key, item
            if isinstance(item, dict | list):
                stack.append(_children(item, where))
                break
        else:
            stack.pop()


def _path(where: Location) -> str:
    """The JSON path of a location: `$.countries.GB.lines[0]`, `$["odd key"]`."""
    parts = ["$"]
    for part in where:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            parts.append(f".{part}" if _IDENTIFIER.match(part) else f"[{json.dumps(part)}]")
    return "".join(parts)


@lru_cache(maxsize=1)
def _validator() -> Any:
    """One validator per process, on the schema with its `$defs` written in place: following a
    `$ref` at every node was a fifth of the time of checking a whole dataset."""
    import jsonschema

    with open(SCHEMA_PATH, encoding="utf-8") as fh:
        schema = json.load(fh)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(_inline(schema, schema.get("$defs", {})))


def _inline(node: Any, defs: Mapping[str, Any]) -> Any:
    """`node` with every local `{"$ref": "#/$defs/x"}` replaced by x (our schema has no cycles)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if len(node) == 1 and isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inline(v, defs) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    return node


def check_schema(doc: Any, known_good: Collection[str] = ()) -> list[Problem]:
    """The JSON Schema (draft 2020-12), checked by the jsonschema library; countries named in
    `known_good` (byte for byte those of a file that passed already) are not walked again."""
    if known_good and isinstance(doc, dict) and isinstance(doc.get("countries"), dict):
        doc = {**doc, "countries": {k: v for k, v in doc["countries"].items() if k not in known_good}}
    return [Problem(error.json_path, error.message[:300]) for error in _validator().iter_errors(doc)]


def check_characters(doc: Any) -> list[Problem]:
    """No control, bidi, separator or lone-surrogate characters; ASCII only in number fields."""
    problems = []
    for where, key, value in _walk(doc):
        if key and _FORBIDDEN.search(key):
            problems.append(Problem(_path(where), "key contains a control, bidi or separator character"))
        if not isinstance(value, str):
            continue
        if _FORBIDDEN.search(value):
            problems.append(Problem(_path(where), "contains a control, bidi or separator character"))
        if key in ("number", "dial", "digits", "e164") and not _NUMBER_FIELD.match(value):
            problems.append(Problem(_path(where), "number fields may hold only ASCII digits, spaces and + ( ) * # . -"))
    return problems


def _digits(text: str) -> str:
    return re.sub(r"[^0-9]", "", text, flags=re.ASCII)


def _countries(doc: Any) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    countries = doc.get("countries") if isinstance(doc, dict) else None
    if isinstance(countries, dict):
        for code, country in countries.items():
            if isinstance(country, dict):
                yield f"$.countries.{code}", code, country


def _lines(country: Mapping[str, Any], cpath: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for i, line in enumerate(country.get("lines") or []):
        if isinstance(line, dict):
            yield f"{cpath}.lines[{i}]", line


def _contacts(line: Mapping[str, Any], lpath: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for j, contact in enumerate(line.get("contacts") or []):
        if isinstance(contact, dict):
            yield f"{lpath}.contacts[{j}]", contact


def check_rules(doc: Any, today: date) -> list[Problem]:
    """Our own rules: digits match dial, https, unique ids, ISO codes, retired numbers, dates."""
    problems: list[Problem] = []
    seen_ids: dict[str, str] = {}
    for cpath, code, country in _countries(doc):
        if not is_iso2(code):
            problems.append(Problem(cpath, f"{code!r} is not an ISO 3166-1 alpha-2 code"))
        if country.get("iso2") != code:
            problems.append(Problem(f"{cpath}.iso2", "must equal the key it is stored under"))
        for k, emergency in enumerate(country.get("emergency") or []):
            if isinstance(emergency, dict) and _digits(str(emergency.get("number", ""))) != emergency.get("digits"):
                problems.append(Problem(f"{cpath}.emergency[{k}].digits", "must be the digits of `number`"))
        active: set[str] = set()
        for lpath, line in _lines(country, cpath):
            line_id = str(line.get("id", ""))
            if line_id in seen_ids:
                problems.append(Problem(f"{lpath}.id", f"duplicate id (also at {seen_ids[line_id]})"))
            seen_ids[line_id] = lpath
            if line_id and not line_id.startswith(code.lower() + "-"):
                problems.append(Problem(f"{lpath}.id", f"must start with '{code.lower()}-'"))
            provenance = line.get("provenance") or {}
            sources = [s for s in provenance.get("sources") or [] if isinstance(s, dict)]
            official = any(s.get("kind") in ("official", "government") for s in sources)
            if provenance.get("confidence") == "high" and not official and len(sources) < 2:
                problems.append(
                    Problem(
                        f"{lpath}.provenance.confidence",
                        "`high` needs an official or government source, or two independent ones",
                    )
                )
            if line.get("status") == "active" and not any(
                str(s.get("url", "")).startswith("https://") for s in sources
            ):
                problems.append(Problem(f"{lpath}.provenance.sources", "an active line needs an https:// source"))
            for xpath, contact in _contacts(line, lpath):
                if "dial" in contact and _digits(str(contact["dial"])) != contact.get("digits"):
                    problems.append(Problem(f"{xpath}.digits", "must be the digits of `dial`"))
                url = str(contact.get("url", ""))
                if url and not url.startswith(("https://", "mailto:")):
                    problems.append(Problem(f"{xpath}.url", "links people are shown must be https:// (or mailto:)"))
                if line.get("status") == "active" and contact.get("digits"):
                    active.add(str(contact["digits"]))
        for lpath, line in _lines(country, cpath):
            for p, prev in enumerate(line.get("previous_numbers") or []):
                if isinstance(prev, dict) and prev.get("digits") in active:
                    problems.append(
                        Problem(
                            f"{lpath}.previous_numbers[{p}]",
                            f"retired number {prev.get('digits')} is also an active contact",
                        )
                    )
    for where, key, value in _walk(doc):
        if key in _DATE_FIELDS and isinstance(value, str):
            try:
                parsed = date.fromisoformat(value[:10]) if len(value) >= 10 else None
            except ValueError:
                problems.append(Problem(_path(where), f"{value!r} is not a real date"))
                continue
            if parsed and parsed > today:
                problems.append(Problem(_path(where), f"{value} is in the future"))
    return problems


def check_numbering(doc: Any, known_good: Collection[str] = ()) -> list[Problem]:
    """Numbers against the phonenumbers library: emergency numbers against its emergency
    metadata, call and text numbers as valid numbers or valid short numbers for the country.
    A disagreement is allowed only where the entry explains it in `numbering_exception`."""
    import phonenumbers
    from phonenumbers import shortnumberinfo

    problems = []
    for cpath, code, country in _countries(doc):
        if code in known_good:
            continue
        for k, emergency in enumerate(country.get("emergency") or []):
            if not isinstance(emergency, dict) or emergency.get("numbering_exception"):
                continue
            digits = str(emergency.get("digits", ""))
            if not shortnumberinfo.is_emergency_number(digits, code):
                problems.append(
                    Problem(
                        f"{cpath}.emergency[{k}]",
                        f"{digits} is not an emergency number for {code} in phonenumbers; "
                        "fix it or explain in `numbering_exception`",
                    )
                )
        for lpath, line in _lines(country, cpath):
            for xpath, contact in _contacts(line, lpath):
                if contact.get("type") not in ("voice", "sms") or contact.get("numbering_exception"):
                    continue
                dial = str(contact.get("dial", ""))
                if not _dialable(phonenumbers, shortnumberinfo, dial, code):
                    problems.append(
                        Problem(
                            xpath,
                            f"{dial} is neither a valid number nor a valid short number "
                            f"for {code} in phonenumbers; fix it or explain in "
                            "`numbering_exception`",
                        )
                    )
    return problems


def _dialable(phonenumbers: Any, shortnumberinfo: Any, dial: str, region: str) -> bool:
    try:
        number = phonenumbers.parse(dial, region)
    except phonenumbers.NumberParseException:
        return False
    if phonenumbers.is_valid_number(number):
        return True
    return shortnumberinfo.is_valid_short_number_for_region(number, region)


def validate(doc: Any, today: date, known_good: Collection[str] = ()) -> list[Problem]:
    """Every rule, schema first; an empty list means the dataset may be shown to people.

    `known_good`: countries whose bytes are exactly those of a dataset that passed every rule
    (an update that changes ten countries need not re-check two hundred against the schema and
    the numbering plans). Rules that look across countries (ids, characters, dates) still see
    all of them."""
    problems = check_schema(doc, known_good) + check_characters(doc)
    if isinstance(doc, dict):
        problems += check_rules(doc, today) + check_numbering(doc, known_good)
    return problems
