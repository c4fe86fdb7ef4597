"""Start-up benchmark: a lookup against the cost of importing Click, measured in the same run.

Why ratios: absolute times depend on the machine; the ratio to `python -c "import click"`, measured
in the same run, shows what crisiscli itself adds. Targets: <= 1.3. The table path's target was
set against `import click, tabulate` (issue #14); crisiscli no longer uses tabulate, so it is held
to the stricter `import click` too, and the original ratio is printed when tabulate is installed
(pip install -e '.[bench]').

    python bench/startup.py [--runs 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def install_regular(tmp: Path) -> str:
    """A normal (not editable) install of this checkout, as users get it, downloading nothing."""
    sys.path.insert(0, str(ROOT / "tools"))
    from offline_venv import install

    return str(install(ROOT, tmp / "venv", build_isolation=False) / "crisiscli")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp()
    script = install_regular(Path(tmp))
    # A user's environment: HOME-based config and data dirs (platformdirs is exercised), no country.
    env = {**os.environ, "HOME": tmp, "XDG_CONFIG_HOME": f"{tmp}/config", "XDG_DATA_HOME": f"{tmp}/data", "TZ": "UTC"}
    for key in ("CRISISCLI_DATA_DIR", "CRISISCLI_CONFIG_DIR", "CRISISCLI_COUNTRY"):
        env.pop(key, None)
    python = str(Path(script).parent / "python")
    with_tabulate = subprocess.run([python, "-c", "import tabulate"], env=env, capture_output=True).returncode == 0
    commands = {
        "import click": [python, "-c", "import click"],
        **({"import click, tabulate": [python, "-c", "import click, tabulate"]} if with_tabulate else {}),
        "lines GB --format json": [script, "lines", "GB", "--format", "json"],
        "lines GB (table)": [script, "lines", "GB"],
        "--help": [script, "--help"],
        "now GB": [script, "now", "GB"],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for cmd in commands.values():  # warm the file cache once
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, check=True)
    for _ in range(args.runs):  # alternate so drift hits every command alike
        for name, cmd in commands.items():
            start = time.perf_counter()
            subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, check=True)
            times[name].append(time.perf_counter() - start)
    med = {name: statistics.median(values) * 1000 for name, values in times.items()}
    for name, value in med.items():
        print(f"{name:28s} median {value:7.1f} ms over {args.runs} runs")
    ratios = [
        ("lines GB --format json", "import click"),
        ("lines GB (table)", "import click"),
        ("--help", "import click"),
        ("now GB", "import click"),
        *([("lines GB (table)", "import click, tabulate")] if with_tabulate else []),
    ]
    for name, base in ratios:
        print(f"ratio {name:24s} / {base:24s} {med[name] / med[base]:.2f}  (target <= 1.3)")


if __name__ == "__main__":
    main()
