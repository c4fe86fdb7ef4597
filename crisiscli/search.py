"""Free-text search over every country's lines: names, operators, topics, audiences, languages
and numbers, including numbers a line used to have.

Why numbers count most: a volunteer who types a number wants to know whose number it is and
whether it still works. A retired number (1-800-273-8255) answers with the line that replaced it
(988) and a note that it changed, never with the old number as a way to get help; the note does
not repeat the old number.

Why the ranking: exact number > name > other fields, so the line a person meant comes first;
ties go to primary, then 24/7 lines, as in `lines`. Matching is accent- and case-insensitive
(countries.fold), by whole words or word beginnings, and every word must match somewhere.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .countries import country_name, fold, resolve
from .errors import NothingMatched, UsageProblem
from .model import Country, Line, PreviousNumber

if TYPE_CHECKING:
    from .dataset import Dataset

__all__ = ["MAX_QUERY", "Hit", "search"]

MAX_QUERY = 200
MAX_WORDS = 12
# The order fields are reported in; names are the dataset's own field names.
FIELDS = (
    "contacts",
    "previous_numbers",
    "name",
    "name_local",
    "operator",
    "region",
    "audiences",
    "topics",
    "languages",
)
_BASE = {
    "name": 70,
    "name_local": 70,
    "operator": 45,
    "region": 42,
    "audiences": 40,
    "topics": 40,
    "contacts": 38,
    "languages": 35,
}
# Words that say nothing about which line: dropped unless they are all there is.
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "for",
        "to",
        "in",
        "on",
        "at",
        "with",
        "line",
        "lines",
        "helpline",
        "helplines",
        "hotline",
        "hotlines",
        "number",
        "numbers",
    ]
)
_NUMBER_LIKE = re.compile(r"\+?[0-9 ()./-]*[0-9][0-9 ()./-]*", re.ASCII)
MIN_PREFIX = 4  # shorter words match whole words only ("men" is not "mental")
MIN_JOINED = 5  # "selfharm" matches "self harm", "helpline" matches "help line"

# Words people use for each topic and audience id (the ids themselves always match).
_TOPIC_WORDS = {
    "suicide": "suicidal",
    "self_harm": "selfharm self injury",
    "emotional_support": "listening",
    "substance_use": "drugs alcohol addiction",
    "domestic_violence": "family violence intimate partner",
    "sexual_violence": "sexual assault rape",
    "grief": "bereavement loss",
    "loneliness": "lonely",
    "eating_disorders": "anorexia bulimia",
}
_AUDIENCE_WORDS = {
    "general": "everyone",
    "children": "child kid kids",
    "youth": "young people teen teens teenagers adolescents",
    "lgbtq": "lgbt lgbtqia gay lesbian bisexual trans transgender queer nonbinary",
    "veterans": "military",
    "seniors": "older elderly",
    "family_friends": "family friends carers",
    "deaf": "hard of hearing",
}
# Language names in English and in the language itself, from CLDR (babel), for the codes in the
# dataset and other common ones; a code not listed still matches by its code.
_LANGUAGES = """
af Afrikaans|am Amharic አማርኛ|ar Arabic العربية|ay Aymara|az Azerbaijani azərbaycan|bal Baluchi|
be Belarusian беларуская|bg Bulgarian български|bn Bangla Bengali বাংলা|bs Bosnian bosanski|
ca Catalan català|cmn Mandarin Chinese|cnr Montenegrin crnogorski|cr Cree|cs Czech čeština|
cy Welsh Cymraeg|da Danish dansk|de German Deutsch|dv Divehi|dz Dzongkha|el Greek Ελληνικά|
en English|es Spanish español|et Estonian eesti|eu Basque euskara|fa Persian Farsi فارسی|
fi Finnish suomi|fil Filipino|fj Fijian|fr French français|ga Irish Gaeilge|he Hebrew עברית|
hi Hindi हिन्दी|hmn Hmong|ho Hiri Motu|hr Croatian hrvatski|ht Haitian Creole Kreyòl|
hu Hungarian magyar|hy Armenian հայերեն|id Indonesian|is Icelandic íslenska|it Italian italiano|
iu Inuktitut|ja Japanese 日本語|ka Georgian ქართული|kg Kongo|kk Kazakh қазақ|kl Kalaallisut|
km Khmer|ko Korean 한국어|ku Kurdish kurdî|ky Kyrgyz кыргызча|lb Luxembourgish Lëtzebuergesch|
ln Lingala lingála|lo Lao|lt Lithuanian lietuvių|lua Luba-Lulua|lv Latvian latviešu|
mg Malagasy|mi Maori Māori|mk Macedonian македонски|ml Malayalam|mn Mongolian монгол|
ms Malay Melayu|mt Maltese Malti|my Burmese|nb Norwegian Bokmål norsk|nd North Ndebele isiNdebele|
ne Nepali नेपाली|nl Dutch Nederlands|nn Norwegian Nynorsk norsk|no Norwegian norsk|ny Nyanja Chichewa|
oj Ojibwa Ojibwe|pa Punjabi ਪੰਜਾਬੀ|pap Papiamento Papiamentu|pis Pijin|pl Polish polski|ps Pashto|
pt Portuguese português|qu Quechua Runasimi|ro Romanian română|ru Russian русский|
rw Kinyarwanda Ikinyarwanda|sd Sindhi|si Sinhala|sk Slovak slovenčina|skr Saraiki|
sl Slovenian slovenščina|sm Samoan|sn Shona chiShona|so Somali Soomaali|sq Albanian shqip|
sr Serbian српски srpski|ss Swati siSwati|st Southern Sotho Sesotho|sv Swedish svenska|
sw Swahili Kiswahili|ta Tamil தமிழ்|te Telugu|tet Tetum|th Thai ไทย|tl Tagalog|tn Tswana Setswana|
to Tongan|tpi Tok Pisin|tr Turkish Türkçe|uk Ukrainian українська|ur Urdu اردو|uz Uzbek|
vi Vietnamese Tiếng Việt|wo Wolof|xh Xhosa isiXhosa|yo Yoruba|yue Cantonese 粵語|zh Chinese 中文|
zu Zulu isiZulu
"""
# Country calling codes, from the phonenumbers library's metadata (9.0.43,
# COUNTRY_CODE_TO_REGION_CODE); tests/test_search.py checks them against it when it is installed.
_CALLING_CODES = """
AC247 AD376 AE971 AF93 AG1 AI1 AL355 AM374 AO244 AR54 AS1 AT43 AU61 AW297 AX358 AZ994 BA387 BB1
BD880 BE32 BF226 BG359 BH973 BI257 BJ229 BL590 BM1 BN673 BO591 BQ599 BR55 BS1 BT975 BW267 BY375
BZ501 CA1 CC61 CD243 CF236 CG242 CH41 CI225 CK682 CL56 CM237 CN86 CO57 CR506 CU53 CV238 CW599
CX61 CY357 CZ420 DE49 DJ253 DK45 DM1 DO1 DZ213 EC593 EE372 EG20 EH212 ER291 ES34 ET251 FI358
FJ679 FK500 FM691 FO298 FR33 GA241 GB44 GD1 GE995 GF594 GG44 GH233 GI350 GL299 GM220 GN224 GP590
GQ240 GR30 GT502 GU1 GW245 GY592 HK852 HN504 HR385 HT509 HU36 ID62 IE353 IL972 IM44 IN91 IO246
IQ964 IR98 IS354 IT39 JE44 JM1 JO962 JP81 KE254 KG996 KH855 KI686 KM269 KN1 KP850 KR82 KW965 KY1
KZ7 LA856 LB961 LC1 LI423 LK94 LR231 LS266 LT370 LU352 LV371 LY218 MA212 MC377 MD373 ME382 MF590
MG261 MH692 MK389 ML223 MM95 MN976 MO853 MP1 MQ596 MR222 MS1 MT356 MU230 MV960 MW265 MX52 MY60
MZ258 NA264 NC687 NE227 NF672 NG234 NI505 NL31 NO47 NP977 NR674 NU683 NZ64 OM968 PA507 PE51
PF689 PG675 PH63 PK92 PL48 PM508 PR1 PS970 PT351 PW680 PY595 QA974 RE262 RO40 RS381 RU7 RW250
SA966 SB677 SC248 SD249 SE46 SG65 SH290 SI386 SJ47 SK421 SL232 SM378 SN221 SO252 SR597 SS211
ST239 SV503 SX1 SY963 SZ268 TA290 TC1 TD235 TG228 TH66 TJ992 TK690 TL670 TM993 TN216 TO676 TR90
TT1 TV688 TW886 TZ255 UA380 UG256 US1 UY598 UZ998 VA39 VC1 VE58 VG1 VI1 VN84 VU678 WF681 WS685
XK383 YE967 YT262 ZA27 ZM260 ZW263
"""
# Regions that share a calling code and are not its main region (phonenumbers lists the main one
# first): on a tie, +1 988 lists the United States before Guam or Canada, unless you prefer those.
_SHARED_SECONDARY = frozenset(
    [
        "AG",
        "AI",
        "AS",
        "AX",
        "BB",
        "BL",
        "BM",
        "BQ",
        "BS",
        "CA",
        "CC",
        "CX",
        "DM",
        "DO",
        "EH",
        "GD",
        "GG",
        "GU",
        "IM",
        "JE",
        "JM",
        "KN",
        "KY",
        "KZ",
        "LC",
        "MF",
        "MP",
        "MS",
        "PR",
        "SJ",
        "SX",
        "TA",
        "TC",
        "TT",
        "VA",
        "VC",
        "VG",
        "VI",
        "YT",
    ]
)


@lru_cache(maxsize=1)
def calling_codes() -> dict[str, str]:
    """ISO alpha-2 -> country calling code without '+', e.g. 'GB' -> '44'."""
    return {entry[:2]: entry[2:] for entry in _CALLING_CODES.split()}


@lru_cache(maxsize=1)
def _language_words() -> dict[str, str]:
    out = {}
    for entry in _LANGUAGES.split("|"):
        code, _, names = entry.strip().partition(" ")
        out[code] = fold(names)
    return out


@dataclass(frozen=True, slots=True)
class Hit:
    """One line that matched: where it is, which fields matched, and a note when the number the
    person typed is one the line no longer uses."""

    iso2: str
    country: str
    line: Line
    matched: tuple[str, ...]
    score: int
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract: {iso2, country, line, matched, note?}; `line` in dataset field names."""
        out: dict[str, Any] = {
            "iso2": self.iso2,
            "country": self.country,
            "line": self.line.to_dict(),
            "matched": list(self.matched),
        }
        if self.note:
            out["note"] = self.note
        return out


# --- the query ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Query:
    shown: str  # for messages: one line, short
    phrase: str  # the folded query, every word
    words: tuple[str, ...]  # folded words that must all match (stopwords dropped)
    digits: str | None = None  # the query read as one phone number, when it looks like one


def _parse(text: str) -> _Query:
    """Check and fold the query; an empty or oversized one is a usage error (exit 2)."""
    if not isinstance(text, str) or not text.strip():
        raise UsageProblem("search needs some text, for example `crisiscli search samaritans` or a number")
    shown = " ".join(text.split())[:40]
    if len(text) > MAX_QUERY:
        raise UsageProblem(f"search text is too long ({len(text)} characters; at most {MAX_QUERY})")
    # NFKC first so full-width digits and similar forms read as what they look like.
    normal = unicodedata.normalize("NFKC", text).strip()
    phrase = fold(normal)
    if not phrase:
        raise UsageProblem(f"search text {shown!r} has no letters or digits to look for")
    words = phrase.split()
    if len(words) > MAX_WORDS:
        raise UsageProblem(f"search takes at most {MAX_WORDS} words")
    kept = tuple(w for w in words if w not in _STOPWORDS) or tuple(words)
    digits = None
    if _NUMBER_LIKE.fullmatch(normal):
        digits = re.sub(r"[^0-9]", "", normal)
    return _Query(shown=shown, phrase=phrase, words=kept, digits=digits)


# --- numbers ------------------------------------------------------------------------------------


def _number_forms(digits: str, calling_code: str | None) -> set[str]:
    """Ways people write one national number: as dialled, without the trunk 0, with the country
    code (with or without that 0, since Italy keeps it), and for +1 without the leading 1."""
    forms = {digits}
    if len(digits) < 7:  # short codes (116 123, 988) are only ever dialled as they are
        return forms
    if digits.startswith("0"):
        forms.add(digits[1:])
    if calling_code:
        forms.add(calling_code + digits)
        if digits.startswith("0"):
            forms.add(calling_code + digits[1:])
        if calling_code == "1" and len(digits) == 11 and digits.startswith("1"):
            forms.add(digits[1:])
    return forms


def _query_forms(digits: str) -> set[str]:
    """The typed number, and without an international 00 prefix."""
    forms = {digits}
    if digits.startswith("00") and len(digits) > 6:
        forms.add(digits[2:])
    return forms


def _suffix_match(query: str, forms: Iterable[str]) -> bool:
    """A local number typed without its area code: the last 7 or more digits."""
    return len(query) >= 7 and any(len(f) > len(query) and f.endswith(query) for f in forms)


# --- fields -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Field:
    words: tuple[str, ...]
    joined: tuple[str, ...]  # words[i:] run together, for "selfharm" against "self harm"
    text: str

    @classmethod
    def of(cls, text: str) -> _Field:
        folded = fold(text)
        words = tuple(folded.split())
        return cls(words, tuple("".join(words[i:]) for i in range(len(words))), folded)

    def match(self, word: str) -> str | None:
        """'word' for a whole-word match, 'prefix' for the start of a word (or of words run
        together), None otherwise."""
        if word in self.words:
            return "word"
        if len(word) >= MIN_PREFIX and any(w.startswith(word) for w in self.words):
            return "prefix"
        if len(word) >= MIN_JOINED and any(j.startswith(word) for j in self.joined):
            return "prefix"
        return None


class _LineIndex:
    """The searchable text of one line, folded once."""

    __slots__ = ("contact_digits", "current", "fields", "previous")

    def __init__(self, line: Line, calling_code: str | None) -> None:
        fields: dict[str, _Field] = {"name": _Field.of(line.name)}
        if line.name_local:
            fields["name_local"] = _Field.of(line.name_local)
        if line.operator:
            fields["operator"] = _Field.of(line.operator)
        if line.region:
            fields["region"] = _Field.of(line.region)
        fields["topics"] = _Field.of(" ".join(f"{t} {_TOPIC_WORDS.get(t, '')}" for t in line.topics))
        fields["audiences"] = _Field.of(" ".join(f"{a} {_AUDIENCE_WORDS.get(a, '')}" for a in line.audiences))
        languages = _language_words()
        fields["languages"] = _Field.of(
            " ".join(f"{code} {languages.get(code.lower().split('-')[0], '')}" for code in line.languages)
        )
        self.fields = fields
        digits = [
            re.sub(r"[^0-9]", "", c.digits or c.dial or "")
            for c in line.contacts
            if c.type in ("voice", "sms", "whatsapp")
        ]
        self.contact_digits = tuple(d for d in digits if d)
        self.current: set[str] = set()
        for d in self.contact_digits:
            self.current |= _number_forms(d, calling_code)
        self.previous: list[tuple[set[str], PreviousNumber]] = []
        for old in line.previous_numbers:
            d = re.sub(r"[^0-9]", "", old.digits or "")
            if d:
                self.previous.append((_number_forms(d, calling_code), old))


def _name_phrase_score(index: _LineIndex, phrase: str) -> int:
    """How well the whole query reads as the line's name: equal, its start, or words within it."""
    best = 0
    for key in ("name", "name_local"):
        field = index.fields.get(key)
        if field is None:
            continue
        if field.text == phrase:
            best = max(best, 90)
        elif field.text.startswith(phrase + " "):
            best = max(best, 85)
        elif f" {phrase} " in f" {field.text} ":
            best = max(best, 80)
    return best


def _note(line: Line, old: PreviousNumber) -> str:
    """Say the number changed without repeating it (retired numbers are never shown as help)."""
    until = f" until {old.until}" if old.until else " in the past"
    return f"Number changed: {line.name} used the number you searched for{until}. Use its current contacts instead."


def _score_number(index: _LineIndex, line: Line, q: _Query) -> tuple[int, set[str], str | None]:
    typed = _query_forms(q.digits or "")
    score, matched, note = 0, set(), None
    if typed & index.current:
        score, matched = 100, {"contacts"}
    elif any(_suffix_match(t, index.current) for t in typed):
        score, matched = 92, {"contacts"}
    if not score:
        for forms, old in index.previous:
            if typed & forms or any(_suffix_match(t, forms) for t in typed):
                score, matched, note = 95 if typed & forms else 90, {"previous_numbers"}, _note(line, old)
                break
    if not score and q.digits and len(q.digits) >= 3 and any(q.digits in d for d in index.contact_digits):
        score, matched = 50, {"contacts"}
    named = _name_phrase_score(index, q.phrase)
    if named:
        score = max(score, named)
        matched.add("name")
    return score, matched, note


def _score_text(index: _LineIndex, q: _Query) -> tuple[int, set[str]]:
    per_field: dict[str, list[str | None]] = {}
    for key, field in index.fields.items():
        per_field[key] = [field.match(w) for w in q.words]
    # Digits inside a text query ("samaritans 116") can match a number.
    per_field["contacts"] = [
        ("word" if w.isdigit() and len(w) >= 3 and any(w in d for d in index.contact_digits) else None) for w in q.words
    ]
    covered = [any(per_field[k][i] for k in per_field) for i in range(len(q.words))]
    if not all(covered):
        return 0, set()
    matched = {k for k, results in per_field.items() if any(results)}
    score = 0
    for key, results in per_field.items():
        if all(results):  # one field explains the whole query
            score = max(score, _BASE[key] + (5 if all(r == "word" for r in results) else 0))
    if not score:  # the words are spread over several fields; more of them in the name is better
        local = per_field.get("name_local", [None] * len(q.words))
        in_name = sum(1 for a, b in zip(per_field["name"], local, strict=True) if a or b)
        score = min(65, 30 + 5 * in_name)
    named = _name_phrase_score(index, q.phrase)
    if named:
        score = max(score, named)
        matched.add("name")
    return score, matched


def _unmatched_words(indexes: Iterable[_LineIndex], q: _Query) -> list[str]:
    """Query words that match nothing in any line (for a did-you-mean)."""
    left = set(q.words)
    for index in indexes:
        for word in list(left):
            if any(field.match(word) for field in index.fields.values()):
                left.discard(word)
        if not left:
            break
    return [w for w in q.words if w in left]


def _suggestions(indexes: list[_LineIndex], words: list[str], limit: int = 3) -> list[str]:
    from .paths import close_matches

    vocabulary = sorted(
        {
            w
            for index in indexes
            for field in index.fields.values()
            for w in field.words
            if len(w) >= MIN_PREFIX and not w.isdigit()
        }
    )
    out: list[str] = []
    for word in words:
        for close in close_matches(word, vocabulary, n=limit, cutoff=0.75):
            if close not in out:
                out.append(close)
    return out[:limit]


# --- the search ---------------------------------------------------------------------------------


def search(dataset: Dataset, text: str, country: str | None = None, prefer: Iterable[str] = ()) -> list[Hit]:
    """Active lines matching `text`, best first, across every country or only `country` (any
    name or code crisiscli accepts). Among equally good matches, lines in `prefer` (ISO codes,
    such as the user's own country) come first, then primary, then 24/7 lines.

    Raises UsageProblem (exit 2) for empty or oversized text, UnknownCountry for a country that
    does not exist, and NothingMatched (exit 3) when no line matches, with did-you-mean
    suggestions where a word matches nothing at all.
    """
    q = _parse(text)
    iso2 = resolve(country) if country is not None else None
    if iso2 is not None and iso2 not in dataset:
        raise NothingMatched(f"no data for {country_name(iso2)} yet; call your local emergency number")
    codes = [iso2] if iso2 else dataset.codes()
    preferred = set(prefer)
    scored: list[tuple[tuple[Any, ...], Hit]] = []
    indexes: list[_LineIndex] = []
    for code in codes:
        record: Country | None = dataset.country(code)
        if record is None:
            continue
        calling_code = calling_codes().get(code)
        for position, line in enumerate(record.lines):
            if not line.is_active:
                continue
            index = _LineIndex(line, calling_code)
            indexes.append(index)
            note = None
            if q.digits is not None:
                score, matched, note = _score_number(index, line, q)
            else:
                score, matched = _score_text(index, q)
            if score <= 0:
                continue
            hit = Hit(code, record.name, line, tuple(f for f in FIELDS if f in matched), score, note)
            key = (
                -score,
                code not in preferred,
                not line.primary,
                not line.hours.always_open,
                code in _SHARED_SECONDARY,
                code,
                position,
            )
            scored.append((key, hit))
    if not scored:
        raise _nothing(q, iso2, indexes)
    scored.sort(key=lambda pair: pair[0])
    return [hit for _, hit in scored]


def _nothing(q: _Query, iso2: str | None, indexes: list[_LineIndex]) -> NothingMatched:
    where = f" in {country_name(iso2)}" if iso2 else ""
    unknown = [] if q.digits is not None else _unmatched_words(indexes, q)
    hints = _suggestions(indexes, unknown) if unknown else []
    message = f"no line{where} matches {q.shown!r}"
    if hints:
        message += f"; did you mean {', '.join(hints)}?"
    elif q.digits is not None:
        message += "; check the number, or search for the line's name"
    else:
        message += "; try fewer words, a topic such as suicide or youth, or `crisiscli lines COUNTRY`"
    return NothingMatched(message, suggestions=hints)
