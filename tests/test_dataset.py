"""The bundled dataset: schema, and the rules that keep a wrong number from being shown."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import jsonschema
import pytest

from crisiscli.countries import is_iso2
from crisiscli.dataset import BUNDLED_PATH, load_bundled
from crisiscli.paths import DATA_DIR
from crisiscli.validate import validate

RAW = json.loads(Path(BUNDLED_PATH).read_text(encoding="utf-8"))
SCHEMA = json.loads((Path(DATA_DIR) / "hotlines.schema.json").read_text(encoding="utf-8"))
FIRST_40 = [
    "US",
    "CA",
    "GB",
    "IE",
    "AU",
    "NZ",
    "IN",
    "DE",
    "FR",
    "ES",
    "IT",
    "NL",
    "BE",
    "SE",
    "NO",
    "DK",
    "FI",
    "PL",
    "JP",
    "KR",
    "CN",
    "HK",
    "SG",
    "PH",
    "ZA",
    "KE",
    "NG",
    "BR",
    "MX",
    "AR",
    "CL",
    "CO",
    "IL",
    "TR",
    "RU",
    "UA",
    "CH",
    "AT",
    "PT",
    "GR",
]
# Retired or wrong numbers that must never be an active contact (research/hotline-anchors.md c1).
KNOWN_BAD = {
    "US": ["18002738255"],
    "GB": ["08457909090"],
    "IE": ["1850609090"],
    "NL": ["09000113"],
    "KR": ["1393"],
    "CN": ["12320"],
    "SG": ["18002214444"],
    "BR": ["141"],
    "TR": ["182"],
    "CA": ["18334564566", "45645"],
}


def _lines():
    for code, country in RAW["countries"].items():
        for line in country["lines"]:
            yield code, line


def test_bundled_dataset_passes_every_validation_rule():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert [str(p) for p in validate(RAW, date(2026, 11, 29))] == []


def test_top_level():
    assert isinstance(RAW["dataset_version"], int) and RAW["dataset_version"] >= 1
    assert date.fromisoformat(RAW["generated_at"]) <= date(2026, 11, 29)


def test_the_first_forty_countries_are_there_with_emergency_numbers():
    assert set(FIRST_40) <= set(RAW["countries"])
    for code, country in RAW["countries"].items():
        assert country["iso2"] == code and is_iso2(code)
        assert country["emergency"], code
        assert country["lines"] or country.get("no_national_line_note"), code


def test_known_bad_numbers_are_never_active():
    for code, bad in KNOWN_BAD.items():
        for line in RAW["countries"].get(code, {}).get("lines", []):
            if line["status"] != "active":
                continue
            for c in line["contacts"]:
                assert c.get("digits") not in bad, (code, line["id"], c.get("digits"))


def test_turkey_182_is_nowhere_a_crisis_line():
    for line in RAW["countries"]["TR"]["lines"]:
        assert all(c.get("digits") != "182" for c in line["contacts"])


def test_us_lines_never_mention_press_3():
    text = json.dumps(RAW["countries"]["US"]).lower()
    assert "press 3" not in text


def test_always_open_lines_say_so_in_their_hours_text():
    for _code, line in _lines():
        if line["hours"]["always_open"]:
            assert "24" in line["hours"]["text"], line["id"]


def test_loader_builds_every_country():
    dataset = load_bundled()
    assert dataset.info.origin == "bundled"
    assert len(list(dataset.countries())) == len(RAW["countries"])


@pytest.mark.parametrize(
    "code, digits",
    [
        ("US", "988"),
        ("GB", "116123"),
        ("FR", "3114"),
        ("KR", "109"),
        ("CN", "12356"),
        ("ES", "024"),
        ("PT", "1411"),
        ("NL", "113"),
    ],
)
def test_reference_lines_present(code, digits):
    """Well-documented national lines (research/hotline-anchors.md c1) appear with these digits."""
    all_digits = {c.get("digits") for line in RAW["countries"][code]["lines"] for c in line["contacts"]}
    assert digits in all_digits


def test_lazy_loading_sees_exactly_what_a_full_parse_sees():
    """The bundled file keeps the layout that lets a lookup parse one country at a time."""
    from crisiscli.dataset import LazyCountries

    data = Path(BUNDLED_PATH).read_bytes()
    indexed = LazyCountries.index(data)
    assert indexed is not None, "hotlines.json lost the layout the fast loader needs"
    head, lazy = indexed
    assert list(lazy) == list(RAW["countries"])
    for code in RAW["countries"]:
        assert lazy[code] == RAW["countries"][code]
    assert {k: v for k, v in RAW.items() if k != "countries"} == head
    for code in RAW["countries"]:  # each found by its own key, before anything builds the index
        _, fresh = LazyCountries.index(data)
        assert code in fresh and fresh[code] == RAW["countries"][code]
    _, fresh = LazyCountries.index(data)
    for missing in ("XX", "gb", "G", "GBR", "\u00c9T", ""):
        assert missing not in fresh
        with pytest.raises(KeyError):
            fresh[missing]


def test_other_layouts_fall_back_to_a_full_parse(tmp_path):
    from crisiscli.dataset import load_file

    compact = tmp_path / "compact.json"
    compact.write_text(json.dumps(RAW), encoding="utf-8")
    dataset = load_file(str(compact), origin="bundled", strict=False)
    assert dataset.country("GB").name == "United Kingdom"
    assert dataset.codes() == sorted(RAW["countries"])


# The bundled file as reviewed. Editing hotlines.json must be deliberate: raise dataset_version
# (updates refuse anything not newer), validate, and pin the new hash here.
PINNED = {
    1: "b26e3aeed1dbb1d2adab49e8e98b39c47ede2a6884e087b5e12277153b8bba8d",
    2: "5fd318ced49ab1da6f5e5933363b380af192231807b8d60725c1e641d0d08377",
}


def test_bundled_file_is_the_reviewed_one():
    import hashlib

    digest = hashlib.sha256(Path(BUNDLED_PATH).read_bytes()).hexdigest()
    version = RAW["dataset_version"]
    assert version == max(PINNED), "raise dataset_version when the data changes, and pin it here"
    assert digest == PINNED[version], "hotlines.json changed: raise dataset_version and update PINNED"


def test_the_lazy_loader_reads_a_memory_map_and_finds_every_country(tmp_path):
    """The bundled copy is read through a memory map; each country found by its key alone
    must be the one a full parse sees (US, the last key, included)."""
    from crisiscli.dataset import load_file

    copy = tmp_path / "hotlines.json"
    copy.write_bytes(Path(BUNDLED_PATH).read_bytes())
    for code in ("AD", "GB", "US", "ZW"):
        dataset = load_file(str(copy), origin="bundled", strict=False)
        assert dataset.country(code) == load_file(str(copy), origin="bundled").country(code)


@pytest.mark.parametrize("content", [b"", b"{", b'{"dataset_version": 1}'])
def test_a_file_that_cannot_be_mapped_or_parsed_is_a_dataset_error(tmp_path, content):
    from crisiscli.dataset import load_file
    from crisiscli.errors import DatasetError

    broken = tmp_path / "hotlines.json"
    broken.write_bytes(content)
    with pytest.raises(DatasetError, match=r"hotlines\.json"):
        load_file(str(broken), origin="bundled", strict=False)


def test_countries_out_of_order_are_still_found(tmp_path):
    """The loader bisects on the sorted order our tools write; a file in another order must
    still give every country (the bisection only narrows, the scan decides)."""
    from crisiscli.dataset import LazyCountries

    shuffled = dict(RAW)
    codes = list(RAW["countries"])
    shuffled["countries"] = {code: RAW["countries"][code] for code in codes[1::2] + codes[::2][::-1]}
    data = (json.dumps(shuffled, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    for code in codes:
        _, fresh = LazyCountries.index(data)
        assert fresh[code] == RAW["countries"][code]
    _, fresh = LazyCountries.index(data)
    assert "XX" not in fresh
