"""`crisiscli report LINE_ID`: a ready-to-send report on stdout; nothing is sent."""

from __future__ import annotations

import json
import subprocess
import sys

from banned import violations
from updating import BASE

pytest_plugins = ("updating",)  # its fixtures: key, installed, run, upd, tls


def test_the_report_has_what_a_maintainer_needs(run):
    result = run("report", "gb-samaritans")
    assert result.returncode == 0 and result.stderr == ""
    out = result.stdout
    for needed in (
        "gb-samaritans: Samaritans",
        "United Kingdom (GB)",
        "voice: 116 123",
        f"version {BASE}",
        "from the data that came with crisiscli",
        "What is wrong",
        "[ ] the number does not connect",
        "Where the right details are published",
        "leave out your own phone number",
        "open an issue in the project's tracker",
        "crisiscli has not sent anything",
    ):
        assert needed in out, needed
    assert "@" not in out.split("How to send this:")[1].split("\n")[0]  # no invented address
    assert "Need help now" in out  # a human screen still ends with a way to get help now
    assert violations(out) == []


def test_the_report_names_the_dataset_in_use(run, installed):
    out = run("report", "GB-SAMARITANS").stdout  # ids in any case
    assert f"Dataset:   version {BASE + 1}" in out and "from an update" in out


def test_json_carries_the_same_facts(run):
    result = run("report", "gb-samaritans", "--json")
    assert result.returncode == 0
    doc = json.loads(result.stdout)
    data = doc["data"]
    assert doc["command"] == "report" and doc["dataset"]["version"] == BASE
    assert data["line_id"] == "gb-samaritans" and data["country"] == "GB"
    assert {"type": "voice", "display": "116 123", "dial": "116123"} in data["numbers"]
    assert data["send_to"] is None and "tracker" in data["how_to_send"]
    assert data["report"].startswith("Report: wrong or outdated details for gb-samaritans")
    plain = run("report", "gb-samaritans", "--format", "plain")
    assert "Need help now" not in plain.stdout and "gb-samaritans: Samaritans" in plain.stdout


def test_an_unknown_id_is_a_usage_error_with_suggestions(run):
    result = run("report", "gb-samaritan")
    assert result.returncode == 2 and result.stdout == ""
    assert "Did you mean gb-samaritans" in result.stderr
    as_json = run("report", "nowhere-line", "--json")
    assert as_json.returncode == 2 and json.loads(as_json.stdout)["error"]["code"] == "usage"


def test_report_never_loads_network_code(isolated):
    """It sends nothing: not even the modules that could are imported."""
    code = (
        "import sys\nfrom crisiscli.cli import main\ntry:\n    main(['report', 'us-988-lifeline'])\n"
        "except SystemExit as e:\n    assert e.code == 0, e.code\n"
        "print(sorted(m for m in ('requests', 'urllib3', 'http.client', 'socket') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=isolated, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"
