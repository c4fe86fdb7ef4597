"""`crisiscli mcp` as an assistant meets it: the console script in a real subprocess, driven by the
official SDK's own stdio client. No mocks.

Why one server for the module: starting it costs about a second (mostly importing the SDK), and a
server that keeps answering after bad input is itself one of the things under test. Every call
has a timeout, so a hung server fails the test instead of hanging the suite. The clock is pinned
with CRISISCLI_NOW at a moment when some lines are closed, and every number is compared with what
`crisiscli lines --format json` says for the same question.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from banned import violations
from conftest import BIN, base_env
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

# 03:00 UTC on the day the bundled dataset was generated: night in Europe, evening in the
# Americas, so opening hours matter and age_days is 0.
NOW = "2026-11-25T03:00:00+00:00"
TIMEOUT = 15  # seconds, for any one request (the first one includes the server's start-up)
TOOLS = {"crisis_lines", "emergency_numbers", "find_country", "search_lines", "coping_strategy", "about"}
INSTALL = "pip install 'crisiscli[mcp]'"


class Client:
    """A synchronous face on one MCP session that lives in a portal thread, so tests stay plain
    functions and the module shares one server."""

    def __init__(self, portal: BlockingPortal, session: ClientSession, init: dict[str, Any]) -> None:
        self.portal = portal
        self.session = session
        self.init = init

    def _run(self, method: str, *args: Any) -> Any:
        async def bounded() -> Any:
            with anyio.fail_after(TIMEOUT):
                return await getattr(self.session, method)(*args)

        return self.portal.call(bounded)

    def call(self, tool: str, arguments: dict[str, Any] | None = None) -> dict[str, Any]:
        """tools/call, as wire-format JSON (camelCase, the same under SDK 1.x and 2.x)."""
        return self._run("call_tool", tool, arguments or {}).model_dump(by_alias=True, mode="json")

    def ok(self, tool: str, arguments: dict[str, Any] | None = None) -> dict[str, Any]:
        """A successful call's structured result, checked against its JSON text."""
        result = self.call(tool, arguments)
        assert result["isError"] is False, result["content"]
        doc = result["structuredContent"]
        assert json.loads(result["content"][0]["text"]) == doc
        return doc

    def dump(self, method: str, *args: Any) -> dict[str, Any]:
        return self._run(method, *args).model_dump(by_alias=True, mode="json")


@asynccontextmanager
async def _session(env: dict[str, str], errlog: Any) -> AsyncIterator[tuple[ClientSession, dict[str, Any]]]:
    params = StdioServerParameters(command=str(BIN), args=["mcp"], env=env)
    async with stdio_client(params, errlog=errlog) as (read, write):
        async with ClientSession(read, write) as session:
            with anyio.fail_after(TIMEOUT):
                init = await session.initialize()
            yield session, init.model_dump(by_alias=True, mode="json")


@pytest.fixture(scope="module")
def server_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    env = base_env(tmp_path_factory.mktemp("mcp"))
    env["CRISISCLI_NOW"] = NOW
    return env


@pytest.fixture(scope="module")
def client(server_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory):
    errpath = tmp_path_factory.mktemp("mcp-stderr") / "stderr.txt"
    with open(errpath, "w", encoding="utf-8") as errlog, start_blocking_portal() as portal:
        with portal.wrap_async_context_manager(_session(server_env, errlog)) as (session, init):
            yield Client(portal, session, init)


def cli_json(run, *args: str) -> dict[str, Any]:
    """`crisiscli ARGS --format json` at the server's moment, parsed."""
    result = run(*args, "--format", "json", env={"CRISISCLI_NOW": NOW})
    return json.loads(result.stdout)


def numbers(section: dict[str, Any]) -> dict[str, Any]:
    """What a person would dial or open: emergency digits, and each line's contacts in order."""
    return {
        "emergency": sorted(e["digits"] for e in section.get("emergency", [])),
        "lines": [
            (line["id"], [(c["type"], c["display"], c.get("digits"), c.get("url")) for c in line["contacts"]])
            for line in section["lines"]
        ],
    }


# --- discovery ------------------------------------------------------------------------------


def test_lists_the_tools_resource_and_prompt_with_instructions(client):
    instructions = client.init["instructions"]
    assert "use only the numbers" in instructions and "never paraphrase" in instructions
    assert "emergency number first" in instructions
    assert violations(instructions) == []
    assert client.init["serverInfo"]["name"] == "crisiscli"
    tools = {t["name"]: t for t in client.dump("list_tools")["tools"]}
    assert set(tools) == TOOLS
    schema = tools["crisis_lines"]["inputSchema"]
    assert schema["required"] == ["country"]
    assert set(schema["properties"]) == {"country", "topic", "audience", "channel", "language", "open_now"}
    assert "self_harm" in json.dumps(schema["properties"]["topic"])  # the vocabulary is in the schema
    for tool in tools.values():
        assert tool["description"] and violations(tool["description"]) == []
    [resource] = client.dump("list_resources")["resources"]
    assert resource["uri"] == "crisiscli://dataset"
    [prompt] = client.dump("list_prompts")["prompts"]
    assert prompt["name"] == "find_help"
    assert [(a["name"], a["required"]) for a in prompt["arguments"]] == [("country", True)]


# --- the numbers are the CLI's numbers -----------------------------------------------------------


@pytest.mark.parametrize(
    "country, arguments, flags",
    [
        ("BR", {"audience": "youth"}, ["--audience", "youth"]),
        ("GB", {}, []),
        ("US", {"channel": "sms"}, ["--channel", "sms"]),
        ("DE", {"language": "de", "topic": "suicide"}, ["--language", "de", "--topic", "suicide"]),
        ("FR", {"open_now": True}, ["--open-now"]),
        ("GB", {"open_now": True}, ["--open-now"]),
    ],
)
def test_crisis_lines_numbers_match_the_cli(client, run, country, arguments, flags):
    doc = client.ok("crisis_lines", {"country": country, **arguments})
    cli = cli_json(run, "lines", country, *flags)
    [section] = cli["data"]
    assert numbers(doc["data"]) == numbers(section)
    assert [line["confirmation"] for line in doc["data"]["lines"]] == [
        line["confirmation"] for line in section["lines"]
    ]
    assert doc["dataset"] == cli["dataset"]
    assert doc["data"]["iso2"] == country


def test_filters_that_match_nothing_give_the_nearest_lines_like_the_cli(client, run):
    """Not an error (the emergency number still helps): the CLI's warning, and the lines that
    match once the least important filter is dropped."""
    doc = client.ok("crisis_lines", {"country": "GB", "channel": "whatsapp", "audience": "youth"})
    cli = cli_json(run, "lines", "GB", "--channel", "whatsapp", "--audience", "youth")
    [section] = cli["data"]
    assert doc["data"]["lines"] == [] and doc["data"]["emergency"]
    assert doc["warnings"] == cli["warnings"]
    assert doc["data"]["nearest"]["dropped"] == section["nearest"]["dropped"]
    assert numbers(doc["data"]["nearest"]) == numbers({"emergency": [], "lines": section["nearest"]["lines"]})


def test_open_now_follows_the_pinned_clock_not_the_wall_clock(client, run):
    """At 03:00 UTC some French lines are closed: the tool and `lines --open-now` agree, and
    every line's open_status is computed for that moment."""
    every = client.ok("crisis_lines", {"country": "FR"})
    open_only = client.ok("crisis_lines", {"country": "FR", "open_now": True})
    assert every["checked_at"] == NOW
    closed = [line["id"] for line in every["data"]["lines"] if line["open_status"]["open"] is False]
    assert closed, "expected some French line to be closed at 03:00 UTC"
    assert not set(closed) & {line["id"] for line in open_only["data"]["lines"]}
    cli = cli_json(run, "lines", "FR", "--open-now")
    statuses = {line["id"]: line["open_status"] for line in cli["data"][0]["lines"]}
    assert {line["id"]: line["open_status"] for line in open_only["data"]["lines"]} == statuses


def test_each_line_carries_hours_channels_evidence_and_source(client):
    doc = client.ok("crisis_lines", {"country": "GB"})
    assert doc["schema_version"] == 1 and doc["tool"] == "crisis_lines"
    assert set(doc["dataset"]) == {"version", "generated_at", "age_days", "origin"}
    assert doc["dataset"]["age_days"] == 0
    assert "Use only the numbers" in doc["instructions"] and "never paraphrase" in doc["instructions"]
    assert doc["data"]["emergency"][0]["digits"] == "999"  # the general number first
    for line in doc["data"]["lines"]:
        assert set(line["open_status"]) == {"open", "text", "changes_at"}
        assert line["channels"] == sorted({c["type"] for c in line["contacts"]})
        assert line["evidence_date"] == line["confirmation"]["evidence_date"]
        assert line["confirmation"]["status"] in ("confirmed", "unconfirmed")
        assert line["source_url"] in {s["url"] for s in line["provenance"]["sources"]}
        assert all("cost" in c for c in line["contacts"]) and line["languages"]


def test_emergency_numbers_match_the_cli(client, run):
    doc = client.ok("emergency_numbers", {"country": "fr"})
    [section] = cli_json(run, "lines", "FR")["data"]
    assert sorted(e["digits"] for e in doc["data"]["emergency"]) == sorted(e["digits"] for e in section["emergency"])
    assert doc["data"]["emergency"][0]["digits"] == "112"
    assert doc["data"]["lines"] == []
    assert doc["dataset"]["version"] >= 1 and "Use only the numbers" in doc["instructions"]


def test_a_country_without_data_says_so_and_points_to_the_emergency_number(client, run):
    doc = client.ok("crisis_lines", {"country": "BV"})  # Bouvet Island: a real code, no lines
    cli = cli_json(run, "lines", "BV")
    assert doc["data"]["emergency"] == [] and doc["data"]["lines"] == []
    assert doc["warnings"] == cli["warnings"]
    assert doc["data"]["fallback"]["url"].startswith("https://")


def test_search_matches_the_cli(client, run):
    doc = client.ok("search_lines", {"query": "samaritans"})
    cli = cli_json(run, "search", "samaritans")
    assert [(h["iso2"], h["line"]["id"]) for h in doc["data"]] == [(h["iso2"], h["line"]["id"]) for h in cli["data"]]
    assert [h["line"]["contacts"] for h in doc["data"]] == [h["line"]["contacts"] for h in cli["data"]]
    nothing = client.ok("search_lines", {"query": "zzzqqq"})
    assert nothing["data"] == [] and nothing["warnings"][0].startswith("no line matches 'zzzqqq'")


# --- countries as people say them ---------------------------------------------------------------


def test_a_teenager_in_brazil_then_somewhere_in_the_uk(client, run):
    """The issue's walk-through: every number shown comes from the tool, and equals the CLI's."""
    brazil = client.ok("crisis_lines", {"country": "Brazil", "audience": "youth"})
    assert brazil["country_source"] == "argument"
    assert numbers(brazil["data"]) == numbers(cli_json(run, "lines", "BR", "--audience", "youth")["data"][0])
    # and, as `now --young` shows, the 24/7 line for everyone that the youth filter left out
    now = cli_json(run, "now", "BR", "--young")["data"]
    assert [line["id"] for line in brazil["data"]["also_24_7"]] == [
        line["id"] for line in now["lines"] if line["id"] not in {x["id"] for x in brazil["data"]["lines"]}
    ]
    assert brazil["data"]["also_24_7"], "expected a 24/7 line for everyone in Brazil"
    found = client.ok("find_country", {"text": "somewhere in the UK"})
    assert found["data"]["matches"][0]["iso2"] == "GB" and not found["data"]["ambiguous"]
    assert found["data"]["matches"][0]["has_data"] is True
    uk = client.ok("crisis_lines", {"country": "somewhere in the UK"})
    assert uk["country_source"] == "description"
    assert numbers(uk["data"]) == numbers(cli_json(run, "lines", "GB")["data"][0])


@pytest.mark.parametrize(
    "text, expected, ambiguous",
    [
        ("Deutschland", ["DE"], False),
        ("gbr", ["GB"], False),
        ("Côte d'Ivoire", ["CI"], False),
        ("near the border of France and Spain", ["FR", "ES"], True),
        ("a small town in new zealand", ["NZ"], False),
    ],
)
def test_find_country(client, text, expected, ambiguous):
    doc = client.ok("find_country", {"text": text})
    assert [m["iso2"] for m in doc["data"]["matches"]] == expected
    assert doc["data"]["ambiguous"] is ambiguous
    assert all(m["iso3"] and m["name"] for m in doc["data"]["matches"])


def test_a_description_naming_two_countries_asks_which(client):
    result = client.call("crisis_lines", {"country": "near the border of France and Spain"})
    assert result["isError"] is True
    assert "names more than one country (France, Spain)" in result["content"][0]["text"]
    assert result["structuredContent"]["error"]["suggestions"] == ["FR", "ES"]


def test_everyday_words_that_are_country_codes_name_no_country(client, run):
    """'in', 'it', 'to', 'me' are ISO codes (India, Italy, Tonga, Montenegro); a sentence made of
    them names nowhere, and the error is the CLI's."""
    result = client.call("find_country", {"text": "tell me if it is in us"})
    assert result["isError"] is True
    cli = cli_json(run, "lines", "tell me if it is in us")
    assert result["content"][0]["text"] == cli["error"]["message"]


# --- bad input: the CLI's message, an error result, and the server keeps serving ------------------


@pytest.mark.parametrize(
    "tool, arguments, cli_args",
    [
        ("crisis_lines", {"country": "Narnia"}, ["lines", "Narnia"]),
        ("crisis_lines", {"country": "germny"}, ["lines", "germny"]),
        ("crisis_lines", {"country": "GB", "topic": "zzz"}, ["lines", "GB", "--topic", "zzz"]),
        ("crisis_lines", {"country": "GB", "channel": "pigeon"}, ["lines", "GB", "--channel", "pigeon"]),
        ("crisis_lines", {"country": "x" * 100_000}, ["lines", "x" * 100_000]),
        ("emergency_numbers", {"country": ""}, ["lines", ""]),
        ("find_country", {"text": "   "}, ["lines", "   "]),
        ("find_country", {"text": "y" * 50_000}, ["lines", "y" * 50_000]),
        ("search_lines", {"query": ""}, ["search", ""]),
        ("search_lines", {"query": "z" * 100_000}, ["search", "z" * 100_000]),
        ("about", {"topic": "nonsense"}, ["about", "nonsense"]),
        ("about", {"topic": "q" * 100_000}, ["about", "q" * 100_000]),
        ("coping_strategy", {"moment": "soon"}, ["coping", "--moment", "soon"]),
    ],
)
def test_bad_input_gives_the_cli_message_as_an_error_result(client, run, tool, arguments, cli_args):
    result = client.call(tool, arguments)
    cli = cli_json(run, *cli_args)
    assert result["isError"] is True
    assert result["content"][0]["text"] == cli["error"]["message"]
    error = result["structuredContent"]["error"]
    assert (error["code"], error["suggestions"]) == (cli["error"]["code"], cli["error"]["suggestions"])
    assert result["structuredContent"]["schema_version"] == 1
    assert client.ok("emergency_numbers", {"country": "GB"})["data"]["emergency"][0]["digits"] == "999"


@pytest.mark.parametrize("arguments", [{}, {"country": 44}, {"country": "GB", "open_now": "sometimes"}])
def test_arguments_of_the_wrong_shape_are_refused_and_the_server_keeps_serving(client, arguments):
    assert client.call("crisis_lines", arguments)["isError"] is True
    assert client.ok("emergency_numbers", {"country": "GB"})["data"]["emergency"][0]["digits"] == "999"


def test_unknown_prompt_country_is_an_error_and_the_server_keeps_serving(client):
    with pytest.raises(Exception, match="unknown country 'Narnia'; did you mean"):
        client.dump("get_prompt", "find_help", {"country": "Narnia"})
    assert client.ok("emergency_numbers", {"country": "GB"})["data"]["emergency"][0]["digits"] == "999"


# --- the guide, the resource and the prompt -----------------------------------------------------


def test_coping_and_about_are_the_cli_text(client, run):
    coping = client.ok("coping_strategy")
    cli = cli_json(run, "coping", "--moment", "now")
    assert [s["id"] for s in coping["data"]] == [s["id"] for s in cli["data"]]
    assert all(s["steps"] and s["sources"] and s["moment"] == "now" for s in coping["data"])
    later = client.ok("coping_strategy", {"moment": "later"})
    assert {s["moment"] for s in later["data"]} == {"later"}
    topic = client.ok("about", {"topic": "what-is-self-harm"})
    assert topic["data"] == cli_json(run, "about", "what-is-self-harm")["data"]
    listed = client.ok("about")
    assert [t["id"] for t in listed["data"]] == [t["id"] for t in cli_json(run, "about")["data"]]
    for doc in (coping, topic):
        assert violations(doc["instructions"]) == []


def test_dataset_resource_is_the_countries_list(client, run):
    [content] = client.dump("read_resource", "crisiscli://dataset")["contents"]
    doc = json.loads(content["text"])
    countries = cli_json(run, "countries")
    assert doc["dataset"] == countries["dataset"]
    assert doc["data"]["by_country"] == countries["data"]
    assert doc["data"]["countries"] == len(countries["data"]) > 200


def test_prompt_returns_the_now_screen(client, run):
    result = client.dump("get_prompt", "find_help", {"country": "GB"})
    [message] = result["messages"]
    text = message["content"]["text"]
    now = run("now", "GB", env={"CRISISCLI_NOW": NOW})
    assert text.endswith(now.stdout.strip())  # the screen itself, nothing after it
    first_line = cli_json(run, "now", "GB")["data"]["lines"][0]["contacts"][0]["display"]
    assert text.index("999") < text.index(first_line)  # the emergency number first
    version = cli_json(run, "now", "GB")["dataset"]["version"]
    assert "never paraphrase" in text and f"(version {version}," in text
    assert violations(text) == []


# --- the process ----------------------------------------------------------------------------------


def test_stdout_carries_only_protocol_messages(server_env):
    """Raw JSON-RPC over the pipes: every line the server writes to stdout is a protocol message,
    good answers and bad ones alike; nothing else, and no traceback on stderr. It exits when the
    client closes stdin. A watchdog kills a server that stops answering."""
    requests = [
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "test", "version": "0"},
            },
        },
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {
            "jsonrpc": "2.0",
            "id": 2,
            "method": "tools/call",
            "params": {"name": "crisis_lines", "arguments": {"country": "GB"}},
        },
        {
            "jsonrpc": "2.0",
            "id": 3,
            "method": "tools/call",
            "params": {"name": "crisis_lines", "arguments": {"country": "Narnia"}},
        },
        {"jsonrpc": "2.0", "id": 4, "method": "resources/read", "params": {"uri": "crisiscli://dataset"}},
    ]
    proc = subprocess.Popen(
        [str(BIN), "mcp"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=server_env,
        text=True,
        encoding="utf-8",
    )
    watchdog = threading.Timer(TIMEOUT * 2, proc.kill)
    watchdog.start()
    lines = []
    try:
        for request in requests:
            proc.stdin.write(json.dumps(request) + "\n")
            proc.stdin.flush()
            while "id" in request:  # read up to this request's answer
                line = proc.stdout.readline()
                assert line, "the server stopped answering"
                lines.append(line)
                if json.loads(line).get("id") == request["id"]:
                    break
        proc.stdin.close()
        rest, stderr = proc.stdout.read(), proc.stderr.read()
        code = proc.wait()
    finally:
        watchdog.cancel()
        proc.kill()
    lines += rest.splitlines()
    assert code == 0, stderr
    messages = [json.loads(line) for line in lines if line.strip()]
    assert all(m["jsonrpc"] == "2.0" for m in messages)
    answers = {m["id"]: m for m in messages if "id" in m}
    assert set(answers) == {1, 2, 3, 4}
    assert answers[2]["result"]["isError"] is False
    assert answers[3]["result"]["isError"] is True
    assert "Traceback" not in stderr


def test_without_the_extra_it_exits_2_with_the_install_command(run, monkeypatch):
    monkeypatch.setitem(sys.modules, "mcp", None)  # what Python does when the package is absent
    result = run("mcp")
    assert result.returncode == 2
    assert INSTALL in result.stderr
    assert result.stdout == ""


def test_lookups_never_import_the_sdk(isolated):
    """`crisiscli --help` lists the mcp command and `lines` runs a lookup; neither loads mcp."""
    code = (
        "import sys\nfrom crisiscli.cli import cli\n"
        "for args in (['--help'], ['lines', 'GB'], ['mcp', '--help']):\n"
        "    cli.main(args=args, standalone_mode=False)\n"
        "print(sorted(m for m in sys.modules if m == 'mcp' or m.startswith('mcp.')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=isolated, capture_output=True, text=True, encoding="utf-8", timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_readme_documents_the_served_tools_and_the_client_config(client):
    """The README's config snippet is the command this file starts, and its table names exactly
    the tools, resource and prompt the server offers."""
    import re

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## For AI assistants (MCP)", 1)[1].split("\n## ", 1)[0]
    snippet = json.loads(re.search(r"```json\n(\{\n  \"mcpServers\".*?)```", section, re.S).group(1))
    assert snippet["mcpServers"]["crisiscli"] == {"command": "crisiscli", "args": ["mcp"]}
    documented = set(re.findall(r"^\| `(\w+)\(", section, re.M))
    assert documented == {t["name"] for t in client.dump("list_tools")["tools"]}
    assert "`crisiscli://dataset`" in section and "`find_help(country)`" in section
    assert INSTALL in section


def test_stale_data_is_a_warning_in_every_result(isolated):
    """Months after the dataset was made, each result says so (the CLI says it on stderr). The
    Service is the server minus the SDK, so this runs in-process with a later pinned clock."""
    from crisiscli.mcp_server import Service

    doc = Service({**isolated, "CRISISCLI_NOW": "2027-06-01"}).emergency_numbers("GB")
    assert doc["dataset"]["age_days"] > 90
    assert any("days old" in w and "crisiscli update" in w for w in doc["warnings"])
