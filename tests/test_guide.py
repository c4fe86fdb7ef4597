"""`about`, `coping` and `now`: content rules, screens, JSON, and the help footer last."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from banned import violations
from crisiscli import guide

DATA = Path(guide.DATA_DIR)
REQUIRED_TOPICS = {"what-is-self-harm", "why-people-self-harm", "self-harm-and-mental-health",
                   "signs-someone-is-struggling", "starting-a-conversation", "treatment-and-professional-help",
                   "healthy-coping-and-self-care", "community-and-peer-support", "setbacks-and-recovery",
                   "supporting-a-loved-one", "myths-and-stigma", "getting-help-in-a-crisis"}
EXCLUDED = ("rubber", "band", "ice", "draw", "harm-min", "safer", "contract")


@pytest.mark.parametrize("name", ["guide", "coping"])
def test_content_files_follow_their_schema_and_carry_review_metadata(name):
    doc = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    schema = json.loads((DATA / f"{name}.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    assert [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(doc)] == []
    assert doc["reviewed_by"] and doc["reviewed_on"] and doc["sources"]


def test_topics_and_strategies_cover_what_was_asked():
    assert REQUIRED_TOPICS <= {t.id for t in guide.topics()}
    ids = {t.id for t in guide.topics()}
    for t in guide.topics():
        assert set(t.see_also) <= ids, t.id
        assert t.sources and t.hope_action
    strategies = guide.strategies()
    assert len(strategies) >= 15
    assert not [s.id for s in strategies if any(word in s.id for word in EXCLUDED)]


def _content_strings():
    for t in guide.topics():
        for text in [t.title, t.summary, t.hope_action, t.content_note or ""] + \
                [p for s in t.sections for p in s.paragraphs] + [s.heading or "" for s in t.sections] + \
                [m.fact for m in t.myths]:
            yield f"topic {t.id}", text, False
        for m in t.myths:
            yield f"topic {t.id} myth", m.myth, True
    for s in guide.strategies():
        for text in [s.name, s.summary, s.suits, s.evidence_note or "", s.one_line or "", *s.steps, *s.cautions]:
            yield f"strategy {s.id}", text, False


def test_every_content_string_is_safe():
    bad = [(where, text, v) for where, text, myth in _content_strings() if (v := violations(text, myth=myth))]
    assert bad == []


def test_about_lists_then_shows_a_topic(run):
    listing = run("about")
    assert listing.returncode == 0 and "what-is-self-harm" in listing.stdout
    page = run("about", "what-is-self-harm")
    assert page.returncode == 0
    assert page.stdout.startswith("Content note:")
    assert "Sources:" in page.stdout
    assert page.stdout.rstrip().splitlines()[-1].endswith("(24/7).") or "Need help now" in page.stdout[-300:]


def test_topic_by_prefix_and_unknown_topic(run):
    assert "Myth:" in run("about", "myths").stdout
    bad = run("about", "what-is-selfharm")
    assert bad.returncode == 2 and "did you mean what-is-self-harm" in bad.stderr


def test_about_at_60_columns_wraps(run):
    out = run("about", "supporting-a-loved-one", env={"COLUMNS": "60"}).stdout
    assert max(len(line) for line in out.splitlines()) <= 60


def test_coping_list_filters_random_and_one(run):
    listing = run("coping", "--json")
    ids = {s["id"] for s in json.loads(listing.stdout)["data"]}
    assert len(ids) >= 15
    now = json.loads(run("coping", "--moment", "now", "--json").stdout)["data"]
    assert now and all(s["moment"] == "now" for s in now)
    soothe = json.loads(run("coping", "--category", "soothe", "--json").stdout)["data"]
    assert soothe and all(s["category"] == "soothe" for s in soothe)
    for _ in range(3):
        picked = json.loads(run("coping", "--random", "--json").stdout)["data"]
        assert picked["id"] in ids and picked["steps"]
    page = run("coping", "ground-54321")
    assert "1. Notice 5 things you can see." in page.stdout and "Sources:" in page.stdout


@pytest.mark.parametrize("args", [["coping", "--category", "nope"], ["coping", "--moment", "soon"],
                                  ["coping", "ground-54321", "--random"], ["coping", "nonexistent-skill"]])
def test_coping_bad_input(run, args):
    result = run(*args)
    assert result.returncode == 2 and "Traceback" not in result.stderr


@pytest.mark.parametrize("country", ["GB", "US", "JP", "TR", "BR"])
def test_now_fits_15_lines_at_80_columns(run, country):
    out = run("now", country).stdout
    lines = out.rstrip("\n").splitlines()
    assert len(lines) <= 15, out
    assert max(len(line) for line in lines) <= 80
    assert "Need help now" in "\n".join(lines[-2:])


def test_now_us_uses_988_never_the_old_number(run):
    out = run("now", "US").stdout
    assert "988" in out and "988lifeline.org" in out and "911" in out
    assert violations(out) == []


def test_now_without_a_country(run):
    result = run("now")
    assert result.returncode == 0
    assert "call your local emergency number" in result.stdout.lower()
    assert "crisiscli now COUNTRY" in result.stdout


def test_now_detected_country_is_announced(run):
    result = run("now", env={"TZ": "Europe/Paris"})
    assert "3114" in result.stdout and "Showing help for France" in result.stderr


def test_now_points_to_the_plan_when_there_is_one(run, tmp_path):
    assert "plan show" not in run("now", "GB").stdout
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"reasons_for_living": ["my sister"]}), encoding="utf-8")
    assert run("plan", "new", "--from-file", str(plan)).returncode == 0
    out = run("now", "GB").stdout
    assert "crisiscli plan show" in out
    assert "my sister" not in out and "my sister" not in run("now", "GB", "--json").stdout


def test_json_for_about_coping_now(run):
    for args, command in ((["about", "myths", "--json"], "about"), (["coping", "delay-15", "--json"], "coping"),
                          (["now", "GB", "--json"], "now")):
        doc = json.loads(run(*args).stdout)
        assert doc["schema_version"] == 1 and doc["command"] == command and doc["data"]
    now = json.loads(run("now", "GB", "--json").stdout)["data"]
    assert now["emergency"][0]["digits"] == "999" and now["lines"][0]["contacts"][0]["digits"] == "116123"


def test_footer_on_every_human_screen(run):
    for args in (["about"], ["about", "getting-help-in-a-crisis"], ["coping"], ["coping", "dbt-tipp"],
                 ["now", "GB"]):
        out = run(*args, env={"CRISISCLI_COUNTRY": "GB"}).stdout.rstrip()
        assert out.splitlines()[-1].endswith("(24/7).") or "116 123" in out.splitlines()[-1], args
