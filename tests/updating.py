"""Shared parts of the update tests: a session-wide throwaway key, the "already updated" machine
built once per session by a real update and copied into each test, servers and snapshots.

Why a module and not conftest.py: only the update tests need it, and conftest is shared by
every test file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import base_env, invoke
from pytest_httpserver import HTTPServer
from signing import TestKey, dataset_bytes
from werkzeug import Response

from crisiscli.dataset import load_bundled

BUNDLED = load_bundled().raw
BASE = BUNDLED["dataset_version"]  # tests speak of versions relative to the bundled one
PATH = "/hotlines.json"


_BUNDLED_JSON = json.dumps(BUNDLED, ensure_ascii=False)  # C speed; a round trip is a deep copy


def make_doc(version: int, note: str = "updated in a test") -> dict:
    doc = json.loads(_BUNDLED_JSON)
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
    """crisiscli in this process (conftest.invoke)."""

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
def tls_server(tmp_path_factory):
    """One HTTPS server on 127.0.0.1 for the session, its certificate from a throwaway CA
    (trustme); stopping a server costs half a second, so it is started once."""
    import ssl

    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    server.start()
    ca_file = tmp_path_factory.mktemp("tls") / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    yield server, str(ca_file)
    server.stop()


@pytest.fixture
def tls(tls_server):
    """The session's HTTPS server, cleared for this test."""
    server, _ca = tls_server
    server.clear()
    yield tls_server
    server.clear()


@pytest.fixture(scope="session")
def installed_template(make_httpserver, key, tmp_path_factory) -> Path:
    """Once per session: a machine where the next dataset was installed by a real update."""
    root = tmp_path_factory.mktemp("installed")
    keyfile = key.write_public(root / "test.pub")
    url = serve(make_httpserver, BODY_NEXT, key.sign(BODY_NEXT))
    env = {
        **base_env(root),
        "CRISISCLI_TRUSTED_KEYS": str(keyfile),
        "CRISISCLI_TIMEOUT": "1",
        "CRISISCLI_DEADLINE": "3",
    }
    result = invoke("update", "--url", url, env=env)
    assert result.returncode == 0, result.stderr
    make_httpserver.clear()
    return root / "data"


@pytest.fixture
def installed(installed_template, key, httpserver, tmp_path):
    """This test's machine: a copy of the session's installed one, served from the same URL."""
    shutil.copytree(installed_template, tmp_path / "data", copy_function=shutil.copy2)
    return serve(httpserver, BODY_NEXT, key.sign(BODY_NEXT))


# --- the failure matrix: signed bytes that must be refused -------------------------------------

V3 = BASE + 2
# The same layout with the next version (indenting 1.7 MB in pure-Python json costs 0.3 s)
BODY_V3 = BODY_NEXT.replace(f'"dataset_version": {BASE + 1},'.encode(), f'"dataset_version": {V3},'.encode(), 1)
assert json.loads(BODY_V3) == make_doc(V3)


def signed(key: TestKey, body: bytes) -> tuple[bytes, bytes]:
    return body, key.sign(body)


def json_case(mutate):
    def build(key):
        doc = json.loads(BODY_V3)  # a fresh copy of make_doc(V3), several times faster than deepcopy
        mutate(doc)
        # Compact JSON: these are all refused, so the loader's layout does not matter, and json's
        # C encoder is ~10x faster than the indented (pure Python) one on 1.7 MB.
        return signed(key, dataset_bytes(doc))

    return build


def bytes_case(raw: bytes):
    return lambda key: signed(key, raw)


def set_at(path: tuple, value):
    """A mutation that puts `value` at `path` inside the document."""

    def mutate(doc):
        target = doc
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

    return mutate


US_LINES = len(BUNDLED["countries"]["US"]["lines"])


def gut_us(doc):
    doc["countries"]["US"]["lines"] = doc["countries"]["US"]["lines"][:1]


SIGNED_BAD = {
    "not json": (bytes_case(b"<html>hello</html>"), "not valid JSON"),
    "bom": (bytes_case(b"\xef\xbb\xbf" + BODY_V3), "not valid JSON"),
    "utf-16": (bytes_case(BODY_V3.decode("utf-8").encode("utf-16")), "not valid JSON"),
    "nan": (
        bytes_case(BODY_V3.replace(f'"dataset_version": {V3}'.encode(), b'"dataset_version": NaN')),
        "not valid JSON",
    ),
    "duplicate key": (
        bytes_case(BODY_V3.replace(b'{\n "schema_version"', b'{"dataset_version": 9,\n "schema_version"')),
        "duplicate key",
    ),
    "deep nesting": (bytes_case(b"[" * 100_000 + b"]" * 100_000), "not valid JSON"),
    "huge integer": (bytes_case(b'{"dataset_version": ' + b"9" * 5000 + b"}"), "not valid JSON"),
    "wrong schema": (json_case(lambda d: d["countries"]["GB"].pop("emergency")), "fails validation"),
    "future schema": (json_case(set_at(("schema_version",), "2.0")), "needs a newer crisiscli"),
    "older version": (json_case(set_at(("dataset_version",), BASE)), "refusing to go back"),
    "country dropped": (json_case(lambda d: d["countries"].pop("FR")), "drops countries"),
    "country emptied": (json_case(set_at(("countries", "GB", "lines"), [])), "drops most or all crisis lines of GB"),
    "most lines dropped": (
        json_case(gut_us),
        f"drops most or all crisis lines of US ({US_LINES - 1} of {US_LINES} lines)",
    ),
    "control characters": (
        json_case(set_at(("countries", "GB", "lines", 0, "name"), "Sam\x1b]0;x\x07")),
        "fails validation",
    ),
    "future date": (json_case(set_at(("generated_at",), "2027-06-01")), "claims to be from the future (2027-06-01)"),
    "same version, other bytes": (
        json_case(
            lambda d: (
                set_at(("dataset_version",), BASE + 1)(d),
                set_at(("countries", "GB", "lines", 0, "notes"), "other")(d),
            )
        ),
        "needs a higher dataset_version",
    ),
    "countries a list": (json_case(set_at(("countries",), [])), "countries must be an object"),
    "version a string": (json_case(set_at(("dataset_version",), "9")), "positive integer"),
}

# Wrong types deep inside a signed dataset: each a clean refusal (exit 5), never a traceback.
# Each costs a full validation (~1 s), so they live in test_update_hardening.py.
WRONG_TYPES = {
    "contacts not a list": (json_case(set_at(("countries", "GB", "lines", 0, "contacts"), "0800")), "fails validation"),
    "line not an object": (json_case(set_at(("countries", "GB", "lines", 0), 7)), "fails validation"),
    "lines not a list": (json_case(set_at(("countries", "GB", "lines"), {"a": 1})), "fails validation"),
    "country not an object": (json_case(set_at(("countries", "GB"), [])), "fails validation"),
    "name a number": (json_case(set_at(("countries", "GB", "lines", 0, "name"), 5)), "fails validation"),
}


def bad_signature(key):
    return BODY_V3.replace(b"updated in a test", b"tampered in a test"), key.sign(BODY_V3)


def unknown_key(key):
    return BODY_V3, TestKey().sign(BODY_V3)


SIGNATURE_BAD = {
    "bad signature": (bad_signature, "signature does not match"),
    "unknown key": (unknown_key, "unknown key"),
    "garbage signature": (lambda key: (BODY_V3, b"not a signature"), "minisign format"),
    "missing signature": (lambda key: (BODY_V3, None), "no signature"),
}


def assert_unchanged(result, before, tmp_path, run, numbers_before, code, words):
    assert result.returncode == code, (result.returncode, result.stderr)
    assert words in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(tmp_path) == before
    assert numbers(run) == numbers_before
