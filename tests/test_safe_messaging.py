"""Every string crisiscli can print is checked against the safe-messaging banned patterns."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from banned import violations

from crisiscli.dataset import BUNDLED_PATH

# Retired numbers are kept (previous_numbers[].digits) so the tool can say "that number changed";
# they are never printed as a way to get help, so those digits are exempt. Their notes are not.


def _printable_strings(value, path="$"):
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _printable_strings(v, f"{path}[{i}]")
    elif isinstance(value, dict):
        for k, v in value.items():
            if k in ("url", "title", "publisher", "sources") or (k == "digits" and "previous_numbers" in path):
                continue
            yield from _printable_strings(v, f"{path}.{k}")


def test_checker_catches_what_it_should():
    assert violations("He committed suicide") == ["L-01"]
    assert "H-01" in violations("call 1-800-273-8255")
    assert "H-03" in violations("Press 3 for LGBTQ+")
    assert violations("It's just attention-seeking", myth=True) == []
    assert violations("Call 988 or text 988") == []
    assert violations("died by suicide") == []


def test_dataset_text_is_clean():
    raw = json.loads(Path(BUNDLED_PATH).read_text(encoding="utf-8"))
    bad = [(path, text, v) for path, text in _printable_strings(raw) if (v := violations(text))]
    assert bad == []


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--help"],
        ["lines", "--help"],
        ["countries", "--help"],
        ["lines", "GB"],
        ["lines", "US"],
        ["lines", "--all"],
        ["lines", "germny"],
        ["lines", "GB", "--topic", "x"],
        ["lines"],
        ["lines", "BV"],
        ["countries", "--format", "table"],
    ],
)
def test_screens_and_errors_are_clean(run, args):
    result = run(*args)
    assert violations(result.stdout) == []
    assert violations(result.stderr) == []


def _commands(run, prefix=()):
    """Every command and subcommand name, read from the real --help screens."""
    out = run(*prefix, "--help").stdout
    names = []
    if "Commands:" in out:
        for line in out.split("Commands:", 1)[1].split("\n\n", 1)[0].splitlines():
            if line.startswith("  ") and line.strip():
                name = line.split()[0]
                names.append((*prefix, name))
                names.extend(_commands(run, (*prefix, name)))
    return names


def test_every_help_screen_is_clean(run):
    commands = _commands(run)
    assert ("lines",) in commands and ("plan", "show") in commands
    for command in commands:
        result = run(*command, "--help")
        assert result.returncode == 0, command
        assert violations(result.stdout) == [], command


def test_every_string_in_the_code_is_clean():
    """String constants in the package: messages, prompts, option help, even ones hard to reach.
    Docstrings are left to the --help test above: the ones people see are command help."""
    import ast

    package = Path(__file__).resolve().parent.parent / "crisiscli"
    bad = []
    for path in package.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(n.body[0].value)
            for n in ast.walk(tree)
            if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
            and n.body
            and isinstance(n.body[0], ast.Expr)
            and isinstance(n.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings
                and (v := violations(node.value))
            ):
                bad.append((path.name, node.lineno, v))
    assert bad == []


def test_every_guide_screen_is_clean():
    """Each topic and strategy as it is shown (short and full sources), and `now` for every country
    with --young, through the same checker: wording added around the data is checked too."""
    from crisiscli import guide, render_guide
    from crisiscli.dataset import load_active
    from crisiscli.query import find_lines

    bad = []
    for topic in guide.topics():
        for full in (False, True):
            page = render_guide.topic_page(topic, 80, False, full)
            text = page if not full else page.split("\nSources:\n")[0]  # source titles are publishers' words
            bad += [(topic.id, v) for v in violations(text, myth=bool(topic.myths))]
    for strategy in guide.strategies():
        bad += [(strategy.id, v) for v in violations(render_guide.strategy_page(strategy, 80, False))]
    dataset = load_active()
    for code in ("GB", "US", "FR", "JP", "BR", "IN", "AU", "DE"):
        record = dataset.country(code)
        lines = find_lines(record)
        page = render_guide.now_page(record, lines[:2], guide.grounding_step(), True, 80, False, lines)
        bad += [(code, v) for v in violations(page)]
    assert bad == []
