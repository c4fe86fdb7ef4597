"""`crisiscli update` against real servers on 127.0.0.1: one test per row of the failure matrix
(research/reliability-anchors.md 4.3). After every failure the installed files are byte-identical
and a lookup prints the same numbers.

Speed: commands run in this process through Click's CliRunner (conftest.invoke),
and the "already updated" machine is built once per session by a real update and copied into
each test's directory (updating.py). Newer hardening (deadlines against a trickle, re-checks of
installed files, --file, wrong types) is in test_update_hardening.py; killing an update at
every step is in test_update_kill.py."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import subprocess
from functools import lru_cache

import pytest
import rawserver
from conftest import BIN
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from updating import (
    BASE,
    BODY_NEXT,
    BODY_V3,
    SIGNATURE_BAD,
    SIGNED_BAD,
    assert_unchanged,
    numbers,
    serve,
    snapshot,
    state_of,
)
from werkzeug import Response

pytest_plugins = ("updating",)  # its fixtures: key, installed, run, upd, tls


# --- success ----------------------------------------------------------------------------------


def test_install_then_current_then_info(upd, key, httpserver, run, tmp_path):
    body = BODY_NEXT
    url = serve(httpserver, body, key.sign(body))
    result = upd("update", "--url", url)
    assert result.returncode == 0, result.stderr
    assert f"Installed dataset {BASE + 1} (you had {BASE})" in result.stdout
    assert "1 lines changed" in result.stdout
    line = json.loads(run("lines", "GB", "--json").stdout)["data"][0]["lines"][0]
    assert line["notes"] == "updated in a test"
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
    assert state_of(tmp_path)["current"] == {
        "file": name,
        "sha256": hashlib.sha256(body).hexdigest(),
        "version": BASE + 1,
    }
    assert oct((tmp_path / "data" / name).stat().st_mode & 0o777) == "0o600"


def test_etag_makes_a_recheck_a_304(upd, key, httpserver, installed):
    httpserver.clear_log()
    assert "Already current" in upd("update", "--url", installed).stdout
    [(request, response)] = httpserver.log
    assert request.headers.get("If-None-Match") == '"v"' and response.status_code == 304


def test_check_reports_without_installing(upd, key, httpserver, installed, tmp_path):
    before = snapshot(tmp_path)
    body = BODY_V3
    url = serve(httpserver, body, key.sign(body), etag='"v3"')
    result = upd("update", "--check", "--url", url, "--json")
    assert result.returncode == 0
    data = json.loads(result.stdout)["data"]
    assert data["status"] == "available" and data["version"] == BASE + 2 and data["previous_version"] == BASE + 1
    assert snapshot(tmp_path) == before


def test_rollback_to_previous_then_bundled_then_nothing(upd, key, httpserver, installed, run, tmp_path):
    body = BODY_V3
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
    subprocess.run(
        ["minisign", "-G", "-W", "-p", str(keys / "k.pub"), "-s", str(keys / "k.key")], check=True, capture_output=True
    )
    data = tmp_path / "hotlines.json"
    data.write_bytes(BODY_NEXT)
    subprocess.run(["minisign", "-S", "-s", str(keys / "k.key"), "-m", str(data)], check=True, capture_output=True)
    url = serve(httpserver, data.read_bytes(), (tmp_path / "hotlines.json.minisig").read_bytes())
    result = run("update", "--url", url, env={"CRISISCLI_TRUSTED_KEYS": str(keys / "k.pub")})
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("case", sorted(SIGNED_BAD) + sorted(SIGNATURE_BAD))
def test_refused_downloads_change_nothing(case, upd, key, httpserver, installed, run, tmp_path):
    before, numbers_before = snapshot(tmp_path), numbers(run)
    build, words = {**SIGNED_BAD, **SIGNATURE_BAD}[case]
    body, sig = build(key)
    url = serve(httpserver, body, sig, etag=f'"{case}"')
    assert_unchanged(upd("update", "--url", url), before, tmp_path, run, numbers_before, 5, words)


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


@lru_cache(maxsize=1)
def _bomb() -> bytes:
    return gzip.compress(b"\0" * (17 * 1024 * 1024), compresslevel=9)  # 17 KB -> 17 MiB, past the cap


def _gzip_bomb(server):
    bomb = _bomb()
    server.expect_request("/hotlines.json").respond_with_data(bomb, headers={"Content-Encoding": "gzip"})


def _redirect_to_http(server):
    server.expect_request("/hotlines.json").respond_with_data(
        "", status=302, headers={"Location": "http://example.org/x.json"}
    )


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
    assert_unchanged(
        upd("update", "--url", httpserver.url_for("/hotlines.json")), before, tmp_path, run, numbers_before, code, words
    )


RAW_BAD = {
    "connection closed": (
        rawserver.close_at_once,
        "could not reach 127.0.0.1: the server closed the connection without answering",
    ),
    "connection reset": (rawserver.reset, "could not reach 127.0.0.1: the connection was reset"),
    "read timeout": (rawserver.stall, "no answer in time from 127.0.0.1"),
    "slow drip past the deadline": (rawserver.drip, "too slow"),
    "truncated body": (rawserver.truncated, "could not download from 127.0.0.1: the connection was cut off"),
    "broken chunked stream": (
        rawserver.broken_chunks,
        "could not download from 127.0.0.1: the server sent a malformed response",
    ),
    # a malformed Location is the server's fault too: exit 4 and a sentence
    "redirect to a broken IPv6 address": (
        rawserver.redirect_to(b"https://[::1/x.json"),
        "127.0.0.1 redirected to 'https://[::1/x.json', which is not a usable address",
    ),
    "redirect to a port out of range": (
        rawserver.redirect_to(b"https://127.0.0.1:99999/x.json"),
        "which is not a usable address",
    ),
    "redirect without a host": (rawserver.redirect_to(b"https:///x.json"), "which is not a usable address"),
    "redirect to a space in the host": (rawserver.redirect_to(b"https://exa mple.org/x.json"), "is not usable"),
    "redirect to bytes that are not text": (rawserver.redirect_to(b"https://\xff\xfe/x"), "usable"),
}


# a smaller deadline and timeout where the test waits for them (0.3 s is plenty on loopback)
FASTER = {"slow drip past the deadline": {"CRISISCLI_DEADLINE": "0.3"}, "read timeout": {"CRISISCLI_TIMEOUT": "0.3"}}


@pytest.mark.parametrize("case", sorted(RAW_BAD))
def test_broken_connections_change_nothing(case, upd, installed, run, tmp_path):
    before, numbers_before = snapshot(tmp_path), numbers(run)
    behave, words = RAW_BAD[case]
    server = rawserver.RawServer(behave)
    try:
        result = upd("update", "--url", server.url, env=FASTER.get(case))
    finally:
        server.close()
    assert_unchanged(result, before, tmp_path, run, numbers_before, 4, words)
    assert "unexpected" not in result.stderr


def test_connection_refused(upd, installed, run, tmp_path):
    before, numbers_before = snapshot(tmp_path), numbers(run)
    server = rawserver.RawServer(rawserver.close_at_once)
    url = server.url
    server.close()  # the port was bound, now nothing listens
    result = upd("update", "--url", url)
    assert_unchanged(
        result,
        before,
        tmp_path,
        run,
        numbers_before,
        4,
        "could not reach 127.0.0.1: connection refused; your data is unchanged",
    )
    for internal in ("HTTPConnection", "Max retries", "urllib3", "Errno", "object at 0x"):
        assert internal not in result.stderr


def test_plain_http_to_another_host_is_refused_before_connecting(upd):
    result = upd("update", "--url", "http://example.org/hotlines.json")
    assert result.returncode == 2 and "https:// only" in result.stderr


# --- HTTPS --------------------------------------------------------------------------------------


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
        "", status=301, headers={"Location": "http://127.0.0.2:9/hotlines.json"}
    )
    downgrade = upd("update", "--url", url, env={"REQUESTS_CA_BUNDLE": ca_file})
    assert downgrade.returncode == 4
    assert "refusing http:// for 127.0.0.2: updates use https:// only" in downgrade.stderr  # never a step down
    assert snapshot(tmp_path) == before


def test_a_second_update_exits_cleanly(upd, installed, tmp_path, isolated, key):
    server = rawserver.RawServer(rawserver.stall)
    env = {**isolated, "CRISISCLI_TRUSTED_KEYS": str(tmp_path / "test.pub"), "CRISISCLI_TIMEOUT": "20"}
    first = subprocess.Popen(
        [str(BIN), "update", "--url", server.url], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
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
    newer.write_bytes(
        BODY_NEXT.replace(f'"dataset_version": {BASE + 1},'.encode(), f'"dataset_version": {BASE + 6},'.encode(), 1)
    )
    monkeypatch.setattr(dataset, "BUNDLED_PATH", str(newer))
    active = dataset.load_active(isolated)
    assert (active.info.origin, active.info.dataset_version) == ("bundled", BASE + 6)


def test_stale_data_is_shown_with_a_notice(run):
    later = run("lines", "GB", env={"CRISISCLI_NOW": "2027-06-01"})
    assert later.returncode == 0 and "116 123" in later.stdout
    assert "days old" in later.stderr and "crisiscli update" in later.stderr
    assert run("lines", "GB", "-q", env={"CRISISCLI_NOW": "2027-06-01"}).stderr == ""
    doc = json.loads(run("lines", "GB", "--json", "-q", env={"CRISISCLI_NOW": "2027-06-01"}).stdout)
    from datetime import date

    generated = date.fromisoformat(json.loads(BODY_NEXT)["generated_at"][:10])
    assert doc["dataset"]["age_days"] == (date(2027, 6, 1) - generated).days


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
