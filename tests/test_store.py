"""Atomic, private writes: the old file or the new one, never a mix, never world-readable."""

from __future__ import annotations

import os
import stat

import pytest

from crisiscli.store import atomic_write, user_data_dir


def test_writes_and_replaces(tmp_path):
    target = tmp_path / "f.json"
    atomic_write(str(target), b"one")
    atomic_write(str(target), b"two")
    assert target.read_bytes() == b"two"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["f.json"]


def test_private_even_with_a_loose_umask(tmp_path):
    old = os.umask(0)
    try:
        atomic_write(str(tmp_path / "f"), b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "f").stat().st_mode) == 0o600


def test_failure_before_replace_leaves_old_file_and_no_temp(tmp_path):
    target = tmp_path / "f.json"
    target.write_bytes(b"good")

    def boom(_tmp: str) -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        atomic_write(str(target), b"new", before_replace=boom)
    assert target.read_bytes() == b"good"
    assert [p.name for p in tmp_path.iterdir()] == ["f.json"]


def test_user_data_dir_is_created_private(tmp_path):
    path = user_data_dir({"CRISISCLI_DATA_DIR": str(tmp_path / "d")})
    assert os.path.isdir(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o700


def test_read_at_most_reads_files_and_pipes_up_to_the_limit(tmp_path):
    """Sized by the file, not the limit, yet a pipe (size 0) and a file over the limit still
    give exactly what `read(limit)` would."""
    import os
    import threading

    from crisiscli.files import read_at_most

    path = tmp_path / "data"
    path.write_bytes(b"x" * 5000)
    with open(path, "rb") as fh:
        assert read_at_most(fh, 10**6) == b"x" * 5000
    with open(path, "rb") as fh:
        assert read_at_most(fh, 100) == b"x" * 100
    read_end, write_end = os.pipe()
    writer = threading.Thread(target=lambda: (os.write(write_end, b"y" * 3000), os.close(write_end)))
    writer.start()
    with os.fdopen(read_end, "rb") as fh:
        assert read_at_most(fh, 2001) == b"y" * 2001
    writer.join()
