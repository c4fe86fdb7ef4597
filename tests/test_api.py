"""The public Python API works as the README shows it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import crisiscli


def test_readme_example_runs(capsys):
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    example = re.search(r"## Python API\n\n```python\n(.*?)```", readme, re.S).group(1)
    exec(compile(example, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert out.startswith("112\n") and "TelefonSeelsorge" in out


def test_api_pieces():
    dataset = crisiscli.load_dataset()
    assert crisiscli.resolve_country("uk") == "GB"
    with pytest.raises(crisiscli.UnknownCountry):
        crisiscli.resolve_country("germny")
    gb = dataset.country("GB")
    lines = crisiscli.find_lines(gb, crisiscli.make_filters(topic="suicide"))
    assert lines and all("suicide" in line.topics for line in lines)
    with pytest.raises(crisiscli.UsageProblem):
        crisiscli.make_filters(channel="pigeon")
    assert gb.to_dict()["iso2"] == "GB"
    with pytest.raises(AttributeError):
        gb.name = "x"  # immutable


def test_every_public_name_loads_on_first_use():
    assert set(crisiscli.__all__) == {*crisiscli._EXPORTS, "__version__"}
    for name in crisiscli.__all__:
        assert getattr(crisiscli, name) is not None
