"""User directories and safe writes.

Why one module: the safety plan and downloaded datasets must never be half-written, readable by
others, or lost to a crash or a full disk; every write goes through atomic_write() here.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

from .config import data_dir


def user_data_dir(env: Mapping[str, str]) -> str:
    """The user data directory (CRISISCLI_DATA_DIR overrides), created private (0700) if missing."""
    path = data_dir(env)
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path


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


def atomic_write(path: str, data: bytes, mode: int = 0o600,
                 before_replace: Callable[[str], None] | None = None) -> None:
    """Write `data` to `path` so that readers see the old file or the new one, never a mix.

    The temporary file is created in the same directory with `mode` from the start (no moment
    where it is readable by others), flushed and fsynced, then renamed over `path`, and the
    directory is fsynced. On any error the temporary file is removed and `path` is untouched.
    `before_replace` is a test hook called with the temporary path just before the rename.
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
            os.fsync(fh.fileno())
        if before_replace is not None:
            before_replace(tmp)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    fsync_dir(directory)


STATE_FILE = "state.json"
CURRENT_FILE = "hotlines.json"
PREVIOUS_FILE = "hotlines.prev.json"
SIGNATURE_SUFFIX = ".minisig"
LOCK_FILE = "update.lock"


def read_state(directory: str) -> dict[str, object]:
    """What the last update recorded; an empty dict if there is none or it is unreadable."""
    import json

    try:
        with open(os.path.join(directory, STATE_FILE), "rb") as fh:
            state = json.loads(fh.read(64 * 1024))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def write_state(directory: str, state: Mapping[str, object]) -> None:
    """Record an update; written last, atomically, so it never describes files not yet in place."""
    import json

    atomic_write(os.path.join(directory, STATE_FILE), json.dumps(dict(state), indent=2, sort_keys=True).encode())
