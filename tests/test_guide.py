"""`about`, `coping` and `now`: content rules, screens, JSON, and the help footer last."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest
from banned import violations

from crisiscli import guide
from crisiscli.paths import DATA_DIR

DATA = Path(DATA_DIR)
REQUIRED_TOPICS = {
    "what-is-self-harm",
    "why-people-self-harm",
    "self-harm-and-mental-health",
    "signs-someone-is-struggling",
    "starting-a-conversation",
    "treatment-and-professional-help",
    "healthy-coping-and-self-care",
    "community-and-peer-support",
    "setbacks-and-recovery",
    "supporting-a-loved-one",
    "myths-and-stigma",
    "getting-help-in-a-crisis",
    # issue 12
    "after-self-harm",
    "young-people",
    "telling-someone",
    "parents-and-carers",
    "what-to-say",
}
EXCLUDED = ("rubber", "band", "ice", "draw", "harm-min", "safer", "contract")
# Hosts that are never a source: document-sharing copies, app stores, blog hosts, a pharmacy copy of NHS
# pages, a closed campaign, staging or cloud hosts, news copies. The original publisher, a DOI, NICE,
# NHS, WHO or the charity's own page goes in their place.
DENY_HOSTS = (
    r"(^|\.)(dokumen\.tips|docslib\.org|docplayer\.\w+|documents\.pub|zbook\.org|studylib\.net"
    r"|readkong\.com|paperzz\.com|yumpu\.com|issuu\.com|scribd\.com|slideshare\.net"
    r"|slidelegend\.com|flippingbook\.com|docecity\.com)$",
    r"(^|\.)(vdocuments|fdocuments)\.\w+$",
    r"(^|\.)(apprecs\.com|apps\.apple\.com|play\.google\.com)$",
    r"(^|\.)(wordpress\.com|blogspot\.com|medium\.com|ghost\.io|wixsite\.com|tumblr\.com"
    r"|livejournal\.com|wattpad\.com)$|\.blog$",
    r"(^|\.)(clearchemist\.co\.uk|time-to-change\.org\.uk|therapistassist\.app)$",
    r"staging|(^|\.)core-cms\.|(^|\.)core-prod\.|bdgdev\.com$|amazonaws\.com$|pages\.dev$",
    r"(^|\.)(cuu\.coron\.tech|nwemail\.co\.uk|newarkadvertiser\.co\.uk)$",
)
# Pages known to recommend an excluded strategy (rubber bands, holding ice, drawing on skin) or the
# permissive "wait, then you can" ending; they stay out even though their hosts are not denied.
DENY_PAGES = (
    "open.mhid.org.uk",
    "mindwell-leeds.org.uk",
    "lifelinesouthcoast.org.au",
    "lifesigns.org.uk",
    "dbtselfhelp.com",
    "spunout.ie",
    "recoverycollegeonline.co.uk",
)


@pytest.mark.parametrize("name", ["guide", "coping"])
def test_content_files_follow_their_schema_and_carry_review_metadata(name):
    doc = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    schema = json.loads((DATA / f"{name}.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    assert [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(doc)] == []
    assert doc["reviewed_by"] and doc["reviewed_on"] and doc["sources"]


def test_topics_and_strategies_cover_what_was_asked():
    assert {t.id for t in guide.topics()} >= REQUIRED_TOPICS
    ids = {t.id for t in guide.topics()}
    for t in guide.topics():
        assert set(t.see_also) <= ids, t.id
        assert t.sources and t.hope_action
    strategies = guide.strategies()
    assert len(strategies) >= 30
    assert not [s.id for s in strategies if any(word in s.id for word in EXCLUDED)]
    # grouped by what they are for, every group filled, each with steps, moment, evidence, sources
    assert {s.category for s in strategies} == set(guide.CATEGORIES)
    for s in strategies:
        assert s.steps and s.moment in guide.MOMENTS and s.evidence_note and s.sources, s.id
        assert all(len(step) <= 76 for step in s.steps), s.id  # one line each at 80 columns
        if s.moment == "now":
            assert s.one_line and len(s.steps) <= 6, s.id


def _content_strings():
    for t in guide.topics():
        for text in (
            [t.title, t.summary, t.hope_action, t.content_note or ""]
            + [p for s in t.sections for p in s.paragraphs]
            + [s.heading or "" for s in t.sections]
            + [m.fact for m in t.myths]
        ):
            yield f"topic {t.id}", text, False
        for m in t.myths:
            yield f"topic {t.id} myth", m.myth, True
    for s in guide.strategies():
        for text in [
            s.name,
            s.summary,
            s.suits,
            s.evidence_note or "",
            s.one_line or "",
            s.next_step or "",
            *s.steps,
            *s.cautions,
        ]:
            yield f"strategy {s.id}", text, False


def test_every_content_string_is_safe():
    bad = [(where, text, v) for where, text, myth in _content_strings() if (v := violations(text, myth=myth))]
    assert bad == []


# Promises no line can keep ("any hour" where the data says otherwise), and "safe space"/"never"-style
# guarantees: a person in crisis must not be told something a service may not live up to.
GUARANTEES = re.compile(
    r"\bany hour\b|\bat any time\b|\b24/7\b|\bsafe space|\bnever (be )?judge|\bwill never\b"
    r"|\balways (be )?(there|available|open|answer)|\bguarantee",
    re.IGNORECASE,
)


def test_no_promise_the_data_cannot_keep():
    bad = [(where, text) for where, text, _ in _content_strings() if GUARANTEES.search(text)]
    assert bad == []


# Venting raises arousal and does not reduce anger (Bushman 2002; Kjaervik and Bushman 2024): no
# strategy may offer hitting, punching, screaming, squeezing hard or loud noise; and cold water, ice and
# "temperature" stay out since the TIPP step was removed rather than half-quoted.
AROUSING = re.compile(
    r"\bhit\w*|\bpunch\w*|\bscream\w*|\bshout\w*|\bsmash\w*|(?<!out )\bloud\w*|as hard as|\bsqueez\w*"
    r"|\bice\b|cold water|cold shower|\btemperature\b|\bcool pack\b|\bTIPP\b|intense exercise"
    r"|\brip\w*|\btear (it|something|up)",
    re.IGNORECASE,
)


def test_no_strategy_raises_arousal_or_uses_cold():
    bad = [
        (s.id, text)
        for s in guide.strategies()
        for text in [s.name, s.summary, s.one_line or "", s.next_step or "", *s.steps, *s.cautions]
        if AROUSING.search(text)
    ]
    assert bad == []


def _all_source_urls():
    for name, key in (("guide", "topics"), ("coping", "strategies")):
        doc = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
        yield from ((name, url) for url in doc["sources"])
        for item in doc[key]:
            yield from ((item["id"], s["url"]) for s in item["sources"])


def test_strong_sources_only():
    """No document-sharing copy, app store, blog host, pharmacy copy, closed campaign or staging host,
    and no page known to recommend an excluded strategy."""
    bad = []
    for where, url in _all_source_urls():
        host = (urlsplit(url).hostname or "").lower()
        host = host[4:] if host.startswith("www.") else host
        if any(re.search(rx, host) for rx in DENY_HOSTS) or any(page in url for page in DENY_PAGES):
            bad.append((where, url))
    assert bad == []


def test_denylist_catches_what_the_old_content_had():
    old = [
        "https://dokumen.tips/documents/x.html",
        "https://vdocuments.mx/x.html",
        "https://fdocuments.in/x",
        "https://apprecs.com/ios/1/x",
        "https://growingalone.wordpress.com/x",
        "https://innerrenovations.blog/x",
        "https://drcassieroberts.medium.com/x",
        "https://clearchemist.co.uk/x",
        "https://www.time-to-change.org.uk/x",
        "https://homsy-staging.cambridgecore.org/x",
        "http://core-cms.prod.aop.cambridge.org/x",
        "https://nv988.bdgdev.com/x",
        "https://samhsa-main-prod-ext-alb-197684657.us-east-1.elb.amazonaws.com/x",
    ]
    for url in old:
        host = urlsplit(url).hostname or ""
        assert any(re.search(rx, host) for rx in DENY_HOSTS), url
    assert not any(re.search(rx, "nice.org.uk") for rx in DENY_HOSTS)


def test_top_level_sources_list_every_cited_source():
    for name, key in (("guide", "topics"), ("coping", "strategies")):
        doc = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
        cited = {s["url"] for item in doc[key] for s in item["sources"]}
        assert set(doc["sources"]) == cited, name


def test_honest_evidence_labels():
    by_id = {s.id: s for s in guide.strategies()}
    # a helpline is not part of a therapy; booking a GP is not graded by the therapies it leads to
    assert by_id["connect-helpline"].evidence == "A" and "comparison" in by_id["connect-helpline"].evidence_note
    assert by_id["longterm-professional"].evidence == "D"
    note = by_id["plan-safety-plan"].evidence_note
    assert "cohort" in note and "meta-analysis" in note and "suicidal behaviour" in note
    treatment = " ".join(p for s in guide.find_topic("treatment-and-professional-help").sections for p in s.paragraphs)
    assert "consider DBT-A" in treatment and "CBT" in treatment and "adults" in treatment


@pytest.mark.parametrize("topic", sorted(REQUIRED_TOPICS))
def test_each_topic_reads_in_60_lines(topic):
    from crisiscli.render_guide import reading_part

    assert len(reading_part(guide.find_topic(topic), 80, False).splitlines()) <= 60


def test_about_lists_then_shows_a_topic(run):
    listing = run("about")
    assert listing.returncode == 0 and "what-is-self-harm" in listing.stdout and "after-self-harm" in listing.stdout
    page = run("about", "what-is-self-harm")
    assert page.returncode == 0
    assert page.stdout.startswith("Content note:")
    assert (
        "Sources:" in page.stdout
        and "--sources" in page.stdout
        and "https://" not in page.stdout.split("Sources:")[1].split("Need help now")[0]
    )
    assert page.stdout.rstrip().splitlines()[-1].endswith("(24/7).") or "Need help now" in page.stdout[-300:]


@pytest.mark.parametrize("columns", ["40", "80"])
def test_sources_flag_lists_whole_addresses(run, columns):
    topic = guide.find_topic("treatment-and-professional-help")
    out = run("about", topic.id, "--sources", env={"COLUMNS": columns}).stdout
    lines = out.splitlines()
    for source in topic.sources:
        assert f"  {source.url}" in lines, source.url  # alone on its line, never broken
    strategy = guide.find_strategy("plan-safety-plan")
    lines = run("coping", strategy.id, "--sources", env={"COLUMNS": columns}).stdout.splitlines()
    assert all(f"  {s.url}" in lines for s in strategy.sources)


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
    assert len(ids) >= 30
    now = json.loads(run("coping", "--moment", "now", "--json").stdout)["data"]
    assert now and all(s["moment"] == "now" for s in now)
    calm = json.loads(run("coping", "--category", "calm", "--json").stdout)["data"]
    assert calm and all(s["category"] == "calm" for s in calm)
    for _ in range(3):
        picked = json.loads(run("coping", "--random", "--json").stdout)["data"]
        assert picked["id"] in ids and picked["steps"] and picked["moment"] == "now"
    later = json.loads(run("coping", "--random", "--moment", "later", "--json").stdout)["data"]
    assert later["moment"] == "later"
    page = run("coping", "ground-54321")
    assert "1. Notice 5 things you can see." in page.stdout and "Sources:" in page.stdout
    text = run("coping").stdout
    assert all(title in text for title in guide.CATEGORY_TITLES.values())


def test_random_only_ever_offers_in_the_moment_strategies():
    candidates = guide.choose_strategies(None, "now")
    rng = random.Random(12)
    assert all(guide.pick_random(candidates, rng).moment == "now" for _ in range(200))
    assert guide.now_strategy().moment == "now" and guide.grounding_step() == guide.now_strategy().one_line


@pytest.mark.parametrize(
    "args",
    [
        ["coping", "--category", "nope"],
        ["coping", "--moment", "soon"],
        ["coping", "ground-54321", "--random"],
        ["coping", "nonexistent-skill"],
    ],
)
def test_coping_bad_input(run, args):
    result = run(*args)
    assert result.returncode == 2 and "Traceback" not in result.stderr


MEDICAL = "Get medical help now, even if you feel fine"


@pytest.mark.parametrize("country", ["GB", "US", "JP", "TR", "BR"])
def test_now_fits_15_lines_at_80_columns(run, country):
    out = run("now", country).stdout
    lines = out.rstrip("\n").splitlines()
    assert len(lines) <= 15, out
    assert max(len(line) for line in lines) <= 80
    assert MEDICAL in lines[2]  # said before any line, right under the warm sentence
    assert "Need help now" in " ".join(lines[-2:]) and lines[-1].rstrip().endswith(".")  # the footer ends it


def test_now_us_uses_988_never_the_old_number(run):
    out = run("now", "US").stdout
    assert "988" in out and "988lifeline.org" in out and "911" in out
    assert violations(out) == []


def test_now_without_a_country(run):
    result = run("now")
    assert result.returncode == 3  # the same rule as `lines`: no country known
    out = " ".join(result.stdout.split())
    assert "call your local emergency number" in out.lower()
    assert "crisiscli now Germany" in out and "crisiscli countries" in out
    assert "https://findahelpline.com" in out  # a worldwide directory, so a person can still be reached
    assert MEDICAL in out and len(result.stdout.splitlines()) <= 15


def test_now_young_shows_a_youth_line_when_there_is_one(run):
    out = run("now", "GB", "--young").stdout
    assert "For young people:" in out and "Childline" in out and len(out.splitlines()) <= 15
    assert "Childline" not in run("now", "GB").stdout
    data = json.loads(run("now", "GB", "--young", "--json").stdout)["data"]
    assert any("youth" in line["audiences"] or "children" in line["audiences"] for line in data["youth_lines"])
    assert "youth_lines" not in json.loads(run("now", "GB", "--json").stdout)["data"]


def test_now_young_says_so_when_there_is_none(run):
    from crisiscli.dataset import load_active
    from crisiscli.query import find_lines

    dataset = load_active()
    code = next(
        c
        for c in ("IS", "MT", "LU", "CY", "EE", "JP", "TR", "BR", "IN", "ZA")
        if (rec := dataset.country(c))
        and find_lines(rec)
        and not any({"youth", "children"} & set(line.audiences) for line in find_lines(rec))
    )
    out = run("now", code, "--young").stdout
    assert "No line just for young people is recorded here" in " ".join(out.split())


def test_now_detected_country_is_announced(run):
    result = run("now", env={"TZ": "Europe/Berlin"})
    assert "TelefonSeelsorge" in result.stdout and "Showing help for Germany" in result.stderr


def test_now_points_to_the_plan_when_there_is_one(run, tmp_path):
    assert "plan show" not in run("now", "GB").stdout
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"reasons_for_living": ["my sister"]}), encoding="utf-8")
    assert run("plan", "new", "--from-file", str(plan)).returncode == 0
    out = run("now", "GB").stdout
    assert "crisiscli plan show" in out
    assert "my sister" not in out and "my sister" not in run("now", "GB", "--json").stdout


def test_json_for_about_coping_now(run):
    for args, command in (
        (["about", "myths", "--json"], "about"),
        (["coping", "delay-15", "--json"], "coping"),
        (["now", "GB", "--json"], "now"),
    ):
        doc = json.loads(run(*args).stdout)
        assert doc["schema_version"] == 1 and doc["command"] == command and doc["data"]
    now = json.loads(run("now", "GB", "--json").stdout)["data"]
    assert now["emergency"][0]["digits"] == "999" and now["lines"][0]["contacts"][0]["digits"] == "116123"
    assert "even if you feel fine" in now["medical"]


def test_footer_on_every_human_screen(run):
    for args in (
        ["about"],
        ["about", "getting-help-in-a-crisis"],
        ["coping"],
        ["coping", "calm-slow-breathing"],
        ["about", "after-self-harm", "--sources"],
    ):
        out = run(*args, env={"CRISISCLI_COUNTRY": "GB"}).stdout.rstrip()
        assert out.splitlines()[-1].endswith("(24/7).") or "116 123" in out.splitlines()[-1], args
    now = run("now", "GB").stdout.rstrip().splitlines()
    assert now[-1].endswith("(24/7).") and "999" in now[2] and MEDICAL in now[2]
