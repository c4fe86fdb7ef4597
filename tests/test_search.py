"""`crisiscli search`: the library ranking on a small dataset made here, the real data's anchors
(988, Samaritans, TrevorLifeline), and the command through the installed script.

Why both: the made-up dataset pins the ranking rules whatever the real data becomes; the real
data checks what a volunteer actually types (`search 1-800-273-8255` must answer with 988).
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from banned import violations
from conftest import base_env, invoke
from hypothesis import given, settings
from hypothesis import strategies as st

from crisiscli.dataset import Dataset, load_bundled
from crisiscli.errors import NothingMatched, UnknownCountry, UsageProblem
from crisiscli.search import calling_codes, search

# --- a small dataset with known answers ---------------------------------------------------------

SOURCE = {"url": "https://example.org/", "accessed": "2026-11-25", "kind": "official"}


def _line(
    id_: str,
    name: str,
    digits: tuple[str, ...] = (),
    *,
    operator: str | None = None,
    region: str | None = None,
    previous: tuple[str, ...] = (),
    topics=("crisis",),
    audiences=("general",),
    languages=("en",),
    primary: bool = False,
    always: bool = True,
    status: str = "active",
    name_local: str | None = None,
) -> dict[str, Any]:
    line: dict[str, Any] = {
        "id": id_,
        "name": name,
        "contacts": [
            {"type": "voice", "display": d, "dial": d, "digits": d, "reachable_from": ["landline"], "cost": "free"}
            for d in digits
        ]
        or [
            {
                "type": "web",
                "display": "example.org",
                "url": "https://example.org/",
                "reachable_from": ["landline"],
                "cost": "free",
            }
        ],
        "hours": {"always_open": always, "text": "24/7" if always else "Daily 09:00-17:00", "tz": "Europe/London"},
        "topics": list(topics),
        "audiences": list(audiences),
        "languages": list(languages),
        "scope": "national",
        "primary": primary,
        "status": status,
        "provenance": {"sources": [SOURCE], "last_verified": "2026-11-25", "confidence": "high"},
    }
    if operator:
        line["operator"] = operator
    if region:
        line["region"] = region
    if name_local:
        line["name_local"] = name_local
    if previous:
        line["previous_numbers"] = [{"digits": p, "until": "2020", "note": "old"} for p in previous]
    return line


def _dataset(**countries: list[dict[str, Any]]) -> Dataset:
    doc = {
        "schema_version": "1.0",
        "dataset_version": 1,
        "generated_at": "2026-11-25",
        "countries": {
            code: {
                "iso2": code,
                "name": code,
                "lines": lines,
                "emergency": [{"number": "112", "digits": "112", "services": ["general"], "sources": [SOURCE]}],
            }
            for code, lines in countries.items()
        },
    }
    return Dataset(doc, origin="test", path="<test>")


SMALL = _dataset(
    GB=[
        _line("gb-harbour", "Harbour Line", ("08001234567",), primary=True),
        _line("gb-trust", "Night Talk", ("08009999999",), operator="Harbour Trust"),
        _line("gb-region", "Coast Talk", ("116999",), region="Harbour District"),
        _line("gb-number", "Helpline 4321", ("08005550000",)),
        _line("gb-short", "Short Code", ("4321",)),
        _line("gb-old", "Renamed Line", ("116888",), previous=("08457111222",)),
        _line("gb-closed", "Harbour Closed", ("08001111111",), status="retired"),
        _line(
            "gb-youth", "Teen Talk", ("08002222222",), audiences=("youth",), topics=("self_harm",), languages=("cy",)
        ),
        _line("gb-accent", "Café Écoute", ("08003333333",), name_local="Ça Va Écoute"),
    ],
    FR=[_line("fr-harbour", "Harbour Line", ("0800123456",))],
    US=[_line("us-line", "Lifeline", ("18005550199",), primary=True)],
    IT=[_line("it-line", "Telefono", ("0223272327",))],
)


def ids(hits) -> list[str]:
    return [h.line.id for h in hits]


def test_exact_number_beats_name_beats_other_fields():
    assert ids(search(SMALL, "4321"))[:2] == ["gb-short", "gb-number"]
    hits = search(SMALL, "harbour")
    got = ids(hits)
    # names first (the primary one before the French namesake), then operator, then region
    assert got == ["gb-harbour", "fr-harbour", "gb-trust", "gb-region"]
    assert [h.matched for h in hits] == [("name",), ("name",), ("operator",), ("region",)]


def test_inactive_lines_are_never_found():
    assert "gb-closed" not in ids(search(SMALL, "harbour"))
    with pytest.raises(NothingMatched):
        search(SMALL, "harbour closed")


@pytest.mark.parametrize(
    "typed",
    [
        "0800 123 4567",
        "08001234567",
        "800 123 4567",
        "+44 800 123 4567",
        "+44 (0)800 123 4567",
        "0044 800 123 4567",
        "(0800) 123-4567",
    ],
)
def test_numbers_match_however_written(typed):
    hits = search(SMALL, typed)
    assert ids(hits)[0] == "gb-harbour" and hits[0].matched == ("contacts",)


def test_wrong_country_code_does_not_match():
    with pytest.raises(NothingMatched):
        search(SMALL, "+33 800 123 4567")


@pytest.mark.parametrize("typed", ["+39 02 2327 2327", "+39 2 2327 2327", "02 2327 2327"])
def test_italian_numbers_keep_their_zero(typed):
    assert ids(search(SMALL, typed)) == ["it-line"]


@pytest.mark.parametrize("typed", ["1-800-555-0199", "18005550199", "800-555-0199", "+1 (800) 555 0199"])
def test_north_american_numbers_with_and_without_the_1(typed):
    assert ids(search(SMALL, typed)) == ["us-line"]


@pytest.mark.parametrize("typed", ["08457 111 222", "8457111222", "+44 8457 111222"])
def test_retired_number_answers_with_the_line_and_a_note(typed):
    hits = search(SMALL, typed)
    assert ids(hits) == ["gb-old"]
    assert hits[0].matched == ("previous_numbers",)
    assert hits[0].note and "Renamed Line" in hits[0].note and "until 2020" in hits[0].note
    assert "111" not in hits[0].note  # the old number is never repeated as a way to get help


def test_partial_numbers_rank_below_exact():
    got = ids(search(SMALL, "116"))
    assert set(got) == {"gb-region", "gb-old"}


def test_accents_case_prefixes_synonyms_and_stopwords():
    assert ids(search(SMALL, "CAFE ECOUTE")) == ["gb-accent"]
    assert ids(search(SMALL, "ca va")) == ["gb-accent"]  # name_local
    assert ids(search(SMALL, "harb"))[0] == "gb-harbour"  # start of a word
    assert ids(search(SMALL, "teens")) == ["gb-youth"]  # audience youth
    assert ids(search(SMALL, "self-harm")) == ids(search(SMALL, "selfharm")) == ["gb-youth"]
    assert ids(search(SMALL, "welsh")) == ids(search(SMALL, "cy")) == ["gb-youth"]
    assert ids(search(SMALL, "the harbour helpline"))[:2] == ["gb-harbour", "fr-harbour"]


def test_every_word_must_match_somewhere():
    assert ids(search(SMALL, "teen youth")) == ["gb-youth"]
    with pytest.raises(NothingMatched):
        search(SMALL, "teen harbour")


def test_short_words_match_whole_words_only():
    with pytest.raises(NothingMatched):
        search(SMALL, "har")


def test_country_narrows_and_prefer_breaks_ties():
    assert ids(search(SMALL, "harbour", country="france")) == ["fr-harbour"]
    assert ids(search(SMALL, "harbour line", prefer=["FR"]))[:2] == ["fr-harbour", "gb-harbour"]
    with pytest.raises(UnknownCountry):
        search(SMALL, "harbour", country="narnia")
    with pytest.raises(NothingMatched, match="no data for Germany"):
        search(SMALL, "harbour", country="DE")
    with pytest.raises(NothingMatched, match="in France"):
        search(SMALL, "night talk", country="FR")


@pytest.mark.parametrize("text", ["", "   ", "&&", "'.'", "x" * 201, " ".join(["w"] * 13)])
def test_empty_or_oversized_text_is_a_usage_problem(text):
    with pytest.raises(UsageProblem):
        search(SMALL, text)


def test_no_match_suggests_close_words():
    with pytest.raises(NothingMatched) as info:
        search(SMALL, "harbuor")
    assert "harbour" in info.value.suggestions and info.value.exit_code == 3


def test_hit_json_shape():
    hit = search(SMALL, "08457111222")[0]
    data = hit.to_dict()
    assert set(data) == {"iso2", "country", "line", "matched", "note"}
    assert data["line"]["id"] == "gb-old" and data["matched"] == ["previous_numbers"]
    assert "note" not in search(SMALL, "harbour")[0].to_dict()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60), st.sampled_from([None, "GB", "FR"]))
def test_any_text_gives_hits_or_a_clean_error(text, country):
    try:
        hits = search(SMALL, text, country=country)
    except (UsageProblem, NothingMatched) as exc:
        assert exc.message
        return
    assert hits and all(h.matched for h in hits)


def test_calling_codes_match_phonenumbers():
    phonenumbers = pytest.importorskip("phonenumbers")
    expected = {
        region: str(code)
        for code, regions in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items()
        for region in regions
        if region != "001"
    }
    assert calling_codes() == expected


# --- the real data's anchors --------------------------------------------------------------------


@pytest.fixture(scope="module")
def bundled() -> Dataset:
    return load_bundled()


@pytest.mark.parametrize("typed", ["1-800-273-8255", "18002738255", "+1 800 273 8255", "(800) 273-8255"])
def test_retired_us_lifeline_number_gives_988(bundled, typed):
    hits = search(bundled, typed)
    us = [h for h in hits if h.iso2 == "US"]
    assert us and us[0].line.id == "us-988-lifeline"
    assert hits[0].iso2 == "US"  # the main +1 country before Guam on a tie
    assert us[0].note and "changed" in us[0].note
    assert violations(us[0].note) == []
    assert any(c.digits == "988" for c in us[0].line.contacts)


def test_988_and_116_123(bundled):
    assert search(bundled, "988")[0].line.id == "us-988-lifeline"
    assert "CA" in {h.iso2 for h in search(bundled, "988")}
    assert "gb-samaritans" in ids(search(bundled, "116 123"))
    assert search(bundled, "988", prefer=["CA"])[0].iso2 == "CA"


def test_samaritans_and_lgbt(bundled):
    samaritans = search(bundled, "samaritans")
    assert samaritans[0].line.id == "gb-samaritans"
    assert {"GB", "IE"} <= {h.iso2 for h in samaritans}
    assert "us-trevor-lifeline" in ids(search(bundled, "lgbt"))


# --- the command --------------------------------------------------------------------------------


def test_cli_lgbt_table_ends_with_footer(run):
    result = run("search", "lgbt")
    assert result.returncode == 0, result.stderr
    assert "TrevorLifeline" in result.stdout and "United States (US)" in result.stdout
    assert "Sources:" in result.stdout
    assert "Need help now" in result.stdout.strip().splitlines()[-2] + result.stdout.strip().splitlines()[-1]
    assert not any(ch in result.stdout for ch in "│─┌")


@pytest.mark.parametrize("typed", ["1-800-273-8255", "18002738255"])
def test_cli_retired_number(run, typed):
    result = run("search", typed)
    assert result.returncode == 0, result.stderr
    assert "Number changed: 988 Suicide & Crisis Lifeline" in " ".join(result.stdout.split())
    assert "Call 988" in result.stdout
    assert violations(result.stdout) == [] and violations(result.stderr) == []
    plain = run("search", typed, "--format", "plain")
    first = plain.stdout.splitlines()[0].split("\t")
    assert first[:3] == ["US", "United States", "us-988-lifeline"] and first[6] == "previous_numbers"
    assert violations(plain.stdout) == []


def test_cli_samaritans_and_country(run):
    result = run("search", "samaritans", "--format", "plain")
    rows = [r.split("\t") for r in result.stdout.splitlines()]
    assert rows[0][2] == "gb-samaritans"
    assert all(len(r) == 10 for r in rows)
    narrowed = run("search", "samaritans", "--country", "ireland", "--format", "plain")
    assert {r.split("\t")[0] for r in narrowed.stdout.splitlines()} == {"IE"}
    table = run("search", "samaritans", "--country", "IE")
    assert "Need help now (Ireland)?" in " ".join(table.stdout.split())


def test_cli_words_need_no_quotes(run):
    assert run("search", "crisis", "text", "line", "-f", "plain").stdout.startswith("US\t")


def test_cli_no_match_exits_3(run):
    result = run("search", "samaritns")
    assert result.returncode == 3
    assert result.stdout == ""
    assert "did you mean samaritans" in result.stderr
    assert "Need help now" in result.stderr and "Traceback" not in result.stderr


def test_cli_json_contract(run):
    result = run("search", "1-800-273-8255", "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["schema_version"] == 1 and doc["command"] == "search"
    assert set(doc["dataset"]) == {"version", "generated_at", "age_days", "origin"}
    assert doc["warnings"] == [] and "error" not in doc
    us = next(hit for hit in doc["data"] if hit["iso2"] == "US")
    assert set(us) == {"iso2", "country", "line", "matched", "note"}
    assert us["line"]["id"] == "us-988-lifeline" and us["matched"] == ["previous_numbers"]
    assert us["line"]["contacts"][0]["digits"] == "988"
    assert us["line"]["confirmation"]["status"] == "confirmed"
    assert violations(us["note"]) == []
    assert result.stderr == ""


def test_cli_json_no_match_and_usage(run):
    miss = run("search", "xyzzyq", "--json")
    assert miss.returncode == 3
    assert json.loads(miss.stdout)["error"]["code"] == "no_match"
    empty = run("search", "--json")
    assert empty.returncode == 2
    assert json.loads(empty.stdout)["error"]["code"] == "usage"


def test_cli_csv(run):
    text = run("search", "samaritans", "--format", "csv").stdout
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "iso2",
        "country",
        "line_id",
        "name",
        "how_to_reach",
        "hours",
        "matched",
        "note",
        "evidence_date",
        "confirmed",
    ]
    assert rows[1][2] == "gb-samaritans" and rows[1][-1] == "yes"


@pytest.mark.parametrize(
    "args, code",
    [
        (["search"], 2),
        (["search", "   "], 2),
        (["search", "x" * 10_000], 2),
        (["search", "\x1b]0;pwned\x07\x1b[2J"], 3),  # letters remain: a search, not a usage error
        (["search", "\u202eenilefil"], 3),
        (["search", "lgbt", "--country", "narnia"], 2),
        (["search", "lgbt", "--country", "FR"], 3),
    ],
)
def test_cli_bad_input(run, args, code):
    result = run(*args)
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    assert "\x1b" not in result.stderr + result.stdout and "\u202e" not in result.stderr
    assert len(result.stderr) < 2000


@settings(max_examples=40, deadline=None)  # each search ranks every line of every country
@given(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=40)
)
def test_cli_any_query_never_tracebacks(text):
    # A fresh environment per example (function-scoped fixtures do not reset between examples).
    with tempfile.TemporaryDirectory() as tmp:
        result = invoke("search", "--", text, env=base_env(Path(tmp)))
    assert result.returncode in (0, 2, 3), result.stderr
    assert "Traceback" not in result.stderr
    assert "\x1b" not in result.stdout + result.stderr


def test_cli_own_country_first_on_ties(run):
    result = run("search", "988", "-f", "plain", env={"CRISISCLI_COUNTRY": "CA"})
    assert result.stdout.splitlines()[0].startswith("CA\t")
    assert result.stderr == ""  # ranking by the user's country is quiet; lines are labelled anyway


def test_cli_table_shows_whether_a_scheduled_line_is_open(run, bundled):
    from datetime import datetime

    from crisiscli.hours import status

    line = next(x for x in bundled.country("FR").lines if x.id == "fr-fil-sante-jeunes")
    expected = status(line.hours, datetime(2026, 11, 29, tzinfo=UTC)).text  # CRISISCLI_NOW
    result = run("search", "fil sante jeunes")
    assert expected != "hours not known" and expected in " ".join(result.stdout.split())


def test_the_screen_says_how_recent_each_line_is(run):
    """Search is a screen like `lines`: a line nobody confirmed lately is marked, and each
    source says when it was last confirmed."""
    from datetime import date

    from conftest import TODAY

    from crisiscli.trust import judge

    day = date.fromisoformat(TODAY)
    stale = next(line for line in load_bundled().country("GB").lines if not judge(line, day).confirmed)
    shown = run("search", stale.name, "--country", "GB")
    assert shown.returncode == 0, shown.stderr
    assert "[unconfirmed]" in shown.stdout and "UNCONFIRMED (" in shown.stdout
    fresh = run("search", "samaritans", "--country", "GB")
    assert "confirmed 20" in fresh.stdout and "[unconfirmed]" not in fresh.stdout.split("Sources:")[0].split("\n")[2]
