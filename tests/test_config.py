"""config.toml: defaults, values, and clear messages for broken files."""

from __future__ import annotations

import os
import sys

import pytest

from crisiscli.config import config_dir, data_dir, load_config


def _write(tmp_path, text):
    (tmp_path / "config.toml").write_text(text, encoding="utf-8")
    return {"CRISISCLI_CONFIG_DIR": str(tmp_path)}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the inlined rule is for Linux")
@pytest.mark.parametrize(
    "kind, ours, var", [("config", config_dir, "XDG_CONFIG_HOME"), ("data", data_dir, "XDG_DATA_HOME")]
)
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
    env = _write(
        tmp_path,
        'country = "FR"\nformat = "json"\nquiet = true\nstale_after_days = 30\n'
        'trusted_keys = ["/k.pub"]\nupdate_url = "https://example.org/x.json"\n',
    )
    config = load_config(env)
    assert (config.country, config.format, config.quiet, config.stale_after_days) == ("FR", "json", True, 30)
    assert config.trusted_keys == ("/k.pub",)


@pytest.mark.parametrize(
    "text, words",
    [
        ('country = "FR"\nformat = \n', ["line 2", "using the defaults"]),
        ('colour = "never"\n', ["unknown key", "colour"]),
        ("quiet = 3\n", ["quiet", "true or false"]),
        ("stale_after_days = true\n", ["stale_after_days", "whole number"]),
        ("stale_after_days = -1\n", ["stale_after_days", "from 1 to 3650"]),
        ('color = "purple"\n', ["color", "auto, always, never"]),
        ('format = "markdown"\n', ["format", "table, plain, json, csv"]),
        ('country = "Atlantis"\n', ["country", "Atlantis"]),
        ("trusted_keys = [1]\n", ["trusted_keys"]),
        ("\xff\xfe", ["not valid TOML"]),
    ],
)
def test_broken_values_warn_and_fall_back_to_defaults(tmp_path, text, words):
    config = load_config(_write(tmp_path, text))
    assert len(config.warnings) == 1
    assert "config.toml" in config.warnings[0]
    for word in words:
        assert word in config.warnings[0]
    assert config.color is None and config.format is None and config.stale_after_days == 90


def test_good_values_survive_a_bad_neighbour(tmp_path):
    config = load_config(_write(tmp_path, 'country = "FR"\ncolor = "purple"\n'))
    assert config.country == "FR" and config.color is None and len(config.warnings) == 1


def test_a_byte_order_mark_is_read(tmp_path):
    (tmp_path / "config.toml").write_bytes(b'\xef\xbb\xbfcountry = "FR"\n')
    config = load_config({"CRISISCLI_CONFIG_DIR": str(tmp_path)})
    assert config.country == "FR" and config.warnings == ()


def test_non_utf8_file(tmp_path):
    (tmp_path / "config.toml").write_bytes(b'country = "\xff"\n')
    config = load_config({"CRISISCLI_CONFIG_DIR": str(tmp_path)})
    assert "not UTF-8" in config.warnings[0] and config.country is None


def _special(kind, path):
    if kind == "directory":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        path.symlink_to("/dev/zero")
    elif kind == "huge":
        path.write_text("# padding\n" * 10_000, encoding="utf-8")
    elif kind == "dangling":
        path.symlink_to(path.parent / "nowhere")


@pytest.mark.parametrize(
    "kind, words",
    [
        ("directory", "not a regular file"),
        ("fifo", "not a regular file"),
        ("device", "not a regular file"),
        ("huge", "larger than 64 KiB"),
    ],
)
def test_special_files_never_block_and_never_stop_help(tmp_path, run, isolated, kind, words):
    config_path = tmp_path / "config" / "config.toml"
    config_path.parent.mkdir(parents=True, exist_ok=True)
    _special(kind, config_path)
    result = run("now", "GB")
    assert result.returncode == 0
    assert "999" in result.stdout and "116 123" in result.stdout
    assert result.stderr.count("config file") == 1 and words in result.stderr


@pytest.mark.parametrize(
    "text",
    ['colour = "x"\n', "quiet = 3\n", "\ufeffcountry = 'GB'\n", "[[[\n", 'color = "purple"\nformat = "markdown"\n'],
)
def test_now_shows_numbers_whatever_the_config_says(tmp_path, run, text):
    (tmp_path / "config").mkdir(exist_ok=True)
    (tmp_path / "config" / "config.toml").write_text(text, encoding="utf-8")
    result = run("now", "GB")
    assert result.returncode == 0, result.stderr
    assert "999" in result.stdout and "Samaritans" in result.stdout


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the inlined rule is for Linux")
def test_relative_xdg_paths_are_ignored(isolated):
    home = isolated["HOME"]  # expanduser reads it from the isolated environment
    env = {"XDG_CONFIG_HOME": "relative/config", "XDG_DATA_HOME": "data"}
    assert config_dir(env) == os.path.join(home, ".config", "crisiscli")
    assert data_dir(env) == os.path.join(home, ".local", "share", "crisiscli")


@pytest.mark.parametrize("name", ["state.json", "verified.json", "plan.json"])
def test_a_fifo_in_the_data_dir_never_blocks_now(isolated, tmp_path, name):
    """A real process with a deadline: before the fix, open() on these FIFOs waited forever."""
    import subprocess

    from conftest import BIN

    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    os.mkfifo(data / name)
    result = subprocess.run(
        [str(BIN), "now", "GB"], env=isolated, capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL
    )
    assert result.returncode == 0, result.stderr
    assert "999" in result.stdout and "116 123" in result.stdout
    assert "Traceback" not in result.stderr
