"""Each validation rule catches what it is for, and `crisiscli data validate` reports it (exit 5)."""

from __future__ import annotations

import copy
import json
from datetime import date

import pytest

from crisiscli.dataset import load_bundled
from crisiscli.validate import validate

TODAY = date(2026, 11, 29)


@pytest.fixture(scope="module")
def small() -> dict:
    """A valid dataset with two countries, cut from the bundled one."""
    raw = copy.deepcopy(load_bundled().raw)
    raw["countries"] = {k: raw["countries"][k] for k in ("GB", "US")}
    assert validate(raw, TODAY) == []
    return raw


def _gb_line(doc):
    return doc["countries"]["GB"]["lines"][0]


BREAKS = {
    "schema": (lambda d: d["countries"]["GB"].pop("emergency"), "'emergency' is a required property"),
    "control": (lambda d: _gb_line(d).__setitem__("name", "Sama\x1b[2Jritans"), "control, bidi"),
    "bidi": (lambda d: _gb_line(d).__setitem__("notes", "\u202e321 611"), "control, bidi"),
    "arabic digits": (lambda d: _gb_line(d)["contacts"][0].__setitem__("dial", "١١٦١٢٣"), "ASCII"),
    "digits": (lambda d: _gb_line(d)["contacts"][0].__setitem__("digits", "116124"), "digits of `dial`"),
    "http link": (
        lambda d: _gb_line(d)["contacts"].append(
            {"type": "web", "display": "x", "url": "http://example.org", "reachable_from": ["abroad"], "cost": "free"}
        ),
        "https",
    ),
    "duplicate id": (lambda d: d["countries"]["GB"]["lines"].append(copy.deepcopy(_gb_line(d))), "duplicate id"),
    "iso": (lambda d: d["countries"].__setitem__("XX", {**d["countries"]["GB"], "iso2": "XX"}), "ISO 3166-1"),
    "retired number active": (
        lambda d: _gb_line(d)["contacts"][0].update(dial="08457909090", digits="08457909090"),
        "also an active contact",
    ),
    "future date": (lambda d: _gb_line(d)["provenance"].__setitem__("last_verified", "2027-01-01"), "in the future"),
    "bad date": (lambda d: _gb_line(d)["provenance"].__setitem__("last_verified", "2026-02-30"), "not a real date"),
    "unknown number": (lambda d: _gb_line(d)["contacts"][0].update(dial="4321", digits="4321"), "phonenumbers"),
    "bad emergency": (
        lambda d: d["countries"]["GB"]["emergency"][0].update(number="933", digits="933"),
        "not an emergency number",
    ),
    "high without official": (
        lambda d: _gb_line(d)["provenance"].__setitem__(
            "sources", [{"url": "https://example.org", "kind": "news", "accessed": "2026-11-25"}]
        ),
        "`high` needs",
    ),
}


@pytest.mark.parametrize("name", sorted(BREAKS))
def test_rule_catches_its_break(small, name):
    doc = copy.deepcopy(small)
    mutate, words = BREAKS[name]
    mutate(doc)
    messages = " | ".join(str(p) for p in validate(doc, TODAY))
    assert words in messages


def test_numbering_exception_explains_a_disagreement(small):
    doc = copy.deepcopy(small)
    contact = _gb_line(doc)["contacts"][0]
    contact.update(dial="4321", digits="4321", numbering_exception="test: a short code the library lacks")
    assert validate(doc, TODAY) == []


def test_data_validate_command(run, tmp_path, small):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(small), encoding="utf-8")
    ok = run("data", "validate", str(good))
    assert ok.returncode == 0 and "passes every rule" in ok.stdout
    doc = copy.deepcopy(small)
    _gb_line(doc)["contacts"][0]["digits"] = "1"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    result = run("data", "validate", str(bad))
    assert result.returncode == 5
    assert "$.countries.GB.lines[0].contacts[0].digits" in result.stdout
    as_json = json.loads(run("data", "validate", str(bad), "--json").stdout)
    assert as_json["data"]["valid"] is False and as_json["data"]["problems"]


@pytest.mark.parametrize("content", [b"", b"{", b"[1]", b'{"a": NaN}', b'{"a":1,"a":2}', b"\xff\xfe{}", b"[" * 100_000])
def test_data_validate_rejects_broken_json(run, tmp_path, content):
    path = tmp_path / "broken.json"
    path.write_bytes(content)
    result = run("data", "validate", str(path))
    assert result.returncode == 5
    assert "Traceback" not in result.stderr


def test_data_validate_missing_file(run, tmp_path):
    """A FILE that is not there is a usage error (issue 13), not a validation failure."""
    result = run("data", "validate", str(tmp_path / "nope.json"))
    assert result.returncode == 2 and "cannot read" in result.stderr


def test_data_validate_default_is_the_active_dataset(run):
    assert run("data", "validate").returncode == 0


def test_data_info_counts(run):
    doc = json.loads(run("data", "info", "--json").stdout)
    info = doc["data"]
    assert info["version"] == 2 and info["origin"] == "bundled"
    cov = info["coverage"]
    assert cov["countries_with_emergency_numbers"] >= 240
    assert cov["countries_with_lines"] >= 150
    assert sum(cov["lines_by_confidence"].values()) == cov["lines"]


def test_only_countries_written_exactly_as_shipped_skip_the_schema():
    """An update re-checks every country it changes; one it writes byte for byte as the
    bundled file does (which passed everything) is not walked through the schema again."""
    import json
    from datetime import date
    from pathlib import Path

    from signing import dataset_bytes

    from crisiscli.dataset import BUNDLED_PATH, same_as_bundled
    from crisiscli.validate import validate

    shipped = Path(BUNDLED_PATH).read_bytes()
    doc = json.loads(shipped)
    assert same_as_bundled(shipped) == frozenset(doc["countries"])
    assert same_as_bundled(json.dumps(doc).encode()) == frozenset()  # another layout: check all
    doc["countries"]["GB"]["lines"][0]["name"] = 42  # a schema error in one changed country
    doc["countries"]["FR"]["lines"][0]["id"] = doc["countries"]["DE"]["lines"][0]["id"]  # across
    changed = dataset_bytes(doc)
    known_good = same_as_bundled(changed)
    assert "GB" not in known_good and "FR" not in known_good and "DE" in known_good
    problems = [str(p) for p in validate(doc, date(2026, 11, 29), known_good)]
    assert any(p.startswith("$.countries.GB.lines[0].name") for p in problems), problems
    assert any("id" in p and "FR" in p for p in problems), problems
