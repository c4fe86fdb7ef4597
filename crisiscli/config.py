"""User settings from config.toml, read once per run.

Why its own module: detection, output and update all read settings, and a broken file must give
the same clear message (file and line) wherever it is read, never a traceback.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Any

from .records import NamedTuple

KNOWN_KEYS = ("country", "format", "quiet", "update_url", "trusted_keys", "stale_after_days", "color")
APP = "crisiscli"


class Config(NamedTuple):
    path: str
    country: str | None = None
    format: str | None = None
    quiet: bool = False
    color: str | None = None
    update_url: str | None = None
    trusted_keys: tuple[str, ...] = ()
    stale_after_days: int = 90
    warnings: tuple[str, ...] = ()


def _user_dir(env: Mapping[str, str], override: str, xdg: str, fallback: str, kind: str) -> str:
    """A per-user directory: the override variable, else the platform's convention. On Linux
    platformdirs' XDG rule is inlined (importing it costs a lookup ~7 ms); tests/test_config.py
    checks both agree."""
    if env.get(override):
        return env[override]
    if sys.platform.startswith("linux"):
        base = env.get(xdg, "").strip()
        if not os.path.isabs(base):  # the XDG spec: a relative path is invalid and ignored
            base = os.path.expanduser(fallback)
        return os.path.join(base, APP)
    import platformdirs

    return getattr(platformdirs, f"user_{kind}_dir")(APP, appauthor=False)


def config_dir(env: Mapping[str, str]) -> str:
    """CRISISCLI_CONFIG_DIR, else the platform's user config dir."""
    return _user_dir(env, "CRISISCLI_CONFIG_DIR", "XDG_CONFIG_HOME", "~/.config", "config")


def data_dir(env: Mapping[str, str]) -> str:
    """CRISISCLI_DATA_DIR, else the platform's user data dir (updates, the safety plan)."""
    return _user_dir(env, "CRISISCLI_DATA_DIR", "XDG_DATA_HOME", "~/.local/share", "data")


def _toml_loads(text: str) -> dict[str, Any]:
    import tomllib

    return tomllib.loads(text)


MAX_CONFIG_BYTES = 64 * 1024
FORMATS = ("table", "plain", "json", "csv")
COLORS = ("auto", "always", "never")


def _check(key: str, value: Any) -> tuple[Any, str | None]:
    """(the value to use, or None for the default; a problem to report, or None)."""

    def wrong(kind: str) -> tuple[None, str]:
        return None, f"`{key}` must be {kind}, not {str(value)[:40]!r}"

    if key in ("country", "update_url"):
        if not isinstance(value, str) or not value.strip():
            return wrong("a non-empty string")
        if key == "country":
            from .countries import lookup

            if lookup(value) is None:
                return None, f"`country` {value[:40]!r} is not a country crisiscli knows"
        return value, None
    if key == "format":
        return (
            (value.lower(), None)
            if isinstance(value, str) and value.lower() in FORMATS
            else wrong("one of " + ", ".join(FORMATS))
        )
    if key == "color":
        return (value, None) if value in COLORS else wrong("one of " + ", ".join(COLORS))
    if key == "quiet":
        return (value, None) if isinstance(value, bool) else wrong("true or false")
    if key == "stale_after_days":
        ok = isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 3650
        return (value, None) if ok else wrong("a whole number of days from 1 to 3650")
    if key == "trusted_keys":
        keys = [value] if isinstance(value, str) else value
        if isinstance(keys, list) and all(isinstance(k, str) and k for k in keys):
            return tuple(keys), None
        return wrong("a list of key file paths or keys")
    return None, f"unknown key `{key}` (known: {', '.join(KNOWN_KEYS)})"


def load_config(env: Mapping[str, str]) -> Config:
    """Settings from config.toml. Never raises: a file that cannot be used gives defaults, and
    each problem becomes a warning, because a broken config must never keep a person from the
    numbers. A missing file means defaults with no warning."""
    from .files import NotARegularFile, TooLarge, read_regular

    path = os.path.join(config_dir(env), "config.toml")
    try:
        raw = read_regular(path, MAX_CONFIG_BYTES)
    except FileNotFoundError:
        return Config(path=path)
    except NotARegularFile:
        return _defaults(path, "is not a regular file")
    except TooLarge:
        return _defaults(path, f"is larger than {MAX_CONFIG_BYTES // 1024} KiB")
    except OSError as exc:
        return _defaults(path, f"cannot be read ({exc.strerror or exc})")
    try:
        doc = _toml_loads(raw.decode("utf-8-sig"))  # a byte-order mark from a Windows editor is fine
    except UnicodeDecodeError:
        return _defaults(path, "is not UTF-8 text")
    except ValueError as exc:  # tomllib.TOMLDecodeError says "(at line N, column M)"
        return _defaults(path, f"is not valid TOML: {exc}")
    values: dict[str, Any] = {}
    problems = []
    for key, value in doc.items():
        checked, problem = _check(key, value)
        if problem:
            problems.append(problem)
        elif checked is not None:
            values[key] = checked
    warnings = (
        (f"config file {path}: {'; '.join(problems)}; using the default for {'it' if len(problems) == 1 else 'them'}",)
        if problems
        else ()
    )
    return Config(path=path, warnings=warnings, **values)


def _defaults(path: str, why: str) -> Config:
    return Config(path=path, warnings=(f"config file {path} {why}; using the defaults",))
