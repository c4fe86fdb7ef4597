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
