"""`crisiscli update` against real servers on 127.0.0.1: one test per row of the failure matrix
(research/reliability-anchors.md 4.3). After every failure the installed files are byte-identical
and a lookup prints the same numbers.

Speed: commands run in this process through the console script's entry point (inprocess.py),
and the "already updated" machine is built once per session by a real update and copied into
each test's directory (copy2 keeps size and mtime, so the copy's verification stamps hold).
Killing an update at every step is in test_update_kill.py (subprocesses)."""

from __future__ import annotations

import copy
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer
from werkzeug import Response

import rawserver
from conftest import BIN, base_env
from crisiscli.dataset import load_bundled
from inprocess import invoke
from signing import TestKey, dataset_bytes

BUNDLED = load_bundled().raw
BASE = BUNDLED["dataset_version"]  # tests speak of versions relative to the bundled one
PATH = "/hotlines.json"


def make_doc(version: int, note: str = "updated in a test") -> dict:
    doc = copy.deepcopy(BUNDLED)
    doc["dataset_version"] = version
    doc["countries"]["GB"]["lines"][0]["notes"] = note
    return doc


BODY_NEXT = dataset_bytes(make_doc(BASE + 1))  # what the "installed" machine got


@pytest.fixture(scope="session")
def key() -> TestKey:
    """One throwaway key for the session: the installed template is signed with it."""
    return TestKey()


@pytest.fixture
def run(isolated):
    """The console script, in this process (see inprocess.py)."""

    def _run(*args: str, env: dict[str, str] | None = None):
        return invoke(*args, env=env)

    return _run


@pytest.fixture
def upd(run, key, tmp_path, isolated):
    """run() with the test key trusted and short network limits."""
    keyfile = key.write_public(tmp_path / "test.pub")

    def _upd(*args, env=None):
        full = {"CRISISCLI_TRUSTED_KEYS": str(keyfile), "CRISISCLI_TIMEOUT": "1", "CRISISCLI_DEADLINE": "3"}
        full.update(env or {})
        return run(*args, env=full)

    return _upd


def serve(server: HTTPServer, body: bytes, sig: bytes | None, etag: str = '"v"', path: str = PATH):
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


def state_of(tmp_path: Path) -> dict:
    return json.loads((tmp_path / "data" / "state.json").read_text(encoding="utf-8"))


def current_file(tmp_path: Path) -> Path:
    """The installed dataset the committed state names."""
    return tmp_path / "data" / state_of(tmp_path)["current"]["file"]


def numbers(run) -> list:
    doc = json.loads(run("lines", "GB", "US", "--json").stdout)
    return [(s["emergency"], s["lines"]) for s in doc["data"]]


@pytest.fixture(scope="session")
def installed_template(make_httpserver, key, tmp_path_factory) -> Path:
    """Once per session: a machine where the next dataset was installed by a real update."""
    root = tmp_path_factory.mktemp("installed")
    keyfile = key.write_public(root / "test.pub")
    url = serve(make_httpserver, BODY_NEXT, key.sign(BODY_NEXT))
    env = {**base_env(root), "CRISISCLI_TRUSTED_KEYS": str(keyfile), "CRISISCLI_TIMEOUT": "1",
           "CRISISCLI_DEADLINE": "3"}
    result = invoke("update", "--url", url, env=env)
    assert result.returncode == 0, result.stderr
    make_httpserver.clear()
    return root / "data"


@pytest.fixture
def installed(installed_template, key, httpserver, tmp_path):
    """This test's machine: a copy of the session's installed one, served from the same URL."""
    shutil.copytree(installed_template, tmp_path / "data", copy_function=shutil.copy2)
    return serve(httpserver, BODY_NEXT, key.sign(BODY_NEXT))


# --- success ----------------------------------------------------------------------------------

def test_install_then_current_then_info(upd, key, httpserver, run, tmp_path):
    body = dataset_bytes(make_doc(BASE + 1, "the new note"))
    url = serve(httpserver, body, key.sign(body))
    result = upd("update", "--url", url)
    assert result.returncode == 0, result.stderr
    assert f"Installed dataset {BASE + 1} (you had {BASE})" in result.stdout
    assert "1 lines changed" in result.stdout
    line = json.loads(run("lines", "GB", "--json").stdout)["data"][0]["lines"][0]
    assert line["notes"] == "the new note"
    again = upd("update", "--url", url)
    assert again.returncode == 0 and "Already current" in again.stdout
    info = json.loads(run("data", "info", "--json").stdout)["data"]
    assert info["origin"] == "updated" and info["version"] == BASE + 1
    assert info["key_id"] == key.key_id[::-1].hex().upper()
    assert info["source_url"] == url and info["last_check"]
    files = snapshot(tmp_path)
    name = f"hotlines-{hashlib.sha256(body).hexdigest()[:16]}.json"
    assert {name, name + ".minisig", "state.json", "verified.json"} == set(files)
    assert files[name] == body
    assert state_of(tmp_path)["current"] == {"file": name, "sha256": hashlib.sha256(body).hexdigest(),
                                             "version": BASE + 1}
    assert oct((tmp_path / "data" / name).stat().st_mode & 0o777) == "0o600"


def test_etag_makes_a_recheck_a_304(upd, key, httpserver, installed):
    httpserver.clear_log()
    assert "Already current" in upd("update", "--url", installed).stdout
    [(request, response)] = httpserver.log
    assert request.headers.get("If-None-Match") == '"v"' and response.status_code == 304


def test_check_reports_without_installing(upd, key, httpserver, installed, tmp_path):
    before = snapshot(tmp_path)
    body = dataset_bytes(make_doc(BASE + 2))
    url = serve(httpserver, body, key.sign(body), etag='"v3"')
    result = upd("update", "--check", "--url", url, "--json")
    assert result.returncode == 0
    data = json.loads(result.stdout)["data"]
    assert data["status"] == "available" and data["version"] == BASE + 2 and data["previous_version"] == BASE + 1
    assert snapshot(tmp_path) == before


def test_rollback_to_previous_then_bundled_then_nothing(upd, key, httpserver, installed, run, tmp_path):
    body = dataset_bytes(make_doc(BASE + 2, "three"))
    url = serve(httpserver, body, key.sign(body), etag='"v3"')
    assert upd("update", "--url", url).returncode == 0
    assert json.loads(run("lines", "GB", "--json").stdout)["dataset"]["version"] == BASE + 2
    first = upd("update", "--rollback")
    assert first.returncode == 0 and f"from dataset {BASE + 2} to dataset {BASE + 1}" in first.stdout
    assert json.loads(run("lines", "GB", "--json").stdout)["dataset"]["version"] == BASE + 1
    second = upd("update", "--rollback")
    assert f"to dataset {BASE}" in second.stdout
    doc = json.loads(run("lines", "GB", "--json").stdout)
    assert doc["dataset"] == {**doc["dataset"], "version": BASE, "origin": "bundled"}
    assert run("lines", "GB", "--json").stderr == ""
    assert set(snapshot(tmp_path)) <= {"state.json", "verified.json"}  # nothing left behind
    third = upd("update", "--rollback")
    assert third.returncode == 3 and "nothing to roll back" in third.stderr and third.stdout == ""
    again = upd("update", "--url", url)  # rolling back is not refusing: the newest comes back
    assert again.returncode == 0 and f"Installed dataset {BASE + 2}" in again.stdout


def test_rollback_on_a_fresh_machine_says_there_is_nothing(upd, run):
    result = upd("update", "--rollback", "--json")
    assert result.returncode == 3 and "nothing to roll back" in result.stderr
    assert json.loads(result.stdout)["error"]["code"] == "nothing_to_roll_back"
    assert json.loads(run("lines", "GB", "--json").stdout)["dataset"]["origin"] == "bundled"


def test_no_source_configured_is_a_usage_error(upd):
    result = upd("update")
    assert result.returncode == 2 and "no update source is set" in result.stderr


def test_config_and_env_sources(upd, key, httpserver, tmp_path):
    body = BODY_NEXT
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
    body = BODY_NEXT
    assert run("update", "--url", serve(httpserver, body, key.sign(body))).returncode == 0


@pytest.mark.skipif(shutil.which("minisign") is None, reason="the minisign program is not installed")
def test_signatures_made_by_the_real_minisign_program(run, httpserver, tmp_path):
    keys = tmp_path / "keys"
    keys.mkdir()
    subprocess.run(["minisign", "-G", "-W", "-p", str(keys / "k.pub"), "-s", str(keys / "k.key")],
                   check=True, capture_output=True)
    data = tmp_path / "hotlines.json"
    data.write_bytes(BODY_NEXT)
    subprocess.run(["minisign", "-S", "-s", str(keys / "k.key"), "-m", str(data)], check=True, capture_output=True)
    url = serve(httpserver, data.read_bytes(), (tmp_path / "hotlines.json.minisig").read_bytes())
    result = run("update", "--url", url, env={"CRISISCLI_TRUSTED_KEYS": str(keys / "k.pub")})
    assert result.returncode == 0, result.stderr


# --- the failure matrix -------------------------------------------------------------------------

V3 = BASE + 2
BODY_V3 = dataset_bytes(make_doc(V3))  # built once: each case below starts from these bytes


def _signed(key: TestKey, body: bytes) -> tuple[bytes, bytes]:
    return body, key.sign(body)


def _json_case(mutate):
    def build(key):
        doc = make_doc(V3)
        mutate(doc)
        return _signed(key, dataset_bytes(doc))
    return build


def _bytes_case(raw: bytes):
    return lambda key: _signed(key, raw)


def _set(path: tuple, value):
    """A mutation that puts `value` at `path` inside the document."""
    def mutate(doc):
        target = doc
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value
    return mutate


def _gut_us(doc):
    doc["countries"]["US"]["lines"] = doc["countries"]["US"]["lines"][:1]


SIGNED_BAD = {
    "not json": (_bytes_case(b"<html>hello</html>"), "not valid JSON"),
    "bom": (_bytes_case(b"\xef\xbb\xbf" + BODY_V3), "not valid JSON"),
    "utf-16": (_bytes_case(json.dumps(make_doc(V3)).encode("utf-16")), "not valid JSON"),
    "nan": (_bytes_case(BODY_V3.replace(f'"dataset_version": {V3}'.encode(), b'"dataset_version": NaN')),
            "not valid JSON"),
    "duplicate key": (_bytes_case(BODY_V3.replace(b'{\n "schema_version"', b'{"dataset_version": 9,\n "schema_version"')),
                      "duplicate key"),
    "deep nesting": (_bytes_case(b"[" * 100_000 + b"]" * 100_000), "not valid JSON"),
    "huge integer": (_bytes_case(b'{"dataset_version": ' + b"9" * 5000 + b"}"), "not valid JSON"),
    "wrong schema": (_json_case(lambda d: d["countries"]["GB"].pop("emergency")), "fails validation"),
    "future schema": (_json_case(_set(("schema_version",), "2.0")), "needs a newer crisiscli"),
    "older version": (_json_case(_set(("dataset_version",), BASE)), "refusing to go back"),
    "country dropped": (_json_case(lambda d: d["countries"].pop("FR")), "drops countries"),
    "country emptied": (_json_case(_set(("countries", "GB", "lines"), [])), "drops most or all crisis lines of GB"),
    "most lines dropped": (_json_case(_gut_us), "drops most or all crisis lines of US (3 of 4 lines)"),
    "control characters": (_json_case(_set(("countries", "GB", "lines", 0, "name"), "Sam\x1b]0;x\x07")),
                           "fails validation"),
    "future date": (_json_case(_set(("generated_at",), "2027-06-01")), "claims to be from the future (2027-06-01)"),
    "same version, other bytes": (_json_case(lambda d: (_set(("dataset_version",), BASE + 1)(d),
                                                        _set(("countries", "GB", "lines", 0, "notes"), "other")(d))),
                                  "needs a higher dataset_version"),
    # wrong types deep inside: each a clean refusal (exit 5), never a traceback
    "contacts not a list": (_json_case(_set(("countries", "GB", "lines", 0, "contacts"), "0800")), "fails validation"),
    "line not an object": (_json_case(_set(("countries", "GB", "lines", 0), 7)), "fails validation"),
    "lines not a list": (_json_case(_set(("countries", "GB", "lines"), {"a": 1})), "fails validation"),
    "country not an object": (_json_case(_set(("countries", "GB"), [])), "fails validation"),
    "name a number": (_json_case(_set(("countries", "GB", "lines", 0, "name"), 5)), "fails validation"),
    "countries a list": (_json_case(_set(("countries",), [])), "countries must be an object"),
    "version a string": (_json_case(_set(("dataset_version",), "9")), "positive integer"),
}


def _bad_signature(key):
    return BODY_V3.replace(b"updated in a test", b"tampered in a test"), key.sign(BODY_V3)


def _unknown_key(key):
    return BODY_V3, TestKey().sign(BODY_V3)


SIGNATURE_BAD = {
    "bad signature": (_bad_signature, "signature does not match"),
    "unknown key": (_unknown_key, "unknown key"),
    "garbage signature": (lambda key: (BODY_V3, b"not a signature"), "minisign format"),
    "missing signature": (lambda key: (BODY_V3, None), "no signature"),
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


def _redirect_to(location):
    return lambda server: server.expect_request("/hotlines.json").respond_with_data(
        "", status=302, headers={"Location": location})


HTTP_BAD = {
    "redirect to ftp": (_redirect_to("ftp://127.0.0.1/x.json"), "https:// only"),
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
    "connection closed": (rawserver.close_at_once,
                          "could not reach 127.0.0.1: the server closed the connection without answering"),
    "connection reset": (rawserver.reset, "could not reach 127.0.0.1: the connection was reset"),
    "read timeout": (rawserver.stall, "no answer in time from 127.0.0.1"),
    "slow drip past the deadline": (rawserver.drip, "too slow"),
    "truncated body": (rawserver.truncated, "could not download from 127.0.0.1: the connection was cut off"),
    "broken chunked stream": (rawserver.broken_chunks,
                              "could not download from 127.0.0.1: the server sent a malformed response"),
    # a redirect with a malformed Location is the server's failure (exit 4), in words
    "redirect to a broken IPv6 address": (rawserver.redirect_to(b"https://[::1/x.json"),
                                          "127.0.0.1 redirected to 'https://[::1/x.json', which is not a usable address"),
    "redirect to a port out of range": (rawserver.redirect_to(b"https://127.0.0.1:99999/x.json"),
                                        "which is not a usable address"),
    "redirect without a host": (rawserver.redirect_to(b"https:///x.json"), "which is not a usable address"),
    "redirect to a space in the host": (rawserver.redirect_to(b"https://exa mple.org/x.json"), "is not usable"),
    "redirect to bytes that are not text": (rawserver.redirect_to(b"https://\xff\xfe/x"), "usable"),
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
    result = upd("update", "--url", url)
    _assert_unchanged(result, before, tmp_path, run, numbers_before, 4,
                      "could not reach 127.0.0.1: connection refused; your data is unchanged")
    for internal in ("HTTPConnection", "Max retries", "urllib3", "Errno", "object at 0x"):
        assert internal not in result.stderr


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
    _assert_unchanged(result, before, tmp_path, run, numbers_before, 4, "after 2 s: the server is too slow")
    assert "another crisiscli update" not in upd("update", "--rollback").stderr  # the lock was let go


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
    url = serve(server, BODY_NEXT, key.sign(BODY_NEXT))
    assert url.startswith("https://")
    untrusted = upd("update", "--url", url)
    assert untrusted.returncode == 4
    assert "secure connection failed with 127.0.0.1: its certificate is not trusted" in untrusted.stderr
    assert upd("update", "--url", url, env={"REQUESTS_CA_BUNDLE": ca_file}).returncode == 0
    before = snapshot(tmp_path)
    server.clear()
    server.expect_request("/hotlines.json").respond_with_data(
        "", status=301, headers={"Location": "http://127.0.0.2:9/hotlines.json"})
    downgrade = upd("update", "--url", url, env={"REQUESTS_CA_BUNDLE": ca_file})
    assert downgrade.returncode == 4
    assert "refusing http:// for 127.0.0.2: updates use https:// only" in downgrade.stderr  # never a step down
    assert snapshot(tmp_path) == before


# --- local files: every lookup re-checks what is installed ----------------------------------------

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


@pytest.mark.parametrize("state", [
    "not json {", "[]", '{"current": "hotlines.json"}', '{"current": {"file": "../../etc/passwd", "sha256": "00"}}',
    '{"max_version_accepted": "lots", "etag": 5, "source_url": ["x"], "current": null}',
    '{"current": {"file": "hotlines-0000000000000000.json", "sha256": "' + "0" * 64 + '", "version": true}}',
])
def test_a_corrupt_state_file_never_stops_a_lookup_or_an_update(state, upd, run, installed, tmp_path, httpserver,
                                                                key):
    (tmp_path / "data" / "state.json").write_text(state, encoding="utf-8")
    result = run("lines", "GB", "--json")
    assert result.returncode == 0 and json.loads(result.stdout)["data"][0]["emergency"]
    assert result.stderr.count("\n") <= 1 and "Traceback" not in result.stderr
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


@pytest.mark.parametrize("case", ["bad signature", "unknown key", "older version", "country dropped",
                                  "control characters", "contacts not a list", "missing signature"])
def test_update_from_a_file_gets_every_check(case, upd, run, installed, tmp_path, key):
    before, numbers_before = snapshot(tmp_path), numbers(run)
    build, words = {**SIGNED_BAD, **SIGNATURE_BAD}[case]
    body, sig = build(key)
    path = tmp_path / "copy.json"
    path.write_bytes(body)
    if sig is not None:
        Path(str(path) + ".minisig").write_bytes(sig)
    words = "no signature beside" if case == "missing signature" else words
    _assert_unchanged(upd("update", "--file", str(path)), before, tmp_path, run, numbers_before, 5, words)


def test_update_from_a_missing_file_is_a_usage_error(upd, tmp_path):
    result = upd("update", "--file", str(tmp_path / "nope.json"))
    assert result.returncode == 2 and "cannot read dataset file" in result.stderr
    assert upd("update", "--file", "x", "--url", "https://example.org/x").returncode == 2
    assert upd("update", "--rollback", "--file", "x").returncode == 2


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
    assert result.returncode == 0 and json.loads(result.stdout)["dataset"]["version"] == BASE + 1


def test_newer_bundled_dataset_beats_an_older_download(installed, tmp_path, monkeypatch, isolated):
    from crisiscli import dataset

    newer = tmp_path / "bundled.json"
    newer.write_bytes(dataset_bytes(make_doc(BASE + 6)))
    monkeypatch.setattr(dataset, "BUNDLED_PATH", str(newer))
    active = dataset.load_active(isolated)
    assert (active.info.origin, active.info.dataset_version) == ("bundled", BASE + 6)


def test_stale_data_is_shown_with_a_notice(run):
    later = run("lines", "GB", env={"CRISISCLI_NOW": "2027-06-01"})
    assert later.returncode == 0 and "116 123" in later.stdout
    assert "days old" in later.stderr and "crisiscli update" in later.stderr
    assert run("lines", "GB", "-q", env={"CRISISCLI_NOW": "2027-06-01"}).stderr == ""
    doc = json.loads(run("lines", "GB", "--json", "-q", env={"CRISISCLI_NOW": "2027-06-01"}).stdout)
    assert doc["dataset"]["age_days"] == 188


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_as_the_installed_file(tmp_path, key, data):
    """Whatever is on disk, a lookup gets valid numbers: the bundled ones if need be. The bytes
    are signed by a trusted key and named by the state, so they really reach the parser."""
    from crisiscli.dataset import load_active
    from crisiscli.errors import DatasetError
    from crisiscli.store import dataset_name

    directory = tmp_path / "fuzz"
    directory.mkdir(exist_ok=True)
    keyfile = key.write_public(tmp_path / "fuzz.pub")
    sha = hashlib.sha256(data).hexdigest()
    (directory / dataset_name(sha)).write_bytes(data)
    (directory / (dataset_name(sha) + ".minisig")).write_bytes(key.sign(data))
    (directory / "hotlines.json").write_bytes(data)  # the first layout, without a signature
    states = ({}, {"sha256": sha}, {"current": {"file": dataset_name(sha), "sha256": sha, "version": 9}})
    for state in states:  # even if the state vouches for it
        (directory / "state.json").write_text(json.dumps(state), encoding="utf-8")
        active = load_active({"CRISISCLI_DATA_DIR": str(directory), "CRISISCLI_TRUSTED_KEYS": str(keyfile)})
        try:
            country = active.country("GB")
        except DatasetError:  # only our own clean error may come out, never a crash
            continue
        assert country is None or country.emergency
