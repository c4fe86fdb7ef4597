"""Hardening of `crisiscli update` (issue 13): deadlines that hold against a trickle, malformed
redirects, wrong types inside a signed dataset, installed copies re-checked on every lookup,
corrupt state, data directories that cannot be written, and `update --file`.

Same machinery as test_update.py: real servers on 127.0.0.1, commands in-process through the
console script's entry point, the installed machine copied from a session-built one."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import pytest
import rawserver
from signing import TestKey
from updating import (
    BASE,
    BODY_NEXT,
    BODY_V3,
    SIGNATURE_BAD,
    SIGNED_BAD,
    V3,
    WRONG_TYPES,
    assert_unchanged,
    current_file,
    numbers,
    serve,
    snapshot,
    state_of,
)

pytest_plugins = ("updating",)  # its fixtures: key, installed, run, upd, tls


# --- the network ----------------------------------------------------------------------------------


@pytest.mark.parametrize("behave", [rawserver.trickle_headers, rawserver.trickle_body])
def test_the_deadline_holds_against_a_trickle(behave, upd, installed, run, tmp_path):
    """One byte a second satisfies every read timeout; only the overall deadline stops it."""
    before, numbers_before = snapshot(tmp_path), numbers(run)
    server = rawserver.RawServer(behave)
    try:
        started = time.monotonic()
        result = upd("update", "--url", server.url, env={"CRISISCLI_TIMEOUT": "5", "CRISISCLI_DEADLINE": "2"})
        elapsed = time.monotonic() - started
    finally:
        server.close()
    assert server.bytes_sent >= 1  # it really was trickling when we gave up
    assert elapsed < 4, f"the 2 s deadline took {elapsed:.1f} s"
    assert_unchanged(result, before, tmp_path, run, numbers_before, 4, "after 2 s: the server is too slow")
    assert "another crisiscli update" not in upd("update", "--rollback").stderr  # the lock was let go


# --- wrong types inside a signed dataset ------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(WRONG_TYPES))
def test_wrong_types_inside_a_download_are_refused_cleanly(case, upd, key, httpserver, installed, run, tmp_path):
    before, numbers_before = snapshot(tmp_path), numbers(run)
    build, words = WRONG_TYPES[case]
    body, sig = build(key)
    url = serve(httpserver, body, sig, etag=f'"{case}"')
    result = upd("update", "--url", url)
    assert_unchanged(result, before, tmp_path, run, numbers_before, 5, words)
    assert "unexpected" not in result.stderr
    # and `data validate` says the same of the file, with exit 5
    path = tmp_path / "candidate.json"
    path.write_bytes(body)
    checked = run("data", "validate", str(path))
    assert checked.returncode == 5 and "problem(s) in" in checked.stderr and "unexpected" not in checked.stderr


# --- installed copies: every lookup re-checks them ----------------------------------------


def test_tampered_install_falls_back_with_one_warning(run, installed, tmp_path):
    path = current_file(tmp_path)
    path.write_bytes(path.read_bytes().replace(b"updated in a test", b"tampered on disk"))
    result = run("lines", "GB", "--json")
    assert result.returncode == 0
    doc = json.loads(result.stdout)
    assert doc["dataset"]["origin"] == "bundled"
    assert result.stderr.count("\n") == 1 and "ignoring" in result.stderr
    assert run("lines", "GB", "--json", "-q").stderr == ""


def test_a_file_whose_signature_no_longer_verifies_is_not_used(run, installed, tmp_path, key):
    """Even with state.json rewritten to vouch for the new bytes, the signature decides."""
    path = current_file(tmp_path)
    forged = path.read_bytes().replace(b"updated in a test", b"forged on disk!!!")
    path.write_bytes(forged)
    state = state_of(tmp_path)
    state["current"]["sha256"] = hashlib.sha256(forged).hexdigest()
    (tmp_path / "data" / "state.json").write_text(json.dumps(state), encoding="utf-8")
    trusted = {"CRISISCLI_TRUSTED_KEYS": str(key.write_public(tmp_path / "k.pub"))}
    result = run("lines", "GB", "--json", env=trusted)
    assert result.returncode == 0 and json.loads(result.stdout)["dataset"]["origin"] == "bundled"
    assert result.stderr.count("\n") == 1 and "signature does not match" in result.stderr
    # signed by a key nobody trusts: refused the same way
    Path(str(path) + ".minisig").write_bytes(TestKey().sign(forged))
    result = run("lines", "GB", "--json", env=trusted)
    assert json.loads(result.stdout)["dataset"]["origin"] == "bundled" and "unknown key" in result.stderr


def test_the_verification_is_cached_by_size_and_mtime(run, installed, tmp_path, key):
    """A lookup re-verifies only when the file's or the signature's size or mtime changed."""
    path = current_file(tmp_path)
    sig = Path(str(path) + ".minisig")
    stamps = json.loads((tmp_path / "data" / "verified.json").read_text(encoding="utf-8"))
    assert stamps[path.name]["size"] == path.stat().st_size
    assert stamps[path.name]["mtime_ns"] == path.stat().st_mtime_ns
    # Same size, same mtime: the cache answers, so a garbled signature goes unnoticed ...
    stat = sig.stat()
    sig.write_bytes(b"x" * stat.st_size)
    os.utime(sig, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert json.loads(run("lines", "GB", "--json").stdout)["dataset"]["origin"] == "updated"
    # ... but any change to the mtime sends the lookup back to the signature, which fails.
    os.utime(sig, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))
    result = run("lines", "GB", "--json")
    assert json.loads(result.stdout)["dataset"]["origin"] == "bundled" and "minisign format" in result.stderr


def test_a_missing_stamp_is_rebuilt_by_a_lookup(run, installed, tmp_path, key):
    (tmp_path / "data" / "verified.json").unlink()
    trusted = {"CRISISCLI_TRUSTED_KEYS": str(key.write_public(tmp_path / "k.pub"))}
    result = run("lines", "GB", "--json", env=trusted)
    assert result.returncode == 0 and result.stderr == ""
    assert json.loads(result.stdout)["dataset"]["origin"] == "updated"
    assert current_file(tmp_path).name in json.loads((tmp_path / "data" / "verified.json").read_text())
    # a read-only cache only costs the next lookup another check, never a warning
    (tmp_path / "data" / "verified.json").unlink()
    (tmp_path / "data" / "verified.json").mkdir()
    again = run("lines", "GB", "--json", env=trusted)
    assert again.returncode == 0 and again.stderr == ""


@pytest.mark.parametrize(
    "state",
    [
        "not json {",
        "[]",
        '{"current": "hotlines.json"}',
        '{"current": {"file": "../../etc/passwd", "sha256": "00"}}',
        '{"max_version_accepted": "lots", "etag": 5, "source_url": ["x"], "current": null}',
        '{"current": {"file": "hotlines-0000000000000000.json", "sha256": "' + "0" * 64 + '", "version": true}}',
    ],
)
def test_a_corrupt_state_file_never_stops_a_lookup_or_an_update(state, upd, run, installed, tmp_path, httpserver, key):
    (tmp_path / "data" / "state.json").write_text(state, encoding="utf-8")
    result = run("lines", "GB", "--json")
    assert result.returncode == 0 and json.loads(result.stdout)["data"][0]["emergency"]
    assert result.stderr.count("\n") <= 1 and "Traceback" not in result.stderr
    if '"current": null' in state:  # only fields a lookup does not read are damaged: no warning
        assert result.stderr == ""
    url = serve(httpserver, BODY_V3, key.sign(BODY_V3), etag='"v3"')
    updated = upd("update", "--url", url)
    assert updated.returncode == 0, updated.stderr
    assert f"Installed dataset {V3}" in updated.stdout
    assert json.loads(run("lines", "GB", "--json").stdout)["dataset"]["version"] == V3
    assert state_of(tmp_path)["max_version_accepted"] == V3


def test_a_data_dir_that_cannot_be_made(upd, run, tmp_path, httpserver, key):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    env = {"CRISISCLI_DATA_DIR": str(blocker / "data")}
    url = serve(httpserver, BODY_NEXT, key.sign(BODY_NEXT))
    result = upd("update", "--url", url, env=env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "cannot create the data directory" in result.stderr and "CRISISCLI_DATA_DIR" in result.stderr
    assert upd("update", "--rollback", env=env).returncode == 2
    lookup = run("now", "GB", env=env)
    assert lookup.returncode == 0 and "999" in lookup.stdout


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only directories anyway")
def test_a_read_only_data_dir(upd, run, tmp_path, httpserver, key, installed):
    data = tmp_path / "data"
    data.chmod(0o500)
    try:
        url = serve(httpserver, BODY_V3, key.sign(BODY_V3), etag='"v3"')
        result = upd("update", "--url", url)
        assert result.returncode == 2 and "cannot write to the data directory" in result.stderr
        assert json.loads(run("lines", "GB", "--json").stdout)["dataset"]["version"] == BASE + 1
    finally:
        data.chmod(0o700)


# --- update --file: the same checks without a network ----------------------------------------------


def test_update_from_a_file(upd, run, tmp_path, key):
    stick = tmp_path / "usb"
    stick.mkdir()
    (stick / "hotlines.json").write_bytes(BODY_NEXT)
    (stick / "hotlines.json.minisig").write_bytes(key.sign(BODY_NEXT))
    check = upd("update", "--file", str(stick / "hotlines.json"), "--check")
    assert check.returncode == 0 and f"Available: dataset {BASE + 1}" in check.stdout
    result = upd("update", "--file", str(stick / "hotlines.json"))
    assert result.returncode == 0, result.stderr
    assert f"Installed dataset {BASE + 1} (you had {BASE})" in result.stdout
    assert json.loads(run("lines", "GB", "--json").stdout)["dataset"]["version"] == BASE + 1
    info = json.loads(run("data", "info", "--json").stdout)["data"]
    assert info["source_url"] == str(stick / "hotlines.json")
    again = upd("update", "--file", str(stick / "hotlines.json"))
    assert again.returncode == 0 and "Already current" in again.stdout


@pytest.mark.parametrize(
    "case",
    [
        "bad signature",
        "unknown key",
        "older version",
        "country dropped",
        "control characters",
        "contacts not a list",
        "missing signature",
    ],
)
def test_update_from_a_file_gets_every_check(case, upd, run, installed, tmp_path, key):
    before, numbers_before = snapshot(tmp_path), numbers(run)
    build, words = {**SIGNED_BAD, **SIGNATURE_BAD, **WRONG_TYPES}[case]
    body, sig = build(key)
    path = tmp_path / "copy.json"
    path.write_bytes(body)
    if sig is not None:
        Path(str(path) + ".minisig").write_bytes(sig)
    words = "no signature beside" if case == "missing signature" else words
    assert_unchanged(upd("update", "--file", str(path)), before, tmp_path, run, numbers_before, 5, words)


def test_update_from_a_missing_file_is_a_usage_error(upd, tmp_path):
    result = upd("update", "--file", str(tmp_path / "nope.json"))
    assert result.returncode == 2 and "cannot read dataset file" in result.stderr
    assert upd("update", "--file", "x", "--url", "https://example.org/x").returncode == 2
    assert upd("update", "--rollback", "--file", "x").returncode == 2


# --- data validate ----------------------------------------------------------------------------------


def test_data_validate_on_a_missing_file_is_a_usage_error(run, tmp_path):
    result = run("data", "validate", str(tmp_path / "nope.json"))
    assert result.returncode == 2 and "cannot read" in result.stderr and "no such file" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_data_validate_honours_csv_and_plain(run, tmp_path):
    import csv
    import io

    good = run("data", "validate", "--format", "csv")
    assert good.returncode == 0
    header, first = list(csv.reader(io.StringIO(good.stdout)))[:2]
    assert header == ["file", "valid", "path", "message"] and first[1] == "true"
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema_version": "1.0"}', encoding="utf-8")
    result = run("data", "validate", str(bad), "--format", "csv")
    assert result.returncode == 5
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["file", "valid", "path", "message"] and len(rows) >= 2
    assert all(row[0] == str(bad) and row[1] == "false" for row in rows[1:])
    plain = run("data", "validate", str(bad), "--format", "plain")
    assert plain.returncode == 5 and plain.stdout.split("\n")[0].split("\t")[:2] == [str(bad), "false"]


def test_a_url_given_by_the_user_that_is_not_an_address_is_a_usage_error(upd):
    for url in ("https://[::1/x.json", "https:///x.json", "hotlines.json"):
        result = upd("update", "--url", url)
        assert result.returncode == 2 and "is not a usable address" in result.stderr, (url, result.stderr)
