"""Detection you can see (`crisiscli where`) and shell completion through Click."""

from __future__ import annotations

import json


def test_where_says_country_reason_and_how_to_change(run):
    result = run("where", env={"TZ": "Asia/Tokyo"})
    assert result.returncode == 0
    assert "Japan (JP), from your time zone Asia/Tokyo." in result.stdout
    assert "CRISISCLI_COUNTRY" in result.stdout and "config.toml" in result.stdout
    doc = json.loads(run("where", "--json", env={"CRISISCLI_COUNTRY": "fr"}).stdout)
    assert doc["data"]["iso2"] == "FR" and doc["country_source"] == "env"


def test_where_with_nothing_known_does_not_guess(run):
    out = run("where").stdout
    assert "No country is known" in out


def test_tz_tokyo_lines(run):
    result = run("lines", env={"TZ": "Asia/Tokyo"})
    assert "Japan" in result.stdout and "from your time zone Asia/Tokyo" in result.stderr


def _complete(run, words: str, cword: int) -> list[str]:
    result = run(env={"COMP_WORDS": words, "COMP_CWORD": str(cword), "_CRISISCLI_COMPLETE": "bash_complete"})
    assert result.returncode == 0
    return [line.split(",", 1)[1] for line in result.stdout.splitlines() if "," in line]


def test_completion_of_commands_countries_topics_and_options(run):
    assert "lines" in _complete(run, "crisiscli li", 1)
    assert "Germany" in _complete(run, "crisiscli lines germ", 2)
    assert "GB" in _complete(run, "crisiscli lines g", 2)
    assert "Côte d’Ivoire" in _complete(run, "crisiscli now cote", 2)
    assert "myths-and-stigma" in _complete(run, "crisiscli about my", 2)
    assert "ground-54321" in _complete(run, "crisiscli coping gro", 2)
    assert "--open-now" in _complete(run, "crisiscli lines --op", 2) or "--format" in _complete(
        run, "crisiscli lines --fo", 2
    )
