"""User settings from config.toml, read once per run.

Why its own module: detection, output and update all read settings, and a broken file must give
the same clear message (file and line) wherever it is read, never a traceback.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Any, NamedTuple

from .errors import ConfigError

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


def _user_dir(env: Mapping[str, str], override: str, xdg: str, fallback: str, kind: str) -> str:
    """A per-user directory: the override variable, else the platform's convention. On Linux
    platformdirs' XDG rule is inlined (importing it costs a lookup ~7 ms); tests/test_config.py
    checks both agree."""
    if env.get(override):
        return env[override]
    if sys.platform.startswith("linux"):
        base = env.get(xdg, "").strip() or os.path.expanduser(fallback)
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
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    return tomllib.loads(text)


def _expect(path: str, key: str, value: Any, kind: type | tuple[type, ...]) -> Any:
    if not isinstance(value, kind) or isinstance(value, bool) and kind is int:
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ConfigError(f"{path}: `{key}` must be a {names}")
    return value


def load_config(env: Mapping[str, str]) -> Config:
    """Settings from config.toml; a missing file means defaults."""
    path = os.path.join(config_dir(env), "config.toml")
    try:
        with open(path, "rb") as fh:
            raw = fh.read(1024 * 1024)
    except FileNotFoundError:
        return Config(path=path)
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from None
    try:
        doc = _toml_loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"config file {path} is not UTF-8 text") from None
    except ValueError as exc:  # tomllib.TOMLDecodeError says "(at line N, column M)"
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    unknown = sorted(set(doc) - set(KNOWN_KEYS))
    if unknown:
        raise ConfigError(f"config file {path}: unknown key(s) {', '.join(unknown)}; known: {', '.join(KNOWN_KEYS)}")
    keys = doc.get("trusted_keys", [])
    if isinstance(keys, str):
        keys = [keys]
    _expect(path, "trusted_keys", keys, list)
    return Config(
        path=path,
        country=_expect(path, "country", doc["country"], str) if "country" in doc else None,
        format=_expect(path, "format", doc["format"], str) if "format" in doc else None,
        quiet=_expect(path, "quiet", doc.get("quiet", False), bool),
        color=_expect(path, "color", doc["color"], str) if "color" in doc else None,
        update_url=_expect(path, "update_url", doc["update_url"], str) if "update_url" in doc else None,
        trusted_keys=tuple(_expect(path, "trusted_keys", k, str) for k in keys),
        stale_after_days=_expect(path, "stale_after_days", doc.get("stale_after_days", 90), int),
    )
