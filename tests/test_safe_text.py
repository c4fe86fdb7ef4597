"""A dataset full of terminal escapes, bidi controls and carriage returns prints none of them."""

from __future__ import annotations

import copy
import io
import json
from datetime import date

from crisiscli import render
from crisiscli.dataset import Dataset, load_bundled
from crisiscli.query import find_lines, help_line

HOSTILE = [
    "\x1b]0;owned\x07",
    "\x1b[2J",
    "\r",
    "\u202e",
    "\u2066",
    "\x9b31m",
    "\u2028",
    "\ufeff",
    "\x1b]8;;https://evil.example\x07",
    "\x00",
    "\x7f",
    "\udcff",
]
FORBIDDEN = {"\x1b", "\x07", "\r", "\u202e", "\u2066", "\x9b", "\u2028", "\ufeff", "\x00", "\x7f", "\udcff"}


_COUNTER = [0]


def _poison(value, i=_COUNTER):
    if isinstance(value, str):
        i[0] += 1
        return HOSTILE[i[0] % len(HOSTILE)] + value + HOSTILE[(i[0] + 3) % len(HOSTILE)]
    if isinstance(value, list):
        return [_poison(v) for v in value]
    if isinstance(value, dict):
        return {
            k: (v if k in ("always_open", "primary", "requires_registration", "interpreter") else _poison(v))
            for k, v in value.items()
        }
    return value


def hostile_dataset() -> Dataset:
    raw = copy.deepcopy(load_bundled().raw)
    raw["countries"] = {code: _poison(c) for code, c in raw["countries"].items() if code in ("GB", "US", "JP")}
    raw["fallback"] = _poison(raw["fallback"])
    return Dataset(raw, origin="bundled", path="hostile.json")


def _clean(text: str) -> None:
    bad = FORBIDDEN & set(text)
    assert not bad, f"unsafe characters reached output: {bad!r}"


def test_safe_text_replaces_everything_dangerous():
    for item in HOSTILE:
        _clean(render.safe_text(item))
        _clean(render.safe_text(item, multiline=True))
    assert render.safe_text("a\tb\nc") == "a b c"
    assert render.safe_text("a\nb", multiline=True) == "a\nb"
    assert render.safe_text("Zürich 116 123") == "Zürich 116 123"


def test_every_format_is_clean():
    dataset = hostile_dataset()
    out, err = io.StringIO(), io.StringIO()
    screen = render.Screen(out=out, err=err, color=True, width=80)
    sections = [(c, find_lines(c)) for c in dataset.countries()]
    today = date(2026, 11, 29)
    screen.data(render.lines_table(sections, screen, today=today))
    screen.data(render.lines_records(sections, "plain", today))
    screen.data(render.lines_records(sections, "csv", today))
    from crisiscli import render_guide

    for c in dataset.countries():
        screen.data(render_guide.now_page(c, find_lines(c), "breathe", True, 80, False, find_lines(c)))
    for c in dataset.countries():
        screen.data(render.footer(c, help_line(c), dataset.fallback.get("url"), 80))
    screen.data(render.footer(None, None, dataset.fallback.get("url"), 80))
    screen.talk("notice \x1b[2J\r")
    screen.error("error \u202e\x07")
    envelope = render.envelope("lines", [c.to_dict() for c in dataset.countries()], None)
    screen.data(envelope)
    text = out.getvalue().replace("\x1b[1m", "").replace("\x1b[1;31m", "").replace("\x1b[0m", "")
    _clean(text)
    _clean(err.getvalue())
    assert json.loads(envelope)["data"]  # still valid JSON, control characters escaped
