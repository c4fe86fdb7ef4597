"""Read small files the user or another program may have broken, without ever blocking.

Why its own module: a config, a state file, an installed dataset or the plan can be replaced by
a FIFO, a directory, a symlink to a device or a huge file. `open()` on a FIFO waits for a writer
forever, and a crisis lookup must never wait, so every read of such a path goes through here.
(Files the user names on the command line, like `--from-file <(...)`, may well be pipes and are
read as they are.)
"""

from __future__ import annotations

import os
import stat
from typing import BinaryIO


class NotARegularFile(OSError):
    """The path exists but is a directory, FIFO, socket or device: nothing to read."""


class TooLarge(OSError):
    """The file is larger than the caller allows."""


def open_regular(path: str) -> int:
    """A read-only descriptor for `path` if it is a regular file, else NotARegularFile (an
    OSError). O_NONBLOCK makes opening a FIFO return at once; fstat on the open descriptor
    closes the race with a swap."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise NotARegularFile(f"{path} is not a regular file")
    return fd


def read_at_most(fh: BinaryIO, size: int) -> bytes:
    """At most `size` bytes of an open file. Why not `fh.read(size)`: that allocates `size`
    bytes up front, and the dataset limit is 16 MiB for a 2 MB file. The file's own size (plus
    one byte, to see growth) is read first; a pipe, whose size is 0, is read on after that."""
    hint = min(size, os.fstat(fh.fileno()).st_size + 1)
    data = fh.read(hint)
    if len(data) == hint < size:
        data += fh.read(size - hint)
    return data


def read_upto(path: str, size: int) -> bytes:
    """At most `size` bytes of the regular file `path` (like `open(path, "rb").read(size)`)."""
    with os.fdopen(open_regular(path), "rb") as fh:
        return read_at_most(fh, size)


def read_regular(path: str, limit: int) -> bytes:
    """The bytes of `path` if it is a regular file of at most `limit` bytes, else
    FileNotFoundError, NotARegularFile, TooLarge or another OSError."""
    data = read_upto(path, limit + 1)
    if len(data) > limit:
        raise TooLarge(f"{path} is larger than {limit} bytes")
    return data
