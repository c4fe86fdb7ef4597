"""Country resolution: every ISO country, many spellings, and never a crash."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crisiscli import countries
from crisiscli.errors import UnknownCountry


@pytest.mark.parametrize(
    "text, code",
    [
        ("uk", "GB"),
        ("UK", "GB"),
        ("England", "GB"),
        ("gbr", "GB"),
        ("USA", "US"),
        ("us", "US"),
        ("United States", "US"),
        ("Deutschland", "DE"),
        ("España", "ES"),
        ("espana", "ES"),
        ("ESPAÑA", "ES"),
        ("South Korea", "KR"),
        ("Côte d'Ivoire", "CI"),
        ("Cote d'Ivoire", "CI"),
        ("Côte d’Ivoire", "CI"),
        ("ivory coast", "CI"),
        ("  france  ", "FR"),
        ("日本", "JP"),
        ("Türkiye", "TR"),
        ("turkey", "TR"),
        ("Holland", "NL"),
        ("Schweiz", "CH"),
        ("Suisse", "CH"),
        ("Brasil", "BR"),
        ("México", "MX"),
        ("mexico", "MX"),
        ("Россия", "RU"),
        ("Україна", "UA"),
    ],
)
def test_resolves_common_spellings(text, code):
    assert countries.resolve(text) == code


def test_every_iso_country_resolves_by_code_and_name():
    table = countries.all_countries()
    assert len(table) == 249
    for c in table:
        assert countries.resolve(c.iso2) == c.iso2
        assert countries.resolve(c.iso2.lower()) == c.iso2
        assert countries.resolve(c.iso3) == c.iso2
        assert countries.resolve(c.name) == c.iso2, c.name


def test_typo_suggests():
    with pytest.raises(UnknownCountry) as info:
        countries.resolve("germny")
    assert "Germany" in info.value.suggestions
    assert "did you mean" in info.value.message


@pytest.mark.parametrize("text", ["", "   ", "x" * 10_000, "\x1b[31mred", "Atlantis"])
def test_bad_text_is_a_clean_error(text):
    with pytest.raises(UnknownCountry):
        countries.resolve(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_resolution_is_total(text):
    """Any text gives a country or a clean UnknownCountry, never another exception."""
    try:
        code = countries.resolve(text)
    except UnknownCountry as exc:
        assert exc.exit_code == 2
    else:
        assert countries.is_iso2(code)


def test_timezones_map_to_countries():
    assert countries.timezone_country("Europe/Paris") == "FR"
    assert countries.timezone_country("Asia/Calcutta") == "IN"  # old alias
    assert countries.timezone_country("Europe/Amsterdam") == "NL"  # a link since 2022, still NL
    assert countries.timezone_country("UTC") is None


def test_the_code_list_for_fast_lookups_is_the_iso_table():
    """`lookup("GB")` answers from a constant so a lookup never loads the name table; the
    constant must hold exactly the table's codes."""
    assert {c.iso2 for c in countries.all_countries()} == countries._ISO2
