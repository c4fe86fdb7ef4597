"""A fresh virtual environment with crisiscli installed from a wheel or a checkout, without
downloading anything: the dependencies are borrowed from the running environment.

Used by tests/test_wheel.py (does the package carry its data?) and bench/startup.py (how fast
is a normal, not editable, install?).
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
from pathlib import Path


def install(target: str | Path, env_dir: Path, build_isolation: bool = True) -> Path:
    """Create `env_dir`, install `target` (a wheel or a source folder) with --no-deps, and return
    the venv's bin folder. Dependencies come in through a path entry, not the running
    environment's .pth files, so an editable checkout of crisiscli stays invisible."""
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    site = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(site) / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    extra = [] if build_isolation else ["--no-build-isolation"]
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(py),
            "install",
            "-q",
            "--no-deps",
            *extra,
            "--no-index",
            str(target),
        ],
        check=True,
        capture_output=True,
    )
    return env_dir / "bin"
