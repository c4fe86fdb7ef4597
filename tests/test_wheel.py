"""The package, not the checkout: build an sdist, build the wheel from it, install that wheel
into a new virtual environment and run a lookup there (the data must travel inside the wheel)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import offline_venv  # noqa: E402


def _build(hook: str, source: Path, out: Path) -> Path:
    code = f"from setuptools import build_meta as b; print(b.{hook}({str(out)!r}))"
    result = subprocess.run([sys.executable, "-c", code], cwd=source, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    return out / result.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("build")
    # Build from a copy: setuptools writes crisiscli.egg-info into the tree it builds, and two
    # test workers (or a developer's editor) must never race on the real checkout.
    source = tmp / "checkout"
    shutil.copytree(
        ROOT,
        source,
        symlinks=True,
        ignore=shutil.ignore_patterns(
            ".git", ".venv*", "__pycache__", "*.egg-info", "build", "dist", ".*_cache", ".hypothesis"
        ),
    )
    sdist = _build("build_sdist", source, tmp)
    with tarfile.open(sdist) as tar:
        names = tar.getnames()
        assert any(n.endswith("crisiscli/data/hotlines.json") for n in names)
        tar.extractall(tmp / "src", filter="data")
    [unpacked] = (tmp / "src").iterdir()
    return _build("build_wheel", unpacked, tmp / "dist")


def test_wheel_carries_the_data(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for needed in (
        "crisiscli/data/hotlines.json",
        "crisiscli/data/hotlines.schema.json",
        "crisiscli/data/countries.json",
        "crisiscli/py.typed",
    ):
        assert needed in names


def test_installed_wheel_runs_a_lookup(wheel, tmp_path, isolated):
    env_dir = tmp_path / "venv"
    py = offline_venv.install(wheel, env_dir) / "python"
    where = subprocess.run(
        [str(py), "-c", "import crisiscli; print(crisiscli.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=isolated,
        check=True,
    ).stdout
    assert where.startswith(str(env_dir))
    result = subprocess.run(
        [str(env_dir / "bin" / "crisiscli"), "lines", "GB", "--format", "json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=isolated,
    )
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["data"][0]["iso2"] == "GB"
    assert doc["dataset"]["origin"] == "bundled"
