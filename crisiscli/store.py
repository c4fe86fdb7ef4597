"""User directories and safe writes.

Why one module: the safety plan and downloaded datasets must never be half-written, readable by
others, or lost to a crash or a full disk; every write goes through atomic_write() here.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from .config import data_dir
from .errors import EXIT_USAGE, CrisisError
from .files import read_upto
from .paths import STATE_FILE


def user_data_dir(env: Mapping[str, str]) -> str:
    """The user data directory (CRISISCLI_DATA_DIR overrides), created private (0700) if missing."""
    path = data_dir(env)
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path


def writable_data_dir(env: Mapping[str, str]) -> str:
    """user_data_dir() for a writer that must say clearly why it cannot write: StorageError (a
    sentence, exit 2) for a directory that cannot be made or written, never a traceback."""
    path = data_dir(env)
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
    except OSError as exc:
        raise StorageError(
            f"cannot create the data directory {path}: {_reason(exc)}; set CRISISCLI_DATA_DIR to a writable directory"
        ) from None
    if not os.path.isdir(path):
        raise StorageError(f"the data directory {path} is not a directory")
    if not os.access(path, os.W_OK | os.X_OK):
        raise StorageError(
            f"cannot write to the data directory {path}: permission denied; "
            "set CRISISCLI_DATA_DIR to a writable directory"
        )
    return path


def _reason(exc: OSError) -> str:
    return (exc.strerror or type(exc).__name__).lower()


def fsync_dir(path: str) -> None:
    """Make a rename in `path` durable (a no-op where directories cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(
    path: str, data: bytes, mode: int = 0o600, before_replace: Callable[[str], None] | None = None, durable: bool = True
) -> None:
    """Write `data` to `path` so that readers see the old file or the new one, never a mix.

    The temporary file is created in the same directory with `mode` from the start (no moment
    where it is readable by others), flushed and fsynced, then renamed over `path`, and the
    directory is fsynced. On any error the temporary file is removed and `path` is untouched.
    `before_replace` is a test hook called with the temporary path just before the rename.
    `durable=False` skips both fsyncs, for caches whose loss costs only a recomputation (a
    lookup must not wait on the disk for them).
    """
    import tempfile

    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, mode=0o700, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)  # mkstemp creates it 0600
    try:
        if mode != 0o600:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        if before_replace is not None:
            before_replace(tmp)
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise
    if durable:
        fsync_dir(directory)


VERIFIED_FILE = "verified.json"
CURRENT_FILE = "hotlines.json"  # the layout before content-addressed names; still read
PREVIOUS_FILE = "hotlines.prev.json"
SIGNATURE_SUFFIX = ".minisig"
LOCK_FILE = "update.lock"
DATASET_PREFIX = "hotlines-"
MAX_STATE_BYTES = 64 * 1024


class StorageError(CrisisError):
    """The data directory cannot be written (read-only, missing parent, full disk): the user has
    to fix the place, so it is a usage problem (exit 2), and nothing was changed."""

    exit_code = EXIT_USAGE
    code = "storage"


def dataset_name(sha256: str) -> str:
    """The file name an installed dataset gets: its own hash, so a file is never overwritten
    once written and a name in the state file always means the same bytes."""
    return f"{DATASET_PREFIX}{sha256[:16]}.json"


@dataclass(frozen=True, slots=True)
class Installed:
    """One verified dataset in the data directory: its file name, hash and version."""

    file: str
    sha256: str
    version: int

    def to_json(self) -> dict[str, object]:
        return {"file": self.file, "sha256": self.sha256, "version": self.version}


@dataclass(frozen=True, slots=True)
class UpdateState:
    """What the last committed update recorded. `state.json` is the one commit point of an
    update or a rollback: the files it names are in place before it is written.

    `problems` lists fields that were unreadable and were treated as absent."""

    current: Installed | None = None
    previous: Installed | None = None
    etag: str | None = None
    source_url: str | None = None
    key_id: str | None = None
    checked_at: str | None = None
    max_version_accepted: int = 0
    problems: tuple[str, ...] = ()
    exists: bool = False

    def to_json(self) -> dict[str, object]:
        return {
            "current": self.current.to_json() if self.current else None,
            "previous": self.previous.to_json() if self.previous else None,
            "etag": self.etag,
            "source_url": self.source_url,
            "key_id": self.key_id,
            "checked_at": self.checked_at,
            "max_version_accepted": self.max_version_accepted,
            # kept for readers of the old layout (`data info`, scripts)
            "version": self.current.version if self.current else None,
            "sha256": self.current.sha256 if self.current else None,
        }


_HEX64 = re.compile(r"[0-9a-f]{64}")
_SAFE_NAME = re.compile(r"hotlines(-[0-9a-f]{16}|\.prev)?\.json")


def _text(raw: Mapping[str, Any], key: str, problems: list[str], limit: int = 2048) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, str) and len(value) <= limit:
        return value
    problems.append(key)
    return None


def _version(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**12 else None


def _installed(value: Any) -> Installed | None:
    """An entry of the state file, or None if it is not one we wrote (never a path elsewhere)."""
    if not isinstance(value, Mapping):
        return None
    file, sha, version = value.get("file"), value.get("sha256"), _version(value.get("version"))
    if not (
        isinstance(file, str)
        and _SAFE_NAME.fullmatch(file)
        and isinstance(sha, str)
        and _HEX64.fullmatch(sha)
        and version is not None
    ):
        return None
    return Installed(file, sha, version)


def parse_state(raw: Any) -> UpdateState:
    """A state file's JSON as typed values; a wrong or corrupt field is dropped and named in
    `problems`, never a crash and never a value of the wrong type further on."""
    if not isinstance(raw, Mapping):
        return UpdateState(problems=("the whole file",), exists=True)
    problems: list[str] = []
    current = previous = None
    if "current" in raw or "previous" in raw:
        for key in ("current", "previous"):
            entry = _installed(raw.get(key)) if raw.get(key) is not None else None
            if raw.get(key) is not None and entry is None:
                problems.append(key)
            if key == "current":
                current = entry
            else:
                previous = entry
    else:  # the first layout: fixed names, hashes at the top level
        sha, prev_sha = raw.get("sha256"), raw.get("prev_sha256")
        version = _version(raw.get("version")) or 0
        if isinstance(sha, str) and _HEX64.fullmatch(sha):
            current = Installed(CURRENT_FILE, sha, version)
        if isinstance(prev_sha, str) and _HEX64.fullmatch(prev_sha):
            previous = Installed(PREVIOUS_FILE, prev_sha, 0)
    max_version = raw.get("max_version_accepted", 0)
    if _version(max_version) is None:
        problems.append("max_version_accepted")
        max_version = 0
    return UpdateState(
        current=current,
        previous=previous,
        etag=_text(raw, "etag", problems, 512),
        source_url=_text(raw, "source_url", problems),
        key_id=_text(raw, "key_id", problems, 64),
        checked_at=_text(raw, "checked_at", problems, 64),
        max_version_accepted=max_version,
        problems=tuple(problems),
        exists=True,
    )


def load_state(directory: str) -> UpdateState:
    """The state file, typed; an absent file is an empty state, an unreadable one is an empty
    state whose `problems` say so."""
    try:
        data = read_upto(os.path.join(directory, STATE_FILE), MAX_STATE_BYTES + 1)
    except FileNotFoundError:
        return UpdateState()
    except OSError:
        return UpdateState(problems=("the whole file (unreadable)",), exists=True)
    if len(data) > MAX_STATE_BYTES:
        return UpdateState(problems=("the whole file (too large)",), exists=True)
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return UpdateState(problems=("the whole file (not JSON)",), exists=True)
    return parse_state(raw)


def read_state(directory: str) -> dict[str, object]:
    """What the last update recorded, as plain values of the right types ({} if none)."""
    state = load_state(directory)
    return state.to_json() if state.exists else {}


def write_state(directory: str, state: UpdateState, before_replace: Callable[[str], None] | None = None) -> None:
    """Commit an update or a rollback: written last, atomically, so it never names files that
    are not yet in place."""
    data = json.dumps(state.to_json(), indent=2, sort_keys=True).encode()
    atomic_write(os.path.join(directory, STATE_FILE), data, before_replace=before_replace)


# --- the verification cache ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Stamp:
    """Size and mtime of a dataset and its signature when the signature was last verified."""

    size: int
    mtime_ns: int
    sig_size: int
    sig_mtime_ns: int
    key_id: str

    @classmethod
    def of(cls, path: str, key_id: str) -> Stamp | None:
        try:
            data, sig = os.stat(path), os.stat(path + SIGNATURE_SUFFIX)
        except OSError:
            return None
        return cls(data.st_size, data.st_mtime_ns, sig.st_size, sig.st_mtime_ns, key_id)

    def matches(self, path: str) -> bool:
        now = Stamp.of(path, self.key_id)
        return now is not None and now == self


def read_stamps(directory: str) -> dict[str, Stamp]:
    """verified.json: file name -> Stamp; anything malformed is simply not a cache hit."""
    try:
        raw = json.loads(read_upto(os.path.join(directory, VERIFIED_FILE), MAX_STATE_BYTES))
    except (OSError, ValueError, RecursionError):
        return {}
    stamps: dict[str, Stamp] = {}
    if isinstance(raw, dict):
        for name, value in raw.items():
            try:
                stamp = Stamp(**value)
            except TypeError:
                continue
            numbers = (stamp.size, stamp.mtime_ns, stamp.sig_size, stamp.sig_mtime_ns)
            if all(type(n) is int for n in numbers) and isinstance(stamp.key_id, str):
                stamps[name] = stamp
    return stamps


def write_stamps(directory: str, stamps: Mapping[str, Stamp]) -> None:
    """Record verified files (raises OSError; lookups call it only best-effort). Not fsynced: a
    stamp lost in a crash only means one more signature check."""
    doc = {
        name: {
            "size": s.size,
            "mtime_ns": s.mtime_ns,
            "sig_size": s.sig_size,
            "sig_mtime_ns": s.sig_mtime_ns,
            "key_id": s.key_id,
        }
        for name, s in sorted(stamps.items())
    }
    atomic_write(os.path.join(directory, VERIFIED_FILE), json.dumps(doc, indent=1).encode(), durable=False)
