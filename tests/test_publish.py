"""tools/publish_data.py: a correction goes from a dataset file to a signed feed, and from the
feed, served over HTTPS on 127.0.0.1, into an installed copy. Keys are throwaway ones made here."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from signing import PUBLISH_TOOL, TestKey, dataset_bytes, publish_tool
from updating import BASE, BODY_NEXT, BODY_V3, make_doc

pytest_plugins = ("updating",)  # its fixtures: key, installed, run, upd, tls
REPO = Path(__file__).resolve().parent.parent
TOOL = PUBLISH_TOOL


def publish_process(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The tool as a maintainer runs it: its own process."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("CRISISCLI_SIGNING")}
    full.update(env or {})
    return subprocess.run([sys.executable, str(TOOL), *args], capture_output=True, text=True, env=full, timeout=120)


TOOL_MODULE = publish_tool()


@pytest.fixture
def publish(capsys, monkeypatch):
    """The tool's main() in this process (validation results are shared within a process, so
    the refusals below do not each pay a second of validation)."""

    def _publish(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        for name in ("CRISISCLI_SIGNING_KEY", "CRISISCLI_SIGNING_KEY_FILE"):
            monkeypatch.delenv(name, raising=False)
        for name, value in (env or {}).items():
            monkeypatch.setenv(name, value)
        capsys.readouterr()
        code = TOOL_MODULE.main(list(args))
        out = capsys.readouterr()
        for name in env or {}:
            monkeypatch.delenv(name)
        return subprocess.CompletedProcess(list(args), code, out.out, out.err)

    return _publish


@pytest.fixture
def signer(key: TestKey, tmp_path) -> tuple[TestKey, Path]:
    """The session's throwaway key (the one `upd` trusts), with its secret half in a 0600 file."""
    (tmp_path / "secret").mkdir()
    return key, key.write_secret(tmp_path / "secret" / "throwaway.key")


def test_publish_a_feed_serve_it_over_https_and_install_it(signer, tls, upd, run, tmp_path):
    publish = publish_process
    key, secret = signer
    server, ca_file = tls
    source = tmp_path / "hotlines.json"
    source.write_bytes(BODY_NEXT)
    feed = tmp_path / "feed"
    made = publish(str(source), "--out", str(feed), "--secret-key", str(secret))
    assert made.returncode == 0, made.stderr
    assert f"Published dataset {BASE + 1}" in made.stdout
    assert "not one of the keys shipped" in made.stderr  # a throwaway key: said plainly
    assert sorted(p.name for p in feed.iterdir()) == ["hotlines.json", "hotlines.json.minisig", "index.json"]
    assert (feed / "hotlines.json").read_bytes() == BODY_NEXT
    index = json.loads((feed / "index.json").read_text(encoding="utf-8"))
    import hashlib

    assert index == {
        **index,
        "version": BASE + 1,
        "size": len(BODY_NEXT),
        "key_id": key.key_id[::-1].hex().upper(),
        "sha256": hashlib.sha256(BODY_NEXT).hexdigest(),
        "generated_at": make_doc(1)["generated_at"],
    }
    assert oct((feed / "hotlines.json").stat().st_mode & 0o777) == "0o644"  # static hosting reads it
    assert secret.read_text() not in made.stdout + made.stderr
    for name in ("hotlines.json", "hotlines.json.minisig", "index.json"):
        server.expect_request(f"/feed/{name}").respond_with_data((feed / name).read_bytes())
    url = server.url_for("/feed/")
    assert url.startswith("https://127.0.0.1:")
    result = upd("update", "--url", url, env={"REQUESTS_CA_BUNDLE": ca_file})
    assert result.returncode == 0, result.stderr
    assert f"Installed dataset {BASE + 1}" in result.stdout
    assert json.loads(run("lines", "GB", "--json").stdout)["dataset"]["version"] == BASE + 1
    # and the same two files from a USB stick
    stick_machine = {"CRISISCLI_DATA_DIR": str(tmp_path / "other-machine")}
    offline = upd("update", "--file", str(feed / "hotlines.json"), env=stick_machine)
    assert offline.returncode == 0 and f"Installed dataset {BASE + 1}" in offline.stdout


def test_publish_refuses_what_is_not_newer_or_not_valid(signer, publish, tmp_path):
    _key, secret = signer
    feed = tmp_path / "feed"
    source = tmp_path / "hotlines.json"
    source.write_bytes(BODY_V3)
    assert publish(str(source), "--out", str(feed), "--secret-key", str(secret)).returncode == 0
    before = {p.name: p.read_bytes() for p in feed.iterdir()}
    for version, words in ((BASE + 2, "not newer than"), (BASE + 1, "not newer than")):
        source.write_bytes(dataset_bytes(make_doc(version, "again")))
        refused = publish(str(source), "--out", str(feed), "--secret-key", str(secret))
        assert refused.returncode == 5 and words in refused.stderr, refused.stderr
    broken = make_doc(BASE + 3)
    broken["countries"]["GB"]["lines"][0]["name"] = "bad\x1b[31m"
    source.write_bytes(dataset_bytes(broken))
    invalid = publish(str(source), "--out", str(feed), "--secret-key", str(secret))
    assert invalid.returncode == 5 and "fails validation" in invalid.stderr
    gutted = make_doc(BASE + 3)
    gutted["countries"]["GB"]["lines"] = []
    source.write_bytes(dataset_bytes(gutted))
    emptied = publish(str(source), "--out", str(feed), "--secret-key", str(secret))
    assert emptied.returncode == 5 and "most or all lines of GB" in emptied.stderr
    assert {p.name: p.read_bytes() for p in feed.iterdir()} == before  # the feed is untouched


def test_the_key_comes_from_a_path_or_the_environment_and_is_checked(signer, publish, tmp_path):
    _key, secret = signer
    source = tmp_path / "hotlines.json"
    source.write_bytes(BODY_NEXT)
    none = publish(str(source), "--out", str(tmp_path / "a"))
    assert none.returncode == 2 and "no secret key" in none.stderr
    by_env_path = publish(str(source), "--out", str(tmp_path / "b"), env={"CRISISCLI_SIGNING_KEY_FILE": str(secret)})
    assert by_env_path.returncode == 0, by_env_path.stderr
    by_env_text = publish(str(source), "--out", str(tmp_path / "c"), env={"CRISISCLI_SIGNING_KEY": secret.read_text()})
    assert by_env_text.returncode == 0, by_env_text.stderr
    assert (tmp_path / "b" / "hotlines.json.minisig").exists() and (tmp_path / "c" / "index.json").exists()
    # an encrypted key (kdf "Sc") needs a password: refused, not half-used
    raw = bytearray(base64.b64decode(secret.read_text().splitlines()[1]))
    raw[2:4] = b"Sc"
    locked = tmp_path / "secret" / "locked.key"
    locked.write_text("untrusted comment: x\n" + base64.b64encode(bytes(raw)).decode() + "\n")
    refused = publish(str(source), "--out", str(tmp_path / "d"), "--secret-key", str(locked))
    assert refused.returncode == 2 and "password-protected" in refused.stderr
    # a damaged key: the public half no longer follows from the secret half
    raw = bytearray(base64.b64decode(secret.read_text().splitlines()[1]))
    raw[100] ^= 1
    damaged = tmp_path / "secret" / "damaged.key"
    damaged.write_text("untrusted comment: x\n" + base64.b64encode(bytes(raw)).decode() + "\n")
    assert publish(str(source), "--out", str(tmp_path / "e"), "--secret-key", str(damaged)).returncode == 5
    # never from inside the repository
    inside = publish(str(source), "--out", str(tmp_path / "f"), "--secret-key", str(REPO / "tools" / "x.key"))
    assert inside.returncode == 2 and "inside the repository" in inside.stderr


def test_the_shipped_keys_are_the_teams_current_and_next():
    keys = sorted(p.name for p in (REPO / "crisiscli" / "data" / "keys").iterdir())
    assert keys == ["current.pub", "next.pub"]
    shared = REPO.parent / "shared" / "keys"
    if shared.is_dir():  # on the team's machines: byte for byte the team's public keys
        for name in keys:
            assert (REPO / "crisiscli" / "data" / "keys" / name).read_bytes() == (shared / name).read_bytes()
    assert not list(REPO.glob("**/*.key")), "a secret key file is inside the repository"
