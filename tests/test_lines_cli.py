"""`crisiscli lines` and `countries` as a person and a script use them, through the real script."""

from __future__ import annotations

import csv
import io
import json

import pytest

from crisiscli.render import PLAIN_COLUMNS


def test_lookup_by_alias_shows_emergency_first_and_footer_last(run):
    result = run("lines", "uk")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.index("Emergency: 999") < out.index("Samaritans")
    assert "116 123" in out
    last = out.strip().splitlines()[-2:]
    assert "Need help now" in " ".join(last)
    assert result.stderr == ""


def test_hotlines_is_an_alias(run):
    assert run("hotlines", "GB").stdout == run("lines", "GB").stdout


def test_typo_gives_suggestions_and_exit_2(run):
    result = run("lines", "germny")
    assert result.returncode == 2
    assert "did you mean Germany" in result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert "Need help now" in result.stderr  # the footer also ends errors


def test_several_countries_and_all(run):
    result = run("lines", "FR", "DE", "--format", "plain")
    countries = {row.split("\t")[1] for row in result.stdout.splitlines()}
    assert countries == {"FR", "DE"}
    everything = run("lines", "--all", "--format", "plain")
    assert len({row.split("\t")[1] for row in everything.stdout.splitlines()}) >= 40


def test_plain_is_tab_separated_records_without_footer_when_piped(run):
    rows = run("lines", "US", "--format", "plain").stdout.splitlines()
    assert rows[0].split("\t")[:2] == ["emergency", "US"]
    assert all(len(r.split("\t")) == len(PLAIN_COLUMNS) for r in rows)
    assert not any("Need help now" in r for r in rows)
    assert not any(ch in "".join(rows) for ch in "│─┌")


def test_csv_has_header_and_same_records(run):
    text = run("lines", "US", "--format", "csv").stdout
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == PLAIN_COLUMNS
    plain = run("lines", "US", "--format", "plain").stdout.splitlines()
    assert len(rows) - 1 == len(plain)


def test_filters_narrow_lines(run):
    doc = json.loads(run("lines", "US", "--channel", "sms", "--json").stdout)
    lines = doc["data"][0]["lines"]
    assert lines and all(any(c["type"] == "sms" for c in line["contacts"]) for line in lines)
    everything = json.loads(run("lines", "US", "--json").stdout)["data"][0]["lines"]
    assert len(lines) < len(everything)


def test_channel_alias_text_means_sms(run):
    assert run("lines", "US", "--channel", "text", "--json").returncode == 0


def test_no_match_exits_3_and_keeps_emergency(run):
    result = run("lines", "GB", "--audience", "indigenous")
    assert result.returncode == 3
    assert "Emergency: 999" in result.stdout
    assert "no line in United Kingdom matches audience indigenous" in result.stderr


def test_unknown_filter_value_is_usage_error(run):
    result = run("lines", "GB", "--topic", "bananas")
    assert result.returncode == 2
    assert "unknown topic 'bananas'" in result.stderr


def test_country_without_data_exits_3_with_honest_message(run):
    result = run("lines", "BV")  # Bouvet Island: a real ISO code, uninhabited, no data
    assert result.returncode == 3
    assert "No numbers are recorded for Bouvet Island" in result.stdout
    assert "call your local emergency number" in result.stderr


def test_detection_is_announced_on_stderr(run):
    result = run("lines", env={"TZ": "Europe/Paris"})
    assert result.returncode == 0
    assert "Showing lines for France (from your time zone Europe/Paris)" in result.stderr
    assert "3114" in result.stdout
    quiet = run("lines", "-q", env={"TZ": "Europe/Paris"})
    assert quiet.stderr == ""


def test_env_country_beats_timezone(run):
    result = run("lines", "--json", env={"TZ": "Europe/Paris", "CRISISCLI_COUNTRY": "japan"})
    assert json.loads(result.stdout)["country_source"] == "env"
    assert json.loads(result.stdout)["data"][0]["iso2"] == "JP"


def test_bad_env_country_is_a_usage_error(run):
    result = run("lines", env={"CRISISCLI_COUNTRY": "Atlantis"})
    assert result.returncode == 2
    assert "CRISISCLI_COUNTRY" in result.stderr


def test_config_country(run, isolated, tmp_path):
    config = tmp_path / "config"
    config.mkdir()
    (config / "config.toml").write_text('country = "Deutschland"\n', encoding="utf-8")
    result = run("lines", "--json")
    assert (
        json.loads(result.stdout)["country_source"] == "config" and json.loads(result.stdout)["data"][0]["iso2"] == "DE"
    )


def test_broken_config_names_file_and_line_but_still_shows_numbers(run, tmp_path):
    config = tmp_path / "config"
    config.mkdir()
    (config / "config.toml").write_text('country = "DE"\nformat = \n', encoding="utf-8")
    result = run("lines", "GB")
    assert result.returncode == 0  # the numbers still show; the broken file is named once
    assert "999" in result.stdout
    assert "config.toml" in result.stderr and "line 2" in result.stderr
    assert "Traceback" not in result.stderr


def test_nothing_known_gives_fallback_not_a_guess(run):
    result = run("lines", env={"TZ": "UTC", "LANG": "C.UTF-8"})
    assert result.returncode == 3
    assert "call your local emergency number" in result.stdout.lower()
    assert "could not tell which country" in result.stderr
    doc = run("lines", "--json").stdout
    assert json.loads(doc)["country_source"] == "none"


def test_locale_is_the_last_resort(run):
    result = run("lines", "--json", env={"TZ": "UTC", "LANG": "pt_BR.UTF-8"})
    assert (
        json.loads(result.stdout)["country_source"] == "locale" and json.loads(result.stdout)["data"][0]["iso2"] == "BR"
    )


def test_countries_piped_is_one_per_line(run):
    rows = run("countries").stdout.splitlines()
    assert len(rows) >= 240
    codes = [r.split("\t")[0] for r in rows]
    assert codes == sorted(codes)
    assert all(len(r.split("\t")) == 4 for r in rows)


def test_countries_table_when_asked(run):
    out = run("countries", "--format", "table").stdout
    assert "Code" in out and "Need help now" in out


def test_no_colour_when_piped_or_no_color(run):
    assert "\x1b[" not in run("lines", "GB").stdout
    assert "\x1b[" in run("lines", "GB", "--color", "always").stdout
    assert "\x1b[" not in run("lines", "GB", env={"NO_COLOR": "1", "FORCE_COLOR": ""}).stdout


def test_force_color_and_dumb_terminals(run):
    assert "\x1b[" in run("lines", "GB", env={"FORCE_COLOR": "1"}).stdout
    assert "\x1b[" not in run("lines", "GB", "--color", "auto", env={"TERM": "dumb"}).stdout
    assert "\x1b[" not in run("lines", "GB", "--color", "never", env={"FORCE_COLOR": "1"}).stdout


def test_table_fits_the_terminal(run):
    for width in ("40", "50", "60", "80", "120"):
        out = run("lines", "US", "GB", "JP", env={"COLUMNS": width}).stdout
        assert max(len(line) for line in out.splitlines()) <= int(width), width


def test_version_names_tool_and_dataset(run):
    out = run("--version").stdout
    assert out.startswith("crisiscli ") and "dataset 2" in out


def test_python_dash_m_works(isolated):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "crisiscli", "lines", "GB", "--json"], capture_output=True, text=True, env=isolated
    )
    assert result.returncode == 0 and '"GB"' in result.stdout


def test_help_ends_with_footer_and_lists_exit_codes(run):
    out = run("--help").stdout
    assert "Exit codes" in out
    assert out.strip().splitlines()[-1].strip().endswith(".")
    assert "local emergency number" in out
    sub = run("lines", "--help", env={"CRISISCLI_COUNTRY": "GB"}).stdout
    assert "crisiscli now" in sub.strip().splitlines()[-1] or "crisiscli now" in sub.strip().splitlines()[-2]


def test_bare_command_shows_help(run):
    result = run()
    assert result.returncode == 0
    assert "crisiscli lines" in result.stdout


def test_open_at_keeps_open_lines_and_the_emergency_number(run):
    # 03:00 in each line's own zone: only lines open then remain, the emergency number always.
    result = run("lines", "FR", "--open-at", "2026-11-29T03:00", "--format", "plain")
    assert result.returncode == 0, result.stderr
    kinds = [row.split("\t")[0] for row in result.stdout.splitlines()]
    assert kinds[0] == "emergency" and "fr-fil-sante-jeunes" not in result.stdout
    evening = run("lines", "FR", "--open-at", "2026-11-29T20:00", env={"COLUMNS": "200"})
    text = " ".join(evening.stdout.split())
    assert "Fil Santé Jeunes" in text and "open then, closes at 23:00" in text


def test_open_now_json_has_status_and_bad_times_exit_2(run):
    doc = json.loads(run("lines", "PT", "--open-now", "--json", env={"CRISISCLI_NOW": "2026-11-29T00:15"}).stdout)
    statuses = {line["id"]: line["open_status"]["open"] for line in doc["data"][0]["lines"]}
    assert statuses and all(statuses.values())
    assert run("lines", "FR", "--open-at", "tomorrow").returncode == 2
    assert run("lines", "FR", "--open-now", "--open-at", "2026-11-29T03:00").returncode == 2


def test_csv_cells_never_start_like_a_formula(run):
    text = run("lines", "--all", "--format", "csv").stdout
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert cells and not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]


@pytest.mark.parametrize(
    "value, shown",
    [
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("+44 800 1111", "'+44 800 1111"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "' x"),
        ("116 123", "116 123"),
    ],
)
def test_csv_neutralises_formula_cells(value, shown):
    from crisiscli.render import records

    rows = list(csv.reader(io.StringIO(records([{"a": value}], "csv"))))
    assert rows == [["a"], [shown]]


@pytest.mark.parametrize("command", ["now", "lines"])
def test_no_country_known_shows_the_fallback_and_exits_3(run, command):
    result = run(command)
    assert result.returncode == 3
    assert "local emergency number" in result.stdout
    assert "could not tell which country" in result.stderr


@pytest.mark.parametrize("args, iso2", [(["GB"], "GB"), (["new", "zealand"], "NZ"), (["united", "states"], "US")])
def test_a_country_where_a_command_was_expected_shows_now(run, args, iso2):
    result = run(*args, "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["command"] == "now" and doc["data"]["iso2"] == iso2


def test_unquoted_names_work_for_lines(run):
    doc = json.loads(run("lines", "new", "zealand", "south", "africa", "--json").stdout)
    assert [s["iso2"] for s in doc["data"]] == ["NZ", "ZA"]


def test_unknown_command_suggests(run):
    result = run("lnes", "GB")
    assert result.returncode == 2 and "`lines`" in result.stderr and result.stdout == ""


@pytest.mark.parametrize("args", [["-h"], ["help"], ["help", "lines"], ["lines", "-h"], ["help", "plan", "new"]])
def test_help_forms(run, args):
    result = run(*args)
    assert result.returncode == 0 and "Usage:" in result.stdout


def test_options_before_the_command_work(run):
    result = run("--json", "lines", "GB")
    assert result.returncode == 0 and json.loads(result.stdout)["command"] == "lines"
    bad = run("--format=JSON", "lines", "germny")
    assert bad.returncode == 2 and json.loads(bad.stdout)["error"]["code"] == "unknown_country"


def test_language_names_and_clock_times(run):
    by_name = run("lines", "US", "--language", "Spanish", "--format", "plain").stdout
    by_code = run("lines", "US", "--language", "es", "--format", "plain").stdout
    assert by_name == by_code and by_name
    assert run("lines", "JP", "--open-at", "03:00", "--json").returncode == 0
    assert run("lines", "JP", "--open-at", "27:00").returncode == 2


def test_state_does_not_leak_between_invocations(run):
    assert run("lines", "GB", "--json").returncode == 0
    after = run("lines", "germny")
    assert after.returncode == 2 and after.stdout == "" and "did you mean" in after.stderr


def test_no_match_shows_nearest_lines_on_stdout(run):
    result = run("lines", "GB", "--audience", "veterans", "--channel", "sms")
    assert result.returncode == 3
    assert "Without" in result.stdout
    doc = json.loads(run("lines", "GB", "--audience", "veterans", "--channel", "sms", "--json").stdout)
    assert doc["data"][0]["lines"] == [] and doc["data"][0]["nearest"]["lines"]


def test_all_with_no_match_is_one_short_line(run):
    result = run("lines", "--all", "--topic", "grief", "--audience", "veterans", "--channel", "whatsapp")
    assert result.returncode == 3
    assert result.stdout.count("no line in any country") == 1 and len(result.stdout.splitlines()) < 10


def test_audience_deaf_finds_contacts_with_deaf_access(run):
    doc = json.loads(run("lines", "AU", "--audience", "deaf", "--json").stdout)
    lines = doc["data"][0]["lines"]
    assert lines and all(
        "deaf" in line["audiences"] or any(c.get("access") for c in line["contacts"]) for line in lines
    )
    assert any(c.get("access") for line in lines for c in line["contacts"])


def test_a_wrong_filter_value_offers_only_values_some_line_has(run):
    from crisiscli.dataset import load_bundled
    from crisiscli.query import AUDIENCES, values_in_use

    result = run("lines", "GB", "--audience", "bananas")
    assert result.returncode == 2
    offered = result.stderr.split("choose one of: ")[1].split("\n")[0].split(", ")
    used = values_in_use(load_bundled())["audience"]
    assert offered and set(offered) <= used and set(offered) == set(AUDIENCES) & used


def test_an_error_before_the_command_ran_still_gives_the_named_countrys_numbers(run):
    result = run("lines", "GB", "--audience", "bananas")
    assert result.returncode == 2 and "999" in result.stderr and "116 123" in result.stderr
