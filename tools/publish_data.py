#!/usr/bin/env python3
"""Publish a dataset: validate it, refuse it unless it is newer than the last published one,
sign it with a minisign secret key, and write a feed directory ready to host as static files.

    python tools/publish_data.py crisiscli/data/hotlines.json --out feed/ --secret-key /path/current.key

The feed directory gets three files: `hotlines.json` (the dataset, byte for byte), its
`hotlines.json.minisig`, and `index.json` (version, sha256, size, generated_at, key id). Users
point `crisiscli update --url https://HOST/feed/hotlines.json` (or the directory, ending in /)
at it; `crisiscli update --file` takes the same two files from a USB stick.

The secret key comes from `--secret-key PATH`, else the file named by CRISISCLI_SIGNING_KEY_FILE,
else the key text in CRISISCLI_SIGNING_KEY (for CI secrets). It must be an unencrypted minisign
secret key (`minisign -G -W`); it is read into memory only, never copied or printed, and this
tool refuses to read one from inside the repository. Why sign in Python rather than call the
`minisign` program: one code path that the tests exercise on every machine; the signature is
standard minisign (prehashed Ed25519), and `minisign -V` verifies it.

Exit codes: 0 published; 2 usage problem (no key, unreadable file); 5 the dataset or the key
was refused (validation, not newer than the feed, a key that does not match itself).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import os
import stat
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from crisiscli import clock  # noqa: E402
from crisiscli.dataset import MAX_BYTES, Dataset, LazyCountries, parse_strict  # noqa: E402
from crisiscli.errors import EXIT_INVALID, EXIT_USAGE, CrisisError, DatasetError, UsageProblem  # noqa: E402
from crisiscli.signature import bundled_keys, parse_public_key, verify  # noqa: E402
from crisiscli.store import SIGNATURE_SUFFIX, atomic_write  # noqa: E402

DATASET_FILE = "hotlines.json"
INDEX_FILE = "index.json"
SECRET_KEY_BYTES = 158  # minisign's SeckeyStruct


class Refused(CrisisError):
    """The dataset or the key may not be published (exit 5)."""

    exit_code = EXIT_INVALID
    code = "refused"


@dataclass(frozen=True)
class SecretKey:
    """An unencrypted minisign secret key: its 8-byte id and the Ed25519 seed."""

    key_id: bytes
    seed: bytes

    @property
    def key_id_hex(self) -> str:
        return self.key_id[::-1].hex().upper()

    def public_text(self) -> str:
        """The matching minisign public key file."""
        return (
            f"untrusted comment: minisign public key {self.key_id_hex}\n"
            + base64.b64encode(b"Ed" + self.key_id + self._public_raw()).decode()
            + "\n"
        )

    def _public_raw(self) -> bytes:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        return Ed25519PrivateKey.from_private_bytes(self.seed).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    def sign(self, data: bytes, trusted_comment: str) -> bytes:
        """A minisign signature file for `data` (prehashed: Ed25519 over BLAKE2b-512)."""
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        if "\n" in trusted_comment or "\r" in trusted_comment:
            raise UsageProblem("the trusted comment must be one line")
        secret = Ed25519PrivateKey.from_private_bytes(self.seed)
        signature = secret.sign(hashlib.blake2b(data, digest_size=64).digest())
        global_signature = secret.sign(signature + trusted_comment.encode("utf-8"))
        return (
            "untrusted comment: signature from crisiscli publish_data\n"
            + base64.b64encode(b"ED" + self.key_id + signature).decode()
            + "\n"
            + f"trusted comment: {trusted_comment}\n"
            + base64.b64encode(global_signature).decode()
            + "\n"
        ).encode("utf-8")


def parse_secret_key(text: str, origin: str) -> SecretKey:
    """Read minisign's secret-key format (https://jedisct1.github.io/minisign/): a comment line
    and one base64 line of sig_alg "Ed", kdf_alg, chk_alg "B2", salt, opslimit, memlimit, key id,
    the 64-byte Ed25519 secret key (seed + public) and a BLAKE2b-256 checksum.

    Refuses an encrypted key (kdf "Sc": it needs a password and this tool runs unattended), a
    damaged one (checksum, or a public half that does not follow from the seed)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    body = [line for line in lines if not line.startswith("untrusted comment:")]
    if len(body) != 1:
        raise UsageProblem(f"{origin} is not a minisign secret key")
    try:
        raw = base64.b64decode(body[0], validate=True)
    except (binascii.Error, ValueError):
        raise UsageProblem(f"{origin} is not a minisign secret key (not base64)") from None
    if len(raw) != SECRET_KEY_BYTES or raw[:2] != b"Ed" or raw[4:6] != b"B2":
        raise UsageProblem(f"{origin} is not an Ed25519 minisign secret key")
    if raw[2:4] != b"\0\0":
        raise UsageProblem(
            f"{origin} is password-protected; publish with an unencrypted key "
            "(minisign -G -W), or sign by hand with the minisign program"
        )
    key_id, secret, checksum = raw[54:62], raw[62:126], raw[126:158]
    expected = hashlib.blake2b(raw[:2] + key_id + secret, digest_size=32).digest()
    # Some generators leave the checksum zero; the public-half check below still catches damage.
    if checksum not in (expected, bytes(32)):
        raise Refused(f"{origin} is damaged (its checksum does not match)")
    key = SecretKey(key_id=key_id, seed=secret[:32])
    if key._public_raw() != secret[32:]:
        raise Refused(f"{origin} is damaged (its public half does not match its secret half)")
    return key


def load_secret_key(path: str | None, env: Mapping[str, str]) -> SecretKey:
    """From --secret-key, CRISISCLI_SIGNING_KEY_FILE or CRISISCLI_SIGNING_KEY (the key text)."""
    path = path or env.get("CRISISCLI_SIGNING_KEY_FILE")
    if not path:
        text = env.get("CRISISCLI_SIGNING_KEY")
        if not text:
            raise UsageProblem(
                "no secret key: pass --secret-key PATH, or set CRISISCLI_SIGNING_KEY_FILE "
                "(a path) or CRISISCLI_SIGNING_KEY (the key file's text)"
            )
        return parse_secret_key(text, "CRISISCLI_SIGNING_KEY")
    resolved = Path(path).resolve()
    if resolved.is_relative_to(REPO) and (REPO / ".git").exists():
        raise UsageProblem(
            f"{path} is inside the repository; secret keys never belong there "
            "(keep them in the team's private folder, see ../shared/keys/README.md)"
        )
    try:
        mode = os.stat(resolved).st_mode
        with open(resolved, encoding="utf-8") as fh:
            text = fh.read(4096)
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageProblem(f"cannot read secret key {path}: {getattr(exc, 'strerror', None) or exc}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        print(f"publish_data: warning: {path} can be read by other users; keep secret keys mode 0600", file=sys.stderr)
    return parse_secret_key(text, path)


def _last_published(feed: Path) -> tuple[int, Dataset | None]:
    """The version in the feed's index.json (0 if none) and the dataset published beside it."""
    index = feed / INDEX_FILE
    if not index.exists():
        return 0, None
    try:
        doc = json.loads(index.read_text(encoding="utf-8"))
        version = doc["version"]
        if not isinstance(version, int) or isinstance(version, bool):
            raise TypeError
    except (OSError, ValueError, KeyError, TypeError):
        raise Refused(f"{index} is unreadable; fix or remove it (it records the last published version)") from None
    previous = None
    data_path = feed / DATASET_FILE
    if data_path.exists():
        try:
            previous = Dataset(parse_strict(data_path.read_bytes(), what=str(data_path)), "feed", str(data_path))
        except DatasetError:
            previous = None
    return version, previous


def publish(dataset_path: str, feed_dir: str, key: SecretKey, env: Mapping[str, str]) -> dict[str, object]:
    """Check, sign and write the feed; returns the index it wrote. Nothing in the feed changes
    unless every check passes."""
    from crisiscli.update import gutted, validate_safely

    try:
        with open(dataset_path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise UsageProblem(f"cannot read {dataset_path}: {(exc.strerror or str(exc)).lower()}") from None
    doc = parse_strict(data, what=dataset_path)
    dataset = Dataset(doc, origin="publish", path=dataset_path)
    now = clock.now(env)
    feed = Path(feed_dir)
    last, previous = _last_published(feed)
    version = dataset.info.dataset_version
    if version <= last:
        raise Refused(
            f"dataset_version {version} is not newer than {last}, the last version published in "
            f"{feed}; raise dataset_version"
        )
    if previous is not None:
        gone = sorted(set(previous.codes()) - set(dataset.codes()))
        emptied = gutted(previous.raw, doc)
        if gone or emptied:
            raise Refused(
                "clients would refuse this dataset: it drops "
                + "; ".join(
                    filter(
                        None,
                        [
                            f"countries {', '.join(gone)}" if gone else "",
                            f"most or all lines of {', '.join(emptied)}" if emptied else "",
                        ],
                    )
                )
            )
    # the cheap refusals above first; the full validation takes about a second
    problems = validate_safely(doc, now.date(), hashlib.sha256(data).hexdigest())
    if problems:
        shown = "; ".join(str(p) for p in problems[:5])
        raise Refused(f"{dataset_path} fails validation ({len(problems)} problem(s)): {shown}")
    if LazyCountries.index(data) is None:
        print(
            f"publish_data: warning: {dataset_path} is not in the layout the fast loader reads "
            "(data/README.md); clients will parse it whole",
            file=sys.stderr,
        )
    comment = f"timestamp:{int(now.timestamp())}\tfile:{DATASET_FILE}\thashed"
    signature = key.sign(data, comment)
    own = parse_public_key(key.public_text(), origin="the secret key's public half")
    verify(data, signature, [own])  # the signature we are about to publish really verifies
    shipped = {k.key_id for k in bundled_keys()}
    if key.key_id not in shipped:
        print(
            f"publish_data: warning: key {key.key_id_hex} is not one of the keys shipped in "
            "crisiscli/data/keys/; installed copies accept this feed only with CRISISCLI_TRUSTED_KEYS "
            "or trusted_keys",
            file=sys.stderr,
        )
    index = {
        "version": version,
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
        "generated_at": dataset.info.generated_at,
        "schema_version": dataset.info.schema_version,
        "file": DATASET_FILE,
        "signature": DATASET_FILE + SIGNATURE_SUFFIX,
        "key_id": key.key_id_hex,
    }
    feed.mkdir(parents=True, exist_ok=True)
    # dataset and signature first, the index last: the index never names a file not yet there
    atomic_write(str(feed / DATASET_FILE), data, mode=0o644)
    atomic_write(str(feed / (DATASET_FILE + SIGNATURE_SUFFIX)), signature, mode=0o644)
    atomic_write(str(feed / INDEX_FILE), (json.dumps(index, indent=2) + "\n").encode(), mode=0o644)
    return index


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("dataset", help="the dataset to publish (usually crisiscli/data/hotlines.json)")
    parser.add_argument("--out", required=True, help="the feed directory to write (and read the last version from)")
    parser.add_argument(
        "--secret-key", help="minisign secret key file (or CRISISCLI_SIGNING_KEY_FILE / CRISISCLI_SIGNING_KEY)"
    )
    args = parser.parse_args(argv)
    try:
        key = load_secret_key(args.secret_key, os.environ)
        index = publish(args.dataset, args.out, key, os.environ)
    except CrisisError as exc:
        print(f"publish_data: {exc.message}", file=sys.stderr)
        return exc.exit_code if exc.exit_code in (EXIT_USAGE, EXIT_INVALID) else EXIT_INVALID
    print(
        f"Published dataset {index['version']} to {args.out}: {DATASET_FILE} ({index['size']} bytes, "
        f"sha256 {index['sha256']}), signed by key {index['key_id']}."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
