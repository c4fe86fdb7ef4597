"""Which country a lookup is for when the user did not say.

Why visible and ordered: a volunteer must never be handed another country's line without knowing
it. Each step is announced with its reason (DESIGN.md: env, config, time zone, locale), and when
nothing is known we say so instead of guessing.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from . import countries
from .config import Config
from .errors import UsageProblem
from .records import NamedTuple

LOCALTIME = "/etc/localtime"
TIMEZONE_FILE = "/etc/timezone"


class Detected(NamedTuple):
    """A country (or None) and why: source is argument, env, config, timezone, locale or none."""

    iso2: str | None
    source: str
    detail: str = ""

    def reason(self) -> str:
        """Human wording for the stderr announcement."""
        return {
            "argument": "as you asked",
            "env": f"from CRISISCLI_COUNTRY={self.detail}",
            "config": f"from {self.detail}",
            "timezone": f"from your time zone {self.detail}",
            "locale": f"from your locale {self.detail}",
        }.get(self.source, "")


def zone_from_tz_value(value: str) -> str | None:
    """IANA name from a TZ value: ':Europe/Paris', '/usr/share/zoneinfo/Europe/Paris' or 'Europe/Paris'."""
    value = value.strip().lstrip(":")
    if "zoneinfo/" in value:
        value = value.split("zoneinfo/", 1)[1]
    return value or None


def system_zone(localtime: str = LOCALTIME, timezone_file: str = TIMEZONE_FILE) -> str | None:
    """The zone of /etc/localtime (a link into zoneinfo), else /etc/timezone (Debian)."""
    try:
        target = os.readlink(localtime)
        zone = zone_from_tz_value(target)
        if zone:
            return zone
    except OSError:
        pass
    try:
        with open(timezone_file, encoding="utf-8") as fh:
            return fh.read(200).strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def locale_territory(env: Mapping[str, str]) -> tuple[str, str] | None:
    """(ISO code, locale) from LC_ALL, LC_MESSAGES or LANG; C and POSIX mean nothing."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var, "")
        if not value:
            continue
        base = value.split(".")[0].split("@")[0]
        if base in ("C", "POSIX") or "_" not in base:
            return None
        territory = base.split("_", 1)[1].upper()
        if countries.is_iso2(territory):
            return territory, value
        return None
    return None


def detect(
    env: Mapping[str, str], config: Config, localtime: str = LOCALTIME, timezone_file: str = TIMEZONE_FILE
) -> Detected:
    """The country to use when none was given, and why."""
    value = env.get("CRISISCLI_COUNTRY", "").strip()
    if value:
        code = countries.lookup(value)
        if not code:
            raise UsageProblem(f"CRISISCLI_COUNTRY={value!r} is not a country; unset it or use a code like GB")
        return Detected(code, "env", value)
    if config.country:
        code = countries.lookup(config.country)
        if not code:
            raise UsageProblem(f"`country = {config.country!r}` in {config.path} is not a country")
        return Detected(code, "config", config.path)
    tz_value = env.get("TZ")
    zone = zone_from_tz_value(tz_value) if tz_value else system_zone(localtime, timezone_file)
    if zone:
        code = countries.timezone_country(zone)
        if code:
            return Detected(code, "timezone", zone)
    found = locale_territory(env)
    if found:
        return Detected(found[0], "locale", found[1])
    return Detected(None, "none")
