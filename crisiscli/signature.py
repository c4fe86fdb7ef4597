"""minisign signatures: read public keys and signature files, verify with Ed25519.

Why minisign: maintainers sign a release with the standard `minisign` program and an offline
key; the package carries the public keys, so a compromised server, mirror or certificate cannot
hand users different numbers. The Ed25519 check itself is done by the `cryptography` library
(imported only when verifying); this module only reads minisign's documented file format
(https://jedisct1.github.io/minisign/). Only prehashed signatures ("ED", BLAKE2b-512) are
accepted, and the trusted comment is checked too.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass

from .errors import EXIT_INVALID, CrisisError, UsageProblem
from .paths import data_file

KEYS_DIR = data_file("keys")
MAX_SIGNATURE_BYTES = 4096


class SignatureError(CrisisError):
    """A missing, malformed or wrong signature (exit 5)."""

    exit_code = EXIT_INVALID
    code = "bad_signature"


@dataclass(frozen=True, slots=True)
class PublicKey:
    """An Ed25519 public key with minisign's 8-byte key id."""

    key_id: bytes
    key: bytes
    origin: str

    @property
    def key_id_hex(self) -> str:
        """The id as `minisign` prints it (little-endian, upper-case hex)."""
        return self.key_id[::-1].hex().upper()


def _b64(text: str, size: int, what: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError(f"{what} is not valid base64") from None
    if len(raw) != size:
        raise SignatureError(f"{what} has {len(raw)} bytes, expected {size}")
    return raw


def parse_public_key(text: str, origin: str) -> PublicKey:
    """A minisign public key: the file's text or the bare base64 line."""
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("untrusted comment:")]
    if len(lines) != 1:
        raise UsageProblem(f"{origin} is not a minisign public key")
    try:
        raw = _b64(lines[0], 42, f"public key {origin}")
    except SignatureError as exc:
        raise UsageProblem(exc.message) from None
    if raw[:2] != b"Ed":
        raise UsageProblem(f"{origin} is not an Ed25519 minisign public key")
    return PublicKey(key_id=raw[2:10], key=raw[10:42], origin=origin)


def load_key_file(path: str) -> PublicKey:
    """A public key from a file; a clear usage error if it cannot be read."""
    try:
        with open(path, encoding="utf-8") as fh:
            return parse_public_key(fh.read(4096), origin=path)
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageProblem(f"cannot read trusted key {path}: {getattr(exc, 'strerror', None) or exc}") from None


def bundled_keys() -> list[PublicKey]:
    """The project's keys shipped in the package (a current and a next one)."""
    keys = []
    for name in sorted(os.listdir(KEYS_DIR)) if os.path.isdir(KEYS_DIR) else []:
        if name.endswith(".pub"):
            keys.append(load_key_file(os.path.join(KEYS_DIR, name)))
    return keys


def trusted_keys(
    env: Mapping[str, str], config_keys: tuple[str, ...] | None = None, strict: bool = True
) -> list[PublicKey]:
    """The package's keys, plus CRISISCLI_TRUSTED_KEYS (paths, OS path separator) and the
    config's `trusted_keys` (read here when not given). `strict=False` (lookups) skips a key
    file that cannot be read instead of failing: the bundled keys still count."""
    if config_keys is None:
        try:
            from .config import load_config

            config_keys = load_config(env).trusted_keys
        except CrisisError:
            config_keys = ()
    keys = bundled_keys()
    extra = [p for p in env.get("CRISISCLI_TRUSTED_KEYS", "").split(os.pathsep) if p.strip()]
    for path in [*extra, *config_keys]:
        try:
            keys.append(load_key_file(os.path.expanduser(path)))
        except CrisisError:
            if strict:
                raise
    return keys


@dataclass(frozen=True, slots=True)
class Signature:
    key_id: bytes
    signature: bytes
    trusted_comment: str
    global_signature: bytes


def parse_signature(data: bytes) -> Signature:
    """A minisign signature file (4 lines)."""
    if len(data) > MAX_SIGNATURE_BYTES:
        raise SignatureError("signature file is too large")
    try:
        lines = data.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        raise SignatureError("signature file is not text") from None
    if len(lines) < 4 or not lines[0].startswith("untrusted comment:") or not lines[2].startswith("trusted comment: "):
        raise SignatureError("signature file is not in minisign format")
    raw = _b64(lines[1], 74, "signature")
    if raw[:2] != b"ED":
        raise SignatureError("only prehashed (ED) minisign signatures are accepted")
    return Signature(
        key_id=raw[2:10],
        signature=raw[10:74],
        trusted_comment=lines[2][len("trusted comment: ") :],
        global_signature=_b64(lines[3], 64, "global signature"),
    )


def verify(data: bytes, signature_file: bytes, keys: list[PublicKey]) -> PublicKey:
    """The key that signed `data`; SignatureError unless a trusted key made this signature."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    sig = parse_signature(signature_file)
    key = next((k for k in keys if k.key_id == sig.key_id), None)
    if key is None:
        shown = sig.key_id[::-1].hex().upper()
        raise SignatureError(f"signed by unknown key {shown}; not one of the trusted keys")
    verifier = Ed25519PublicKey.from_public_bytes(key.key)
    try:
        verifier.verify(sig.signature, hashlib.blake2b(data, digest_size=64).digest())
        verifier.verify(sig.global_signature, sig.signature + sig.trusted_comment.encode("utf-8"))
    except InvalidSignature:
        raise SignatureError(f"signature does not match (key {key.key_id_hex})") from None
    return key
