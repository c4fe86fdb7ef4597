"""Turn what a person types into an ISO 3166-1 alpha-2 code.

Why so forgiving: someone in distress may type "uk", "England", "espana" or "Côte d'Ivoire" with
or without accents. Every ISO country resolves, with or without data, so "we have no lines for X"
is never confused with "we don't know where X is". The name table is generated from pycountry,
CLDR and the tz database by tools/make_countries.py.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache

from .errors import UnknownCountry
from .paths import close_matches, data_file
from .records import NamedTuple

_TABLE_PATH = data_file("countries.json")
MAX_INPUT = 100
# Every ISO 3166-1 alpha-2 code (tests keep it equal to countries.json): a lookup by code, the
# usual case, answers without loading the 60 KB name table.
_ISO2_CODES = (
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ "
    "BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM "
    "DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS "
    "GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN "
    "KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ "
    "MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM "
    "PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV "
    "SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI "
    "VN VU WF WS YE YT ZA ZM ZW"
)
_ISO2 = frozenset(_ISO2_CODES.split())


class CountryName(NamedTuple):
    iso2: str
    iso3: str
    name: str


def fold(text: str) -> str:
    """Lower-case, accent-free, punctuation-free form used for matching names."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text)
    out = []
    for ch in decomposed:
        if unicodedata.combining(ch):
            continue
        if ch in "'’‘`´.":
            continue
        out.append(ch if ch.isalnum() else " ")
    return " ".join("".join(out).casefold().split())


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, CountryName], dict[str, str], dict[str, str], dict[str, str]]:
    with open(_TABLE_PATH, encoding="utf-8") as fh:
        doc = json.load(fh)
    by_iso2: dict[str, CountryName] = {}
    by_iso3: dict[str, str] = {}
    by_name: dict[str, str] = {}
    for entry in doc["countries"]:
        record = CountryName(entry["iso2"], entry["iso3"], entry["name"])
        by_iso2[record.iso2] = record
        by_iso3[record.iso3] = record.iso2
        for key in entry["names"]:
            by_name.setdefault(key, record.iso2)
            by_name.setdefault(key.replace(" ", ""), record.iso2)
    return by_iso2, by_iso3, by_name, doc["timezones"]


def all_countries() -> list[CountryName]:
    """Every ISO 3166-1 country, sorted by code."""
    return sorted(_table()[0].values(), key=lambda c: c.iso2)


def country_name(iso2: str) -> str:
    """English name for a code; the code itself if it is not in ISO 3166-1."""
    record = _table()[0].get(iso2.upper())
    return record.name if record else iso2


def is_iso2(code: str) -> bool:
    return code in _ISO2


def timezone_country(zone: str) -> str | None:
    """Country of an IANA zone name (zone.tab plus old aliases), or None (UTC, Etc/...)."""
    return _table()[3].get(zone)


def lookup(text: str) -> str | None:
    """The ISO code for `text`, or None. Never raises."""
    if not isinstance(text, str):
        return None
    cleaned = text.strip()
    if not cleaned or len(cleaned) > MAX_INPUT:
        return None
    if len(cleaned) == 2 and cleaned.isascii() and cleaned.upper() in _ISO2:
        return cleaned.upper()
    by_iso2, by_iso3, by_name, _ = _table()
    key = fold(cleaned)
    upper = key.upper()
    if len(upper) == 2 and upper in by_iso2:
        return upper
    if len(upper) == 3 and upper in by_iso3:
        return by_iso3[upper]
    return by_name.get(key) or by_name.get(key.replace(" ", ""))


def suggest(text: str, limit: int = 3) -> list[str]:
    """Names close to `text` ("germny" -> Germany), for a did-you-mean line."""

    key = fold(text[:MAX_INPUT])
    if not key:
        return []
    by_iso2, _, by_name, _ = _table()
    matches = close_matches(key, list(by_name), n=limit * 3, cutoff=0.7)
    names: list[str] = []
    for match in matches:
        name = by_iso2[by_name[match]].name
        if name not in names:
            names.append(name)
    return names[:limit]


def resolve(text: str) -> str:
    """The ISO code for `text`, or UnknownCountry with suggestions (exit 2)."""
    code = lookup(text)
    if code:
        return code
    if not isinstance(text, str) or not text.strip():
        raise UnknownCountry("empty country name; give a code like GB or a name like 'Germany'")
    if len(text.strip()) > MAX_INPUT:
        raise UnknownCountry(f"country name is too long ({len(text)} characters)")
    shown = text.strip()
    hints = suggest(shown)
    hint = f"; did you mean {', '.join(hints)}?" if hints else "; try `crisiscli countries`"
    raise UnknownCountry(f"unknown country {shown!r}{hint}", suggestions=hints)


def resolve_many(words: Sequence[str]) -> list[str]:
    """ISO codes for the words a shell split: `new zealand GB` is New Zealand and the UK.

    Why greedy: people type names unquoted; at each position the longest run of words that names
    a country wins, and a word that starts no name is an error with suggestions."""
    codes: list[str] = []
    i = 0
    while i < len(words):
        for j in range(min(len(words), i + 6), i, -1):
            code = lookup(" ".join(words[i:j]))
            if code:
                codes.append(code)
                i = j
                break
        else:
            codes.append(resolve(" ".join(words[i:])))  # raises, with suggestions for the rest
            break
    return codes
