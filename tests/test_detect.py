"""Detection precedence: env, config, time zone, locale, then nothing (never a guess)."""

from __future__ import annotations

import os

import pytest

from crisiscli.config import Config
from crisiscli.detect import detect, locale_territory, system_zone, zone_from_tz_value
from crisiscli.errors import UsageProblem

NOWHERE = "/nonexistent/localtime"


def _detect(env, config=None, localtime=NOWHERE, tzfile=NOWHERE):
    return detect(env, config or Config(path="c.toml"), localtime=localtime, timezone_file=tzfile)


def test_precedence():
    full = {"CRISISCLI_COUNTRY": "JP", "TZ": "Europe/Paris", "LANG": "de_DE.UTF-8"}
    assert _detect(full, Config(path="c", country="BR")).source == "env"
    del full["CRISISCLI_COUNTRY"]
    assert _detect(full, Config(path="c", country="BR")).iso2 == "BR"
    assert _detect(full).iso2 == "FR"
    del full["TZ"]
    assert _detect(full).iso2 == "DE"
    assert _detect(full).source == "locale"
    assert _detect({}).iso2 is None and _detect({}).source == "none"


@pytest.mark.parametrize(
    "value, zone",
    [
        (":Europe/Paris", "Europe/Paris"),
        ("/usr/share/zoneinfo/Asia/Tokyo", "Asia/Tokyo"),
        ("America/New_York", "America/New_York"),
        ("", None),
    ],
)
def test_tz_values(value, zone):
    assert zone_from_tz_value(value) == zone


def test_localtime_symlink(tmp_path):
    link = tmp_path / "localtime"
    os.symlink("/usr/share/zoneinfo/Asia/Tokyo", link)
    assert system_zone(str(link), NOWHERE) == "Asia/Tokyo"
    assert _detect({}, localtime=str(link)).iso2 == "JP"


def test_debian_timezone_file(tmp_path):
    tzfile = tmp_path / "timezone"
    tzfile.write_text("Europe/Berlin\n")
    assert _detect({}, tzfile=str(tzfile)).iso2 == "DE"


def test_utc_and_posix_locale_mean_nothing():
    assert _detect({"TZ": "UTC", "LANG": "C.UTF-8"}).iso2 is None
    assert locale_territory({"LC_ALL": "POSIX"}) is None
    assert locale_territory({"LANG": "en"}) is None
    assert locale_territory({"LC_ALL": "", "LANG": "en_GB.UTF-8"}) == ("GB", "en_GB.UTF-8")


def test_bad_values_are_usage_errors():
    with pytest.raises(UsageProblem):
        _detect({"CRISISCLI_COUNTRY": "Narnia"})
    with pytest.raises(UsageProblem):
        _detect({}, Config(path="c.toml", country="Narnia"))
