"""Find and load the dataset that a lookup uses.

Why one module: every command reads the same numbers through the same checks, so a broken file is
caught once, the same way, everywhere. The bundled copy inside the package is the floor that
nothing can take away; updated copies (see update.py) are layered above it.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from .errors import DatasetError
from .files import read_at_most, read_upto
from .model import Country, DatasetInfo, build
from .paths import STATE_FILE, data_file

if TYPE_CHECKING:
    from datetime import date
    from mmap import mmap
    from typing import BinaryIO

BUNDLED_PATH = data_file("hotlines.json")
SUPPORTED_SCHEMA_MAJOR = 1
MAX_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 32


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key[:40]!r}")
        out[key] = value
    return out


def loads_strict(text: str) -> Any:
    """json.loads that refuses NaN/Infinity and duplicate keys (ValueError), for files that
    came from outside: downloads, imported plans."""
    return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_no_duplicates)


def _depth(value: Any, limit: int) -> int:
    """Nesting depth, iteratively so a hostile file cannot exhaust the stack."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if level > limit:
            return level
        if isinstance(item, dict):
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item)
    return deepest


def parse_strict(data: bytes, what: str = "dataset") -> dict[str, Any]:
    """Parse JSON the strict way: UTF-8, no NaN/Infinity, no duplicate keys, bounded size and depth."""
    if len(data) > MAX_BYTES:
        raise DatasetError(f"{what} is larger than {MAX_BYTES // (1024 * 1024)} MiB")
    try:
        text = data.decode("utf-8")
        doc = loads_strict(text)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise DatasetError(f"{what} is not valid JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise DatasetError(f"{what} is not a JSON object")
    if _depth(doc, MAX_DEPTH) > MAX_DEPTH:
        raise DatasetError(f"{what} is nested deeper than {MAX_DEPTH} levels")
    return doc


_COUNTRIES_START = b'\n "countries": {\n'
_COUNTRIES_END = b"\n }\n}"
_COUNTRY_KEY = rb'\n  "([A-Z]{2})": \{'  # compiled only for a full index (`--all`, `countries`)
_KEY_START = b'\n  "'


def _country_key_at(data: bytes | mmap, at: int) -> bool:
    """Whether `"XX": {` starts a line at `at` (a regex costs more to compile than a lookup takes)."""
    return data[at : at + 4] == _KEY_START and data[at + 4 : at + 6].isupper() and data[at + 6 : at + 10] == b'": {'


class LazyCountries(Mapping[str, Any]):
    """The `countries` object of a dataset file, parsed one country at a time.

    Why: the file is nearly two megabytes and a lookup needs one country; finding that country's
    key and parsing only its slice keeps a lookup fast as the dataset grows. The full index of
    every country is built only when something iterates (`--all`, `countries`). It relies on the
    layout our tools write (one top-level key per line, `countries` last, two-space indented
    country keys); `index()` returns None for any other layout and the caller parses the whole
    file instead."""

    def __init__(self, data: bytes | mmap, body: tuple[int, int]) -> None:
        self._data = data
        self._body_start, self._end = body
        self._spans: dict[str, tuple[int, int]] | None = None
        self._parsed: dict[str, Any] = {}

    @classmethod
    def index(cls, data: bytes | mmap) -> tuple[dict[str, Any], LazyCountries] | None:
        """(top-level fields, lazy countries) for a file in our layout, else None."""
        start = data.find(_COUNTRIES_START)
        end = data.rfind(_COUNTRIES_END)
        if start < 0 or end < start:
            return None
        try:
            head = json.loads(data[:start].rstrip().rstrip(b",") + b"\n}")
        except ValueError:
            return None
        body_start = start + len(_COUNTRIES_START) - 1
        if not _country_key_at(data, body_start):
            return None
        return head, cls(data, (body_start, end))

    def _all_spans(self) -> dict[str, tuple[int, int]]:
        if self._spans is None:
            matches = list(re.compile(_COUNTRY_KEY).finditer(self._data, self._body_start, self._end + 1))
            self._spans = {}
            for i, match in enumerate(matches):
                stop = matches[i + 1].start() if i + 1 < len(matches) else self._end
                self._spans[match.group(1).decode("ascii")] = (match.start() + 1, stop)
        return self._spans

    def _span(self, code: str) -> tuple[int, int] | None:
        """Where one country's `"XX": {...}` lies: found by its key, ended by the next key."""
        if self._spans is not None:
            return self._spans.get(code)
        if len(code) != 2 or not code.isascii() or not code.isupper():
            return None
        key = b'\n  "' + code.encode("ascii") + b'": {'
        at = self._find_key(key, code)
        if at < 0:
            return None
        # JSON strings never hold a raw newline, so the next line indented by two is the next key
        following = self._data.find(_KEY_START, at + len(key), self._end + 1)
        if following >= 0 and not _country_key_at(self._data, following):
            return self._all_spans().get(code)
        return at + 1, following if following >= 0 else self._end

    def _find_key(self, key: bytes, code: str) -> int:
        """Where `key` starts, or -1. Our tools write countries sorted by code, so a bisection
        over the bytes reads a few pages instead of scanning up to two megabytes; a key out of
        order only narrows the range wrongly, and then the plain scan below still decides."""
        data, lo, hi = self._data, self._body_start, self._end + 1
        while hi - lo > 16384:
            mid = (lo + hi) // 2
            at = data.find(_KEY_START, mid, hi)  # the first key after mid: none lies in [mid, at)
            if at < 0 or not _country_key_at(data, at):
                break
            found = data[at + 4 : at + 6].decode("ascii")
            if found == code:
                return at
            if found < code:
                lo = at + 1
            else:
                hi = mid + len(key)
        at = data.find(key, lo, hi)
        return at if at >= 0 else data.find(key, self._body_start, self._end + 1)

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and (code in self._parsed or self._span(code) is not None)

    def __getitem__(self, code: str) -> Any:
        if code not in self._parsed:
            span = self._span(code)
            if span is None:
                raise KeyError(code)
            start, stop = span
            chunk = self._data[start:stop].rstrip().rstrip(b",")
            try:
                self._parsed[code] = json.loads(b"{" + chunk + b"}")[code]
            except (ValueError, KeyError):
                raise DatasetError(f"country {code} is not valid JSON") from None
        return self._parsed[code]

    def chunk(self, code: str) -> bytes | None:
        """The bytes of one country's entry as written in the file (for comparing files)."""
        span = self._all_spans().get(code)
        return None if span is None else bytes(self._data[span[0] : span[1]]).rstrip().rstrip(b",")

    def __iter__(self) -> Iterator[str]:
        return iter(self._all_spans())

    def __len__(self) -> int:
        return len(self._all_spans())


class Dataset:
    """A loaded dataset; countries become model objects only when asked for (a lookup needs one)."""

    def __init__(self, doc: Mapping[str, Any], origin: str, path: str, built: dict[str, Country] | None = None) -> None:
        try:
            version = doc["dataset_version"]
            schema = str(doc["schema_version"])
            countries = doc["countries"]
            generated = str(doc["generated_at"])
        except (KeyError, TypeError):
            raise DatasetError(f"{path}: missing schema_version, dataset_version, generated_at or countries") from None
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise DatasetError(f"{path}: dataset_version must be a positive integer")
        if not isinstance(countries, Mapping):
            raise DatasetError(f"{path}: countries must be an object keyed by ISO code")
        major = schema.split(".")[0]
        if major != str(SUPPORTED_SCHEMA_MAJOR):
            raise DatasetError(f"{path}: schema_version {schema} needs a newer crisiscli (pip install -U crisiscli)")
        self._doc = doc
        self.info = DatasetInfo(
            schema_version=schema, dataset_version=version, generated_at=generated, origin=origin, path=path
        )
        self.fallback: Mapping[str, Any] = doc.get("fallback") or {}
        self._raw_countries: Mapping[str, Any] = countries
        self._built: dict[str, Country] = {} if built is None else built
        self.warnings: list[str] = []

    @property
    def raw(self) -> dict[str, Any]:
        """The whole document as plain JSON values (parses every country: for tools and tests)."""
        doc = dict(self._doc)
        doc["countries"] = {code: self._raw_countries[code] for code in self._raw_countries}
        return doc

    def codes(self) -> list[str]:
        """ISO codes of the countries the dataset covers, sorted."""
        return sorted(self._raw_countries)

    def __contains__(self, iso2: str) -> bool:
        return iso2 in self._raw_countries

    def country(self, iso2: str) -> Country | None:
        """The country's record, or None when the dataset has nothing for it."""
        if iso2 not in self._raw_countries:
            return None
        if iso2 not in self._built:
            try:
                self._built[iso2] = build(Country, self._raw_countries[iso2])
            except (TypeError, AttributeError, KeyError) as exc:
                raise DatasetError(f"{self.info.path}: country {iso2} is malformed ({exc})") from None
        return self._built[iso2]

    def countries(self) -> Iterator[Country]:
        for code in self.codes():
            country = self.country(code)
            if country is not None:
                yield country

    def age_days(self, today: date) -> int | None:
        """Days since generated_at (None if the date is unreadable); never negative."""
        from datetime import date

        try:
            generated = date.fromisoformat(self.info.generated_at[:10])
        except ValueError:
            return None
        return max(0, (today - generated).days)


def load_file(path: str, origin: str, strict: bool = True) -> Dataset:
    """Load one dataset file; any problem is a DatasetError with the path in it.

    `strict=False` is for files already validated in full (the bundled copy by the test suite):
    it skips the duplicate-key and depth checks and parses countries only when asked for, from a
    memory map: a lookup then reads the pages of one country, not the whole file (about 1 ms)."""
    try:
        with open(path, "rb") as fh:
            if not strict and (mapped := _map(fh)) is not None:
                return Dataset(_parse_fast(mapped, path), origin=origin, path=path)
            data = read_at_most(fh, MAX_BYTES + 1)
    except OSError as exc:
        raise DatasetError(f"cannot read {path}: {exc.strerror or exc}") from None
    if strict:
        doc = parse_strict(data, what=path)
    else:
        doc = _parse_fast(data, path)
    return Dataset(doc, origin=origin, path=path)


def _map(fh: BinaryIO) -> mmap | None:
    """A read-only map of a regular file of a sane size, else None (the caller reads instead)."""
    import mmap as mmap_module

    size = os.fstat(fh.fileno()).st_size
    if not 0 < size <= MAX_BYTES:
        return None
    try:
        return mmap_module.mmap(fh.fileno(), 0, access=mmap_module.ACCESS_READ)
    except (OSError, ValueError):
        return None


def _parse_fast(data: bytes | mmap, path: str) -> dict[str, Any]:
    """Top-level fields now, countries on demand; the whole file if its layout is not ours."""
    indexed = LazyCountries.index(data)
    if indexed is not None:
        head, countries = indexed
        return {**head, "countries": countries}
    try:
        doc = json.loads(data[:])
    except (ValueError, RecursionError) as exc:
        raise DatasetError(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise DatasetError(f"{path} is not a JSON object")
    return doc


_BUNDLED_CACHE: dict[tuple[str, int, int], tuple[Mapping[str, Any], dict[str, Country]]] = {}


def load_bundled() -> Dataset:
    """The dataset shipped inside the package: the floor every lookup can rely on.

    A process that loads it again (the MCP server, the test suite) reuses the parsed index and
    the built countries: they are immutable, and the key (path, size, mtime) changes with the file."""
    try:
        st = os.stat(BUNDLED_PATH)
    except OSError:
        return load_file(BUNDLED_PATH, origin="bundled", strict=False)
    key = (BUNDLED_PATH, st.st_size, st.st_mtime_ns)
    cached = _BUNDLED_CACHE.get(key)
    if cached is None:
        cached = (load_file(BUNDLED_PATH, origin="bundled", strict=False)._doc, {})
        _BUNDLED_CACHE.clear()
        _BUNDLED_CACHE[key] = cached
    doc, built = cached
    return Dataset(doc, origin="bundled", path=BUNDLED_PATH, built=built)


def same_as_bundled(data: bytes) -> frozenset[str]:
    """Codes of the countries that `data` writes byte for byte as the bundled file does.

    Why: the bundled file passed every validation rule before it shipped (the test suite pins
    it), so an update need not walk those countries through the schema again; on a slow machine
    that is most of a second. Any difference at all, or a file in another layout, and the
    country is checked in full."""
    indexed = LazyCountries.index(data)
    if indexed is None:
        return frozenset()
    try:
        with open(BUNDLED_PATH, "rb") as fh:
            shipped = LazyCountries.index(read_at_most(fh, MAX_BYTES + 1))
    except OSError:
        return frozenset()
    if shipped is None:
        return frozenset()
    mine, theirs = indexed[1], shipped[1]
    return frozenset(code for code in mine if (chunk := mine.chunk(code)) is not None and chunk == theirs.chunk(code))


def load_active(env: Mapping[str, str] | None = None) -> Dataset:
    """The dataset a lookup should use: the highest valid `dataset_version` among the updated
    copy, the previous copy and the bundled one (on a tie the bundled copy stays).

    An installed copy counts only if it is the file the last committed update named (state.json)
    and its stored minisign signature still verifies against a trusted key. Verifying costs an
    import of `cryptography` and a hash of the file, so the result is remembered per file by size
    and mtime (verified.json) and a lookup normally pays for a stat() only.

    Never touches the network, never waits on the update lock, never raises for a broken
    download: a copy that fails is skipped and the reasons are joined into one warning."""
    from .config import data_dir

    env = os.environ if env is None else env
    bundled = load_bundled()
    directory = data_dir(env)
    if not os.path.exists(os.path.join(directory, STATE_FILE)):
        return bundled  # never updated (or the first update never committed): nothing else to read
    from .store import load_state

    state = load_state(directory)
    best, reasons = bundled, []
    # Only what a lookup reads matters here (a damaged etag or date is the next update's business).
    damaged = [p for p in state.problems if p in ("current", "previous") or p.startswith("the whole file")]
    if damaged:
        reasons.append(f"{os.path.join(directory, STATE_FILE)} is damaged ({', '.join(damaged)})")
    stamps: dict[str, Any] | None = None
    for origin, entry in (("updated", state.current), ("previous", state.previous)):
        if entry is None:
            continue
        if stamps is None:
            from .store import read_stamps

            stamps = read_stamps(directory)
        try:
            candidate = load_installed(directory, entry, origin, env, stamps)
        except DatasetError as exc:
            reasons.append(exc.message)
            continue
        if candidate.info.dataset_version > best.info.dataset_version:
            best = candidate
    if reasons:
        using = {
            "updated": "the updated copy",
            "previous": "the previous download",
            "bundled": "the data that came with crisiscli",
        }[best.info.origin]
        best.warnings = [f"ignoring {'; '.join(reasons)}; using {using}"]
    return best


def load_installed(directory: str, entry: Any, origin: str, env: Mapping[str, str], stamps: dict[str, Any]) -> Dataset:
    """One installed copy named by the state file, checked: readable, the same bytes the update
    recorded, a supported schema, and a signature that still verifies (or a matching stamp)."""
    import hashlib

    from .store import Stamp, write_stamps

    path = os.path.join(directory, entry.file)
    try:
        data = read_upto(path, MAX_BYTES + 1)
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read it ({(exc.strerror or str(exc)).lower()})") from None
    if hashlib.sha256(data).hexdigest() != entry.sha256:
        raise DatasetError(f"{path}: it is not the file `crisiscli update` installed")
    stamp = stamps.get(entry.file)
    if stamp is None or not stamp.matches(path):
        key_id = _verify_installed(path, data, env)
        fresh = Stamp.of(path, key_id)
        if fresh is not None:
            stamps[entry.file] = fresh
            with suppress(OSError):  # a read-only directory only costs the next lookup another check
                write_stamps(directory, stamps)
    return Dataset(_parse_fast(data, path), origin=origin, path=path)


def _verify_installed(path: str, data: bytes, env: Mapping[str, str]) -> str:
    """The key id that signed the file at `path`, or DatasetError."""
    from .errors import CrisisError
    from .signature import MAX_SIGNATURE_BYTES, trusted_keys, verify
    from .store import SIGNATURE_SUFFIX

    try:
        signature = read_upto(path + SIGNATURE_SUFFIX, MAX_SIGNATURE_BYTES + 1)
    except OSError as exc:
        raise DatasetError(f"{path}: its signature cannot be read ({(exc.strerror or str(exc)).lower()})") from None
    try:
        return verify(data, signature, trusted_keys(env, strict=False)).key_id_hex
    except CrisisError as exc:
        raise DatasetError(f"{path}: {exc.message}") from None
