"""Where the package's own files are: computed once, so every reader agrees (wheel, sdist and
editable install alike)."""

from __future__ import annotations

import os

DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
# Files in the user's data directory, named once: a lookup checks they exist without importing
# the modules that read them (store, plan).
STATE_FILE = "state.json"
PLAN_FILE = "plan.json"


def data_file(*parts: str) -> str:
    """A file shipped in crisiscli/data/ (hotlines.json, keys/current.pub ...)."""
    return os.path.join(DATA_DIR, *parts)


def close_matches(word: str, choices: list[str] | tuple[str, ...], n: int = 3, cutoff: float = 0.6) -> list[str]:
    """The choices that look like `word`, best first: the one "did you mean" rule for countries,
    commands, topics, strategies, plan sections, line ids and search words. difflib loads only
    when something was mistyped."""
    import difflib

    return difflib.get_close_matches(word, list(choices), n=n, cutoff=cutoff)
