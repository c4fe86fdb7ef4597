"""Bad input: a clear message, the documented exit code, never a traceback."""

from __future__ import annotations

import os
import subprocess

import pytest
from conftest import BIN
from hypothesis import given, settings
from hypothesis import strategies as st


@pytest.mark.parametrize(
    "args, code",
    [
        (["lines", ""], 2),
        (["lines", "x" * 10_000], 2),
        (["lines", "\x1b]0;pwned\x07\x1b[2J"], 2),
        (["lines", "GB", "--format", "xml"], 2),
        (["lines", "GB", "--topic", "nope"], 2),
        (["lines", "GB", "--audience", "martians"], 2),
        (["lines", "GB", "--channel", "pigeon"], 2),
        (["lines", "GB", "--language", "!!"], 2),
        (["nosuchcommand"], 2),
        (["lines", "--bogus-option"], 2),
    ],
)
def test_bad_arguments(run, args, code):
    result = run(*args)
    assert result.returncode == code
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("crisiscli:") or "Error" in result.stderr
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert len(result.stderr) < 2000  # a 10,000-character argument is not echoed back whole


def test_invalid_utf8_argument(isolated):
    result = subprocess.run([os.fsencode(BIN), b"lines", b"\xff\xfe\x80"], env=isolated, capture_output=True)
    assert result.returncode == 2
    assert b"Traceback" not in result.stderr
    assert b"\xff" not in result.stderr


def test_unknown_command_suggests(run):
    result = run("line", "GB")
    assert result.returncode == 2
    assert "lines" in result.stderr


def test_unencodable_terminal_does_not_crash(run):
    result = run("lines", "JP", env={"PYTHONIOENCODING": "ascii"})
    assert result.returncode == 0
    assert "Traceback" not in result.stderr


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=60))
def test_any_country_argument_gives_a_documented_exit(text):
    import tempfile
    from pathlib import Path

    from conftest import base_env, invoke

    with tempfile.TemporaryDirectory() as tmp:  # a fresh user dir per example, in this process
        result = invoke("lines", "--", text, env=base_env(Path(tmp)))
    assert result.returncode in (0, 2, 3)
    assert "Traceback" not in result.stderr
