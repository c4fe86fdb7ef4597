"""Throwaway minisign keys for tests, made with the cryptography library.

Signatures and public keys are written by tools/publish_data.py's own key class, so the
format has one writer; crisiscli.signature reads and checks them with its own code. Why not
the real `minisign` program everywhere: it is a Debian package that a fresh machine may not
have; test_update.py also signs with it when it is installed, to prove the formats agree.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from crisiscli.dataset import BUNDLED_PATH, LazyCountries

PUBLISH_TOOL = Path(__file__).resolve().parent.parent / "tools" / "publish_data.py"


@functools.cache
def publish_tool() -> Any:
    """tools/publish_data.py as a module (it is a script, not part of the package)."""
    spec = importlib.util.spec_from_file_location("publish_data", PUBLISH_TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["publish_data"] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


class TestKey:
    """An Ed25519 key that writes minisign public keys and signatures."""

    __test__ = False  # not a pytest class

    def __init__(self) -> None:
        self.secret = Ed25519PrivateKey.generate()
        self.key_id = os.urandom(8)
        seed = self.secret.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        self._key = publish_tool().SecretKey(self.key_id, seed)  # the publisher's writer, one copy

    def public_text(self) -> str:
        return str(self._key.public_text())

    def write_public(self, path: Path) -> Path:
        path.write_text(self.public_text(), encoding="utf-8")
        return path

    def secret_text(self) -> str:
        """minisign's unencrypted secret-key file (`minisign -G -W`), for tools/publish_data.py."""
        seed = self.secret.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        public = self.secret.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        sk = seed + public
        checksum = hashlib.blake2b(b"Ed" + self.key_id + sk, digest_size=32).digest()
        raw = b"Ed" + b"\0\0" + b"B2" + bytes(32) + bytes(8) + bytes(8) + self.key_id + sk + checksum
        return (
            "untrusted comment: throwaway key made by tests/signing.py for one test\n"
            + base64.b64encode(raw).decode()
            + "\n"
        )

    def write_secret(self, path: Path) -> Path:
        """A throwaway secret key, private to this user (made for one test, never a real key)."""
        path.write_text(self.secret_text(), encoding="utf-8")
        path.chmod(0o600)
        return path

    def sign(self, data: bytes, trusted_comment: str = "timestamp:0\tfile:hotlines.json\thashed") -> bytes:
        return bytes(self._key.sign(data, trusted_comment))


def dataset_bytes(doc: dict[str, Any]) -> bytes:
    """A dataset in the layout our tools write (so the fast loader applies), as a real release
    is: countries equal to the bundled ones keep the bundled file's bytes, so the update's
    validation skips them as it does for a real correction (and no test spends half a second
    indenting two megabytes in Python). Anything unusual is written compactly."""
    countries = doc.get("countries")
    if not isinstance(countries, dict) or list(doc)[-1] != "countries":
        return json.dumps(doc, ensure_ascii=False).encode("utf-8")
    head = json.dumps({**doc, "countries": {}}, ensure_ascii=False, indent=1)
    assert head.endswith('"countries": {}\n}')
    entries = []
    for code, country in countries.items():
        same = _shipped_chunk(code) if country == _SHIPPED_RAW.get(code) else None
        if same is None:
            same = f"  {json.dumps(code)}: " + json.dumps(country, ensure_ascii=False, indent=1).replace("\n", "\n  ")
        entries.append(same)
    body = "{\n" + ",\n".join(entries) + "\n }" if entries else "{}"
    return (head[: -len("{}\n}")] + body + "\n}\n").encode("utf-8")


def _shipped_chunk(code: str) -> str | None:
    chunk = _SHIPPED.chunk(code)
    return None if chunk is None else chunk.decode("utf-8")


_SHIPPED_BYTES = Path(BUNDLED_PATH).read_bytes()
_SHIPPED_RAW: dict[str, Any] = json.loads(_SHIPPED_BYTES)["countries"]
_SHIPPED = LazyCountries.index(_SHIPPED_BYTES)[1]  # type: ignore[index]
