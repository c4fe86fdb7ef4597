"""The JSON envelope is a contract with scripts: these tests pin its shape."""

from __future__ import annotations

import csv
import io
import json

import pytest

ENVELOPE_KEYS = {"schema_version", "command", "country_source", "dataset", "data", "warnings"}
DATASET_KEYS = {"version", "generated_at", "age_days", "origin"}
SECTION_KEYS = {"iso2", "name", "emergency", "lines"}
CONTACT_REQUIRED = {"type", "display", "reachable_from", "cost"}


def test_lines_json_envelope(run):
    result = run("lines", "GB", "--format", "json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert set(doc) == ENVELOPE_KEYS
    assert doc["schema_version"] == 1
    assert doc["command"] == "lines"
    assert doc["country_source"] == "argument"
    assert set(doc["dataset"]) == DATASET_KEYS
    assert isinstance(doc["dataset"]["version"], int) and doc["dataset"]["version"] >= 1
    assert doc["dataset"]["origin"] == "bundled"
    assert doc["dataset"]["age_days"] == 0  # CRISISCLI_NOW pins the clock to generated_at
    assert doc["warnings"] == []
    [section] = doc["data"]
    assert set(section) >= SECTION_KEYS
    assert section["iso2"] == "GB"
    assert section["emergency"][0]["digits"] == "999"
    for line in section["lines"]:
        assert {"id", "name", "contacts", "hours", "topics", "audiences", "languages", "status", "provenance"} <= set(
            line
        )
        assert line["status"] == "active"
        assert "always_open" in line["hours"]
        assert line["provenance"]["sources"][0]["accessed"]
        for contact in line["contacts"]:
            assert set(contact) >= CONTACT_REQUIRED
            if contact["type"] in ("voice", "sms"):
                assert contact["digits"].isdigit()


def test_json_alias_and_order_of_countries(run):
    result = run("lines", "fr", "Deutschland", "--json")
    doc = json.loads(result.stdout)
    assert [s["iso2"] for s in doc["data"]] == ["FR", "DE"]


def test_primary_lines_come_first(run):
    doc = json.loads(run("lines", "US", "--json").stdout)
    lines = doc["data"][0]["lines"]
    flags = [line["primary"] for line in lines]
    assert flags == sorted(flags, reverse=True)
    assert lines[0]["contacts"][0]["digits"] == "988"


def test_error_in_json_mode_is_json_on_stdout(run):
    result = run("lines", "germny", "--json")
    assert result.returncode == 2
    doc = json.loads(result.stdout)
    assert doc["error"]["code"] == "unknown_country"
    assert "Germany" in doc["error"]["suggestions"]
    assert "did you mean" in result.stderr


def test_usage_error_in_json_mode_is_json(run):
    result = run("lines", "GB", "--json", "--bogus")
    assert result.returncode == 2
    assert json.loads(result.stdout)["error"]["code"] == "usage"


def test_no_match_json_still_has_emergency(run):
    result = run("lines", "GB", "--audience", "indigenous", "--json")
    assert result.returncode == 3
    doc = json.loads(result.stdout)
    assert doc["data"][0]["lines"] == []
    assert doc["data"][0]["emergency"][0]["number"] == "999"
    assert doc["error"]["code"] == "no_match"


def test_countries_json(run):
    doc = json.loads(run("countries", "--json").stdout)
    assert doc["command"] == "countries"
    codes = [row["iso2"] for row in doc["data"]]
    assert len(codes) >= 40 and codes == sorted(codes)
    assert set(doc["data"][0]) == {"iso2", "name", "emergency", "lines"}


def test_detected_country_source_in_json(run):
    doc = json.loads(run("lines", "--json", env={"TZ": "Europe/Paris"}).stdout)
    assert doc["country_source"] == "timezone"
    assert doc["data"][0]["iso2"] == "FR"


def test_json_is_compact_for_a_pipe(run):
    out = run("lines", "GB", "--json").stdout
    assert out.count("\n") == 1 and json.loads(out)["data"][0]["iso2"] == "GB"


@pytest.mark.parametrize(
    "args",
    [
        ["about"],
        ["about", "myths"],
        ["coping"],
        ["coping", "--random"],
        ["where"],
        ["search", "samaritans"],
        ["countries"],
        ["lines", "GB"],
    ],
)
def test_csv_and_plain_are_records_for_every_command(run, args):
    for fmt in ("csv", "plain"):
        result = run(*args, "--format", fmt)
        assert result.returncode == 0, result.stderr
        assert "Need help now" not in result.stdout  # no footer for a pipe
        if fmt == "csv":
            rows = list(csv.reader(io.StringIO(result.stdout)))
            assert len(rows) >= 2 and all(len(r) == len(rows[0]) for r in rows)
