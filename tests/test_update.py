"""`crisiscli update` against real servers on 127.0.0.1: one test per row of the failure matrix
(research/reliability-anchors.md 4.3). After every failure the installed files are byte-identical
and a lookup prints the same numbers."""

from __future__ import annotations

import copy
import gzip
import json
import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer
from werkzeug import Response

import rawserver
from conftest import BIN
from crisiscli.dataset import load_bundled
from signing import TestKey, dataset_bytes

BUNDLED = load_bundled().raw


def make_doc(version: int, note: str = "updated in a test") -> dict:
    doc = copy.deepcopy(BUNDLED)
    doc["dataset_version"] = version
    doc["countries"]["GB"]["lines"][0]["notes"] = note
    return doc


@pytest.fixture
def key(tmp_path) -> TestKey:
    return TestKey()


@pytest.fixture
def upd(run, key, tmp_path, isolated):
    """run() with the test key trusted and short network limits."""
    return _trusting(run, key, tmp_path)


@pytest.fixture
def upd_process(run_process, key, tmp_path, isolated):
    """The same in a real process, for tests that kill it."""
    return _trusting(run_process, key, tmp_path)


def _trusting(runner, key, tmp_path):
    keyfile = key.write_public(tmp_path / "test.pub")

    def _upd(*args, env=None, **kw):
        full = {"CRISISCLI_TRUSTED_KEYS": str(keyfile), "CRISISCLI_TIMEOUT": "1", "CRISISCLI_DEADLINE": "3"}
        full.update(env or {})
        return runner(*args, env=full, **kw)

    return _upd


def serve(server: HTTPServer, body: bytes, sig: bytes | None, etag: str = '"v"', path: str = "/hotlines.json"):
    def handler(request):
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(body, status=200, headers={"ETag": etag}, content_type="application/json")

    server.clear()
    server.expect_request(path).respond_with_handler(handler)
    if sig is not None:
        server.expect_request(path + ".minisig").respond_with_data(sig)
    else:
        server.expect_request(path + ".minisig").respond_with_data("not found", status=404)
    return server.url_for(path)


def snapshot(tmp_path: Path) -> dict[str, bytes]:
    data = tmp_path / "data"
    if not data.exists():
        return {}
    return {p.name: p.read_bytes() for p in data.iterdir() if p.name != "update.lock"}


def numbers(run) -> list:
    doc = json.loads(run("lines", "GB", "US", "--json").stdout)
    return [(s["emergency"], s["lines"]) for s in doc["data"]]


@pytest.fixture
def installed(upd, key, httpserver, tmp_path):
    """A machine where dataset 2 was installed by a real update."""
    body = dataset_bytes(make_doc(2))
    url = serve(httpserver, body, key.sign(body))
    result = upd("update", "--url", url)
    assert result.returncode == 0, result.stderr
    return url


# --- success ----------------------------------------------------------------------------------

def test_install_then_current_then_info(upd, key, httpserver, run, tmp_path):
    body = dataset_bytes(make_doc(2, "the new note"))
    url = serve(httpserver, body, key.sign(body))
    result = upd("update", "--url", url)
    assert result.returncode == 0, result.stderr
    assert "Installed dataset 2 (you had 1)" in result.stdout
    assert "1 lines changed" in result.stdout
    line = json.loads(run("lines", "GB", "--json").stdout)["data"][0]["lines"][0]
    assert line["notes"] == "the new note"
    again = upd("update", "--url", url)
    assert again.returncode == 0 and "Already current" in again.stdout
    info = json.loads(run("data", "info", "--json").stdout)["data"]
    assert info["origin"] == "updated" and info["version"] == 2
    assert info["key_id"] == key.key_id[::-1].hex().upper()
    assert info["source_url"] == url and info["last_check"]
    files = snapshot(tmp_path)
    assert {"hotlines.json", "hotlines.json.minisig", "state.json"} <= set(files)
    assert oct((tmp_path / "data" / "hotlines.json").stat().st_mode & 0o777) == "0o600"


def test_etag_makes_a_recheck_a_304(upd, key, httpserver, installed):
    httpserver.clear_log()
    assert "Already current" in upd("update", "--url", installed).stdout
    [(request, response)] = httpserver.log
    assert request.headers.get("If-None-Match") == '"v"' and response.status_code == 304


def test_check_reports_without_installing(upd, key, httpserver, installed, tmp_path):
    before = snapshot(tmp_path)
    body = dataset_bytes(make_doc(3))
    url = serve(httpserver, body, key.sign(body), etag='"v3"')
    result = upd("update", "--check", "--url", url, "--json")
    assert result.returncode == 0
    data = json.loads(result.stdout)["data"]
    assert data["status"] == "available" and data["version"] == 3 and data["previous_version"] == 2
    assert snapshot(tmp_path) == before


def test_rollback_to_previous_then_bundled(upd, key, httpserver, installed, run):
    body = dataset_bytes(make_doc(3, "three"))
    url = serve(httpserver, body, key.sign(body), etag='"v3"')
    assert upd("update", "--url", url).returncode == 0
    assert json.loads(run("lines", "GB", "--json").stdout)["dataset"]["version"] == 3
    first = upd("update", "--rollback")
    assert first.returncode == 0 and "from dataset 3 to dataset 2" in first.stdout
    assert json.loads(run("lines", "GB", "--json").stdout)["dataset"]["version"] == 2
    second = upd("update", "--rollback")
    assert "to dataset 1" in second.stdout
    doc = json.loads(run("lines", "GB", "--json").stdout)
    assert doc["dataset"] == {**doc["dataset"], "version": 1, "origin": "bundled"}
    assert run("lines", "GB", "--json").stderr == ""


def test_no_source_configured_is_a_usage_error(upd):
    result = upd("update")
    assert result.returncode == 2 and "no update source is set" in result.stderr


def test_config_and_env_sources(upd, key, httpserver, tmp_path):
    body = dataset_bytes(make_doc(2))
    url = serve(httpserver, body, key.sign(body))
    assert upd("update", env={"CRISISCLI_UPDATE_URL": url}).returncode == 0
    config = tmp_path / "config"
    config.mkdir()
    (config / "config.toml").write_text(f'update_url = "{url}"\n', encoding="utf-8")
    assert "Already current" in upd("update").stdout


def test_trusted_key_from_config(run, key, httpserver, tmp_path):
    keyfile = key.write_public(tmp_path / "mirror.pub")
    config = tmp_path / "config"
    config.mkdir()
    (config / "config.toml").write_text(f'trusted_keys = ["{keyfile}"]\n', encoding="utf-8")
    body = dataset_bytes(make_doc(2))
    assert run("update", "--url", serve(httpserver, body, key.sign(body))).returncode == 0


@pytest.mark.skipif(shutil.which("minisign") is None, reason="the minisign program is not installed")
def test_signatures_made_by_the_real_minisign_program(run, httpserver, tmp_path):
    keys = tmp_path / "keys"
    keys.mkdir()
    subprocess.run(["minisign", "-G", "-W", "-p", str(keys / "k.pub"), "-s", str(keys / "k.key")],
                   check=True, capture_output=True)
    data = tmp_path / "hotlines.json"
    data.write_bytes(dataset_bytes(make_doc(2)))
    subprocess.run(["minisign", "-S", "-s", str(keys / "k.key"), "-m", str(data)], check=True, capture_output=True)
    url = serve(httpserver, data.read_bytes(), (tmp_path / "hotlines.json.minisig").read_bytes())
    result = run("update", "--url", url, env={"CRISISCLI_TRUSTED_KEYS": str(keys / "k.pub")})
    assert result.returncode == 0, result.stderr


# --- the failure matrix -------------------------------------------------------------------------

def _signed(key: TestKey, body: bytes) -> tuple[bytes, bytes]:
    return body, key.sign(body)


def _json_case(mutate):
    def build(key):
        doc = make_doc(3)
        mutate(doc)
        return _signed(key, dataset_bytes(doc))
    return build


def _bytes_case(raw: bytes):
    return lambda key: _signed(key, raw)


SIGNED_BAD = {
    "not json": (_bytes_case(b"<html>hello</html>"), "not valid JSON"),
    "bom": (_bytes_case(b"\xef\xbb\xbf" + dataset_bytes(make_doc(3))), "not valid JSON"),
    "utf-16": (_bytes_case(json.dumps(make_doc(3)).encode("utf-16")), "not valid JSON"),
    "nan": (_bytes_case(dataset_bytes(make_doc(3)).replace(b'"dataset_version": 3', b'"dataset_version": NaN')),
            "not valid JSON"),
    "duplicate key": (_bytes_case(dataset_bytes(make_doc(3)).replace(b'{\n "schema_version"', b'{"dataset_version": 9,\n "schema_version"')),
                      "duplicate key"),
    "deep nesting": (_bytes_case(b"[" * 100_000 + b"]" * 100_000), "not valid JSON"),
    "huge integer": (_bytes_case(b'{"dataset_version": ' + b"9" * 5000 + b"}"), "not valid JSON"),
    "wrong schema": (_json_case(lambda d: d["countries"]["GB"].pop("emergency")), "fails validation"),
    "future schema": (_json_case(lambda d: d.__setitem__("schema_version", "2.0")), "needs a newer crisiscli"),
    "older version": (_json_case(lambda d: d.__setitem__("dataset_version", 1)), "refusing to go back"),
    "country dropped": (_json_case(lambda d: d["countries"].pop("FR")), "drops countries"),
    "control characters": (_json_case(lambda d: d["countries"]["GB"]["lines"][0].__setitem__("name", "Sam\x1b]0;x\x07")),
                           "fails validation"),
    "future date": (_json_case(lambda d: d.__setitem__("generated_at", "2027-06-01")), "in the future"),
}


def _bad_signature(key):
    body = dataset_bytes(make_doc(3))
    return body.replace(b"updated in a test", b"tampered in a test"), key.sign(body)


def _unknown_key(key):
    body = dataset_bytes(make_doc(3))
    return body, TestKey().sign(body)


SIGNATURE_BAD = {
    "bad signature": (_bad_signature, "signature does not match"),
    "unknown key": (_unknown_key, "unknown key"),
    "garbage signature": (lambda key: (dataset_bytes(make_doc(3)), b"not a signature"), "minisign format"),
    "missing signature": (lambda key: (dataset_bytes(make_doc(3)), None), "no signature"),
}


def _assert_unchanged(result, before, tmp_path, run, numbers_before, code, words):
    assert result.returncode == code, (result.returncode, result.stderr)
    assert words in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(tmp_path) == before
    assert numbers(run) == numbers_before


@pytest.mark.parametrize("case", sorted(SIGNED_BAD) + sorted(SIGNATURE_BAD))
def test_refused_downloads_change_nothing(case, upd, key, httpserver, installed, run, tmp_path):
    before, numbers_before = snapshot(tmp_path), numbers(run)
    build, words = {**SIGNED_BAD, **SIGNATURE_BAD}[case]
    body, sig = build(key)
    url = serve(httpserver, body, sig, etag=f'"{case}"')
    _assert_unchanged(upd("update", "--url", url), before, tmp_path, run, numbers_before, 5, words)


def _status(code):
    return lambda server: server.expect_request("/hotlines.json").respond_with_data("nope", status=code)


def _portal(server):
    page = "<html><body>Please log in to the Wi-Fi</body></html>"
    server.expect_request("/hotlines.json").respond_with_data(page, content_type="text/html")
    server.expect_request("/hotlines.json.minisig").respond_with_data(page, content_type="text/html")


def _huge(server):
    server.expect_request("/hotlines.json").respond_with_data(b"x" * (16 * 1024 * 1024 + 1))


def _huge_chunked(server):
    def stream():
        for _ in range(17 * 16):
            yield b"x" * 65536
    server.expect_request("/hotlines.json").respond_with_response(Response(stream(), direct_passthrough=True))


def _gzip_bomb(server):
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)
    server.expect_request("/hotlines.json").respond_with_data(bomb, headers={"Content-Encoding": "gzip"})


def _redirect_to_http(server):
    server.expect_request("/hotlines.json").respond_with_data("", status=302,
                                                              headers={"Location": "http://example.org/x.json"})


def _redirect_loop(server):
    server.expect_request("/hotlines.json").respond_with_data("", status=302, headers={"Location": "/hotlines.json"})


HTTP_BAD = {
    "404": (_status(404), "answered 404"),
    "500": (_status(500), "answered 500"),
    "429": (_status(429), "answered 429"),
    "captive portal": (_portal, "minisign format"),
    "huge body": (_huge, "larger than"),
    "huge chunked body": (_huge_chunked, "larger than"),
    "gzip bomb": (_gzip_bomb, "after decompression"),
    "redirect to http": (_redirect_to_http, "https:// only"),
    "redirect loop": (_redirect_loop, "redirects"),
}


@pytest.mark.parametrize("case", sorted(HTTP_BAD))
def test_server_failures_change_nothing(case, upd, httpserver, installed, run, tmp_path):
    before, numbers_before = snapshot(tmp_path), numbers(run)
    httpserver.clear()
    setup, words = HTTP_BAD[case]
    setup(httpserver)
    code = 5 if case == "captive portal" else 4
    _assert_unchanged(upd("update", "--url", httpserver.url_for("/hotlines.json")), before, tmp_path, run,
                      numbers_before, code, words)


RAW_BAD = {
    "connection closed": (rawserver.close_at_once, "could not reach"),
    "connection reset": (rawserver.reset, "could not reach"),
    "read timeout": (rawserver.stall, "no answer in time"),
    "slow drip past the deadline": (rawserver.drip, "too slow"),
    "truncated body": (rawserver.truncated, "could not download"),
    "broken chunked stream": (rawserver.broken_chunks, "could not download"),
}


@pytest.mark.parametrize("case", sorted(RAW_BAD))
def test_broken_connections_change_nothing(case, upd, installed, run, tmp_path):
    before, numbers_before = snapshot(tmp_path), numbers(run)
    behave, words = RAW_BAD[case]
    server = rawserver.RawServer(behave)
    try:
        result = upd("update", "--url", server.url)
    finally:
        server.close()
    _assert_unchanged(result, before, tmp_path, run, numbers_before, 4, words)


def test_connection_refused(upd, installed, run, tmp_path):
    before, numbers_before = snapshot(tmp_path), numbers(run)
    server = rawserver.RawServer(rawserver.close_at_once)
    url = server.url
    server.close()  # the port was bound, now nothing listens
    _assert_unchanged(upd("update", "--url", url), before, tmp_path, run, numbers_before, 4, "could not reach")


def test_plain_http_to_another_host_is_refused_before_connecting(upd):
    result = upd("update", "--url", "http://example.org/hotlines.json")
    assert result.returncode == 2 and "https:// only" in result.stderr


# --- HTTPS --------------------------------------------------------------------------------------

@pytest.fixture
def tls(tmp_path):
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    import ssl

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    server.start()
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    yield server, str(ca_file)
    server.clear()
    server.stop()


def test_https_install_and_refusals(upd, key, tls, run, tmp_path):
    server, ca_file = tls
    body = dataset_bytes(make_doc(2))
    url = serve(server, body, key.sign(body))
    assert url.startswith("https://")
    untrusted = upd("update", "--url", url)
    assert untrusted.returncode == 4 and "secure connection failed" in untrusted.stderr
    assert upd("update", "--url", url, env={"REQUESTS_CA_BUNDLE": ca_file}).returncode == 0
    before = snapshot(tmp_path)
    server.clear()
    server.expect_request("/hotlines.json").respond_with_data(
        "", status=301, headers={"Location": "http://127.0.0.2:9/hotlines.json"})
    downgrade = upd("update", "--url", url, env={"REQUESTS_CA_BUNDLE": ca_file})
    assert downgrade.returncode == 4
    assert snapshot(tmp_path) == before


# --- local files ----------------------------------------------------------------------------------

def test_tampered_install_falls_back_with_one_warning(run, installed, tmp_path):
    path = tmp_path / "data" / "hotlines.json"
    path.write_bytes(path.read_bytes().replace(b"updated in a test", b"tampered on disk"))
    result = run("lines", "GB", "--json")
    assert result.returncode == 0
    doc = json.loads(result.stdout)
    assert doc["dataset"]["origin"] == "bundled"
    assert result.stderr.count("\n") == 1 and "ignoring" in result.stderr
    assert run("lines", "GB", "--json", "-q").stderr == ""


def test_killed_between_write_and_replace(upd, upd_process, key, httpserver, installed, run, tmp_path):
    numbers_before = numbers(run)
    body = dataset_bytes(make_doc(3, "never lands"))
    url = serve(httpserver, body, key.sign(body), etag='"v3"')
    result = upd_process("update", "--url", url, env={"CRISISCLI_TEST_KILL_BEFORE_REPLACE": "1"})
    assert result.returncode == -9
    after = run("lines", "GB", "US", "--json")
    assert after.returncode == 0
    assert [(s["emergency"], s["lines"]) for s in json.loads(after.stdout)["data"]] == numbers_before
    again = upd("update", "--url", url)
    assert again.returncode == 0 and "Installed dataset 3" in again.stdout
    assert not [p for p in (tmp_path / "data").iterdir() if p.name.startswith(".tmp-")]


def test_a_second_update_exits_cleanly(upd, installed, tmp_path, isolated, key):
    server = rawserver.RawServer(rawserver.stall)
    env = {**isolated, "CRISISCLI_TRUSTED_KEYS": str(tmp_path / "test.pub"), "CRISISCLI_TIMEOUT": "20"}
    first = subprocess.Popen([str(BIN), "update", "--url", server.url], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert server.connected.wait(20), "the first update never reached the server"
        second = upd("update", "--url", server.url)
        assert second.returncode == 4 and "another crisiscli update is running" in second.stderr
    finally:
        server.close()
        first.wait(30)


def test_lookup_does_not_wait_for_the_update_lock(run, installed, tmp_path):
    import filelock

    with filelock.FileLock(str(tmp_path / "data" / "update.lock"), timeout=0):
        result = run("lines", "GB", "--json")
    assert result.returncode == 0 and json.loads(result.stdout)["dataset"]["version"] == 2


def test_newer_bundled_dataset_beats_an_older_download(installed, tmp_path, monkeypatch, isolated):
    from crisiscli import dataset

    newer = tmp_path / "bundled.json"
    newer.write_bytes(dataset_bytes(make_doc(7)))
    monkeypatch.setattr(dataset, "BUNDLED_PATH", str(newer))
    active = dataset.load_active(isolated)
    assert (active.info.origin, active.info.dataset_version) == ("bundled", 7)


def test_stale_data_is_shown_with_a_notice(run):
    later = run("lines", "GB", env={"CRISISCLI_NOW": "2027-06-01"})
    assert later.returncode == 0 and "116 123" in later.stdout
    assert "days old" in later.stderr and "crisiscli update" in later.stderr
    assert run("lines", "GB", "-q", env={"CRISISCLI_NOW": "2027-06-01"}).stderr == ""
    doc = json.loads(run("lines", "GB", "--json", "-q", env={"CRISISCLI_NOW": "2027-06-01"}).stdout)
    assert doc["dataset"]["age_days"] == 188


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_as_the_installed_file(tmp_path, data):
    """Whatever is on disk, a lookup gets valid numbers: the bundled ones if need be."""
    from crisiscli.dataset import load_active
    from crisiscli.store import write_state
    import hashlib

    directory = tmp_path / "fuzz"
    directory.mkdir(exist_ok=True)
    (directory / "hotlines.json").write_bytes(data)
    for state in ({}, {"sha256": hashlib.sha256(data).hexdigest()}):  # even if the state vouches for it
        write_state(str(directory), state)
        active = load_active({"CRISISCLI_DATA_DIR": str(directory)})
        try:
            country = active.country("GB")
        except Exception as exc:  # only our own clean error may come out, never a crash
            from crisiscli.errors import DatasetError
            assert isinstance(exc, DatasetError)
            continue
        assert country is None or country.emergency
