"""Read small files the user or another program may have broken, without ever blocking.

Why its own module: a config, a state file or a dataset path can be a FIFO, a directory, a
symlink to a device or a huge file. `open()` on a FIFO waits for a writer forever, and a crisis
lookup must never wait, so every such read goes through here.
"""

from __future__ import annotations

import os
import stat


class NotARegularFile(OSError):
    """The path exists but is a directory, FIFO, socket or device: nothing to read."""


class TooLarge(OSError):
    """The file is larger than the caller allows."""


def read_regular(path: str, limit: int) -> bytes:
    """The bytes of `path` if it is a regular file of at most `limit` bytes.

    Raises FileNotFoundError, NotARegularFile, TooLarge or another OSError. O_NONBLOCK makes
    opening a FIFO return at once; fstat on the open descriptor closes the race with a swap."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotARegularFile(f"{path} is not a regular file")
        if info.st_size > limit:
            raise TooLarge(f"{path} is larger than {limit} bytes")
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise TooLarge(f"{path} is larger than {limit} bytes")
        return b"".join(chunks)
    finally:
        os.close(fd)
