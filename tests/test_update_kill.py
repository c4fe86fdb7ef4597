"""Kill `crisiscli update` and `update --rollback` at every step, the way a power cut would.

Each run is a real process told by CRISISCLI_TEST_DIE_AT to call os._exit at one step (after
taking the lock, after verifying, before and after each rename, after the state write, after the
clean-up). Whatever step it died at: a lookup shows the newest committed verified dataset with no
warning, `--rollback` returns to the one before it, the copy to roll back to is never touched
before the new state is committed, and the next update works and leaves no temporary file.

Speed: every killed run would spend a second validating the same dataset before it reaches the
steps that matter. So one helper process imports crisiscli and validates the dataset once, then
forks a child per step; each child is a separate process that runs the real `crisiscli` entry
point and dies at its step. POSIX only (fork); elsewhere the runs are separate processes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import BIN, base_env, invoke
from signing import dataset_bytes
from updating import BASE, BODY_V3, make_doc

from crisiscli.update import DIE_AT_ENV, DIE_EXIT_CODE, STEPS

pytest_plugins = ("updating",)  # its fixtures: key, installed, run, upd, tls
V4 = BASE + 3
BODY_V4 = dataset_bytes(make_doc(V4, "never lands unless committed"))
COMMIT = STEPS.index("state-renamed")  # from this step on, the new state is the committed one


def _env(root: Path, keyfile: Path) -> dict[str, str]:
    return {**base_env(root), "CRISISCLI_TRUSTED_KEYS": str(keyfile)}


@pytest.fixture(scope="session")
def two_updates(installed_template, key, tmp_path_factory) -> Path:
    """A machine with dataset BASE+2 current and BASE+1 as the previous copy."""
    root = tmp_path_factory.mktemp("two-updates")
    shutil.copytree(installed_template, root / "data", copy_function=shutil.copy2)
    keyfile = key.write_public(root / "test.pub")
    (root / "v3.json").write_bytes(BODY_V3)
    (root / "v3.json.minisig").write_bytes(key.sign(BODY_V3))
    result = invoke("update", "--file", str(root / "v3.json"), env=_env(root, keyfile))
    assert result.returncode == 0, result.stderr
    return root / "data"


def _machine(two_updates: Path, root: Path, key) -> tuple[dict[str, str], Path]:
    root.mkdir()
    shutil.copytree(two_updates, root / "data", copy_function=shutil.copy2)
    keyfile = key.write_public(root / "test.pub")
    return _env(root, keyfile), root


FORKER = r"""
import json, os, sys
jobs = json.loads(sys.argv[1])
if jobs["warm"]:
    from datetime import date
    import hashlib
    from crisiscli.dataset import parse_strict
    from crisiscli.update import validate_safely
    data = open(jobs["warm"], "rb").read()
    validate_safely(parse_strict(data), date.fromisoformat(jobs["today"]), hashlib.sha256(data).hexdigest())
from crisiscli.cli import main
results = {}
for step, env in jobs["runs"].items():
    pid = os.fork()
    if pid == 0:  # the child: a process of its own, running the console script's entry point
        log = os.open(env["LOG"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.environ.clear()
        os.environ.update(env)
        try:
            main(jobs["argv"])
        except SystemExit as exc:
            os._exit(exc.code if isinstance(exc.code, int) else 1)
        finally:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    results[step] = os.waitstatus_to_exitcode(status)
print(json.dumps(results))
"""


def _kill_each(machines: dict[str, tuple[dict[str, str], Path]], argv: list[str], warm: Path | None) -> None:
    """Run `crisiscli ARGV` once per machine, each told to die at the step it is keyed by."""
    runs = {step: {**env, DIE_AT_ENV: step, "LOG": str(root / "log")} for step, (env, root) in machines.items()}
    if hasattr(os, "fork"):
        jobs = {
            "runs": runs,
            "argv": argv,
            "warm": str(warm) if warm else None,
            "today": next(iter(runs.values()))["CRISISCLI_NOW"][:10],
        }
        done = subprocess.run(
            [sys.executable, "-c", FORKER, json.dumps(jobs)],
            capture_output=True,
            text=True,
            timeout=120,
            env=next(iter(runs.values())),
        )
        assert done.returncode == 0, done.stderr
        codes = json.loads(done.stdout.strip().splitlines()[-1])
    else:  # pragma: no cover - Windows
        codes = {
            step: subprocess.run([str(BIN), *argv], env=env, capture_output=True, timeout=120).returncode
            for step, env in runs.items()
        }
    for step, code in codes.items():
        log = (
            (machines[step][1] / "log").read_text(encoding="utf-8", errors="replace")
            if (machines[step][1] / "log").exists()
            else ""
        )
        assert code == DIE_EXIT_CODE, (step, code, log)


def _files(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (root / "data").iterdir() if p.name != "update.lock"}


def _version_and_warnings(env: dict[str, str]) -> tuple[int, str]:
    result = invoke("lines", "GB", "--json", env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["dataset"]["version"], result.stderr


def _numbers(env: dict[str, str]) -> list:
    doc = json.loads(invoke("lines", "GB", "US", "--json", env=env).stdout)
    return [(s["emergency"], s["lines"]) for s in doc["data"]]


def _previous_copy(root: Path) -> bytes:
    state = json.loads((root / "data" / "state.json").read_text(encoding="utf-8"))
    return (root / "data" / state["previous"]["file"]).read_bytes()


def test_killing_an_update_at_any_step_loses_nothing(two_updates, key, tmp_path):
    machines = {step: _machine(two_updates, tmp_path / step, key) for step in STEPS}
    previous_before = _previous_copy(next(iter(machines.values()))[1])
    shared = tmp_path / "v4.json"
    shared.write_bytes(BODY_V4)
    (tmp_path / "v4.json.minisig").write_bytes(key.sign(BODY_V4))
    numbers_before = _numbers(next(iter(machines.values()))[0])
    _kill_each(machines, ["update", "--file", str(shared)], warm=shared)

    for index, step in enumerate(STEPS):
        env, root = machines[step]
        committed = index >= COMMIT
        version, warnings = _version_and_warnings(env)
        assert (step, version, warnings) == (step, V4 if committed else BASE + 2, "")
        if not committed:
            assert _numbers(env) == numbers_before, step  # the very same numbers as before the kill
        if not committed:  # the copy to roll back to was not touched before the commit
            assert _previous_copy(root) == previous_before, step
        rolled = invoke("update", "--rollback", env=env)
        assert rolled.returncode == 0, (step, rolled.stderr)
        version, warnings = _version_and_warnings(env)
        assert (step, version, warnings) == (step, BASE + 2 if committed else BASE + 1, "")
        again = invoke("update", "--file", str(shared), env=env)
        assert again.returncode == 0 and f"Installed dataset {V4}" in again.stdout, (step, again.stderr)
        assert _version_and_warnings(env) == (V4, "")
        assert not [name for name in _files(root) if name.startswith(".tmp-")], step
        names = {name for name in _files(root) if name.startswith("hotlines-")}
        assert len(names) == 4, (step, names)  # current and previous, each with its signature


ROLLBACK_STEPS = ("locked", "state-written", "state-renamed", "cleaned-after")


def test_killing_a_rollback_at_any_step_loses_nothing(two_updates, key, tmp_path):
    machines = {step: _machine(two_updates, tmp_path / step, key) for step in ROLLBACK_STEPS}
    _kill_each(machines, ["update", "--rollback"], warm=None)
    for step, (env, _root) in machines.items():
        committed = ROLLBACK_STEPS.index(step) >= ROLLBACK_STEPS.index("state-renamed")
        assert _version_and_warnings(env) == (BASE + 1 if committed else BASE + 2, ""), step
        rolled = invoke("update", "--rollback", env=env)
        assert rolled.returncode == 0, (step, rolled.stderr)
        assert _version_and_warnings(env) == (BASE if committed else BASE + 1, ""), step
