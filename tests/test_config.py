"""config.toml: defaults, values, and clear messages for broken files."""

from __future__ import annotations

import sys

import pytest

from crisiscli.config import config_dir, data_dir, load_config
from crisiscli.errors import ConfigError


def _write(tmp_path, text):
    (tmp_path / "config.toml").write_text(text, encoding="utf-8")
    return {"CRISISCLI_CONFIG_DIR": str(tmp_path)}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the inlined rule is for Linux")
@pytest.mark.parametrize("kind, ours, var", [("config", config_dir, "XDG_CONFIG_HOME"),
                                             ("data", data_dir, "XDG_DATA_HOME")])
@pytest.mark.parametrize("xdg", ["", "/tmp/xdg-dir"])
def test_user_dirs_agree_with_platformdirs(kind, ours, var, xdg, monkeypatch):
    import platformdirs

    if xdg:
        monkeypatch.setenv(var, xdg)
    else:
        monkeypatch.delenv(var, raising=False)
    expected = getattr(platformdirs, f"user_{kind}_dir")("crisiscli", appauthor=False)
    assert ours({var: xdg} if xdg else {}) == expected


def test_env_overrides_dirs(tmp_path):
    env = {"CRISISCLI_CONFIG_DIR": str(tmp_path / "c"), "CRISISCLI_DATA_DIR": str(tmp_path / "d")}
    assert config_dir(env) == str(tmp_path / "c")
    assert data_dir(env) == str(tmp_path / "d")


def test_missing_file_means_defaults(tmp_path):
    config = load_config({"CRISISCLI_CONFIG_DIR": str(tmp_path)})
    assert config.country is None and config.stale_after_days == 90 and not config.quiet


def test_values_are_read(tmp_path):
    env = _write(tmp_path, 'country = "FR"\nformat = "json"\nquiet = true\nstale_after_days = 30\n'
                           'trusted_keys = ["/k.pub"]\nupdate_url = "https://example.org/x.json"\n')
    config = load_config(env)
    assert (config.country, config.format, config.quiet, config.stale_after_days) == ("FR", "json", True, 30)
    assert config.trusted_keys == ("/k.pub",)


@pytest.mark.parametrize("text, words", [
    ('country = "FR"\nformat = \n', ["line 2"]),
    ('colour = "never"\n', ["unknown key", "colour"]),
    ("quiet = 3\n", ["quiet", "bool"]),
    ("stale_after_days = true\n", ["stale_after_days", "int"]),
    ("\xff\xfe", ["not valid TOML"]),
])
def test_broken_files_are_clear(tmp_path, text, words):
    env = _write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(env)
    assert "config.toml" in info.value.message
    for word in words:
        assert word in info.value.message


def test_non_utf8_file(tmp_path):
    (tmp_path / "config.toml").write_bytes(b"country = \"\xff\"\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config({"CRISISCLI_CONFIG_DIR": str(tmp_path)})
