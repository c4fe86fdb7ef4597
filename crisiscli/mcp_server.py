"""`crisiscli mcp`: the same crisis lines, filters and safe-messaging text, served to AI
assistants over the Model Context Protocol (stdio).

Why: an assistant asked for help by someone in distress otherwise recalls a number from its
training data, which may be retired or wrong. Here it gets the sourced, dated numbers the CLI
shows, with the dataset's version and age, and a plain instruction to use only those numbers.

Two layers, so the core stays free of the SDK:

- `Service` answers each tool with a plain dict (the versioned result below) or raises the
  core's CrisisError; it imports no MCP code and no Click.
- `build_server` wraps those answers in the official `mcp` SDK (imported only there, lazily, so
  `crisiscli lines` never loads it). A usage problem (unknown country, unknown topic, empty or
  oversized text) becomes an MCP error result whose text is the message the CLI prints, and
  the server keeps serving.

The result of every tool (MCP_SCHEMA_VERSION 1), as text (JSON) and as structuredContent::

    {"schema_version": 1, "tool": "crisis_lines", "instructions": "...",
     "dataset": {"version", "generated_at", "age_days", "origin"},
     "data": ..., "warnings": [...]}

An error result has `isError: true`, the CLI's message as its only text, and structuredContent
`{"schema_version": 1, "tool", "instructions", "dataset", "error": {"code", "message",
"suggestions"}}`. "Nothing matched" (the CLI's exit 3) is not an error here: the result comes
back with empty `data` where that makes sense and the reason in `warnings`, because the
emergency numbers in it still help.

Works with the SDK's 1.x line (`FastMCP`) and 2.x line (`MCPServer`); nothing else differs
between them in what is used here.
"""

# No `from __future__ import annotations` here: the SDK reads the tools' annotations at run
# time, and they name objects local to build_server.
import json
import logging
import os
import sys
from collections.abc import Callable, Mapping
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from . import countries, render
from .errors import CrisisError, NothingMatched, UnknownCountry, UsageProblem

if TYPE_CHECKING:
    from datetime import date, datetime

    from .dataset import Dataset
    from .hours import OpenStatus
    from .model import Country, Line

MCP_SCHEMA_VERSION = 1
SERVER_NAME = "crisiscli"
INSTALL_COMMAND = "pip install 'crisiscli[mcp]'"
DATASET_URI = "crisiscli://dataset"
PROMPT_NAME = "find_help"
# Words in a description ("somewhere in the UK") at most this far apart form one name.
_MAX_NAME_WORDS = 6
# Short aliases that count in lower case inside a description; "us", "in", "it", "can" do not.
_SHORT_ALIASES = frozenset({"uk", "usa", "uae", "drc", "prc", "rok"})

INSTRUCTIONS = (
    "crisiscli gives sourced, dated crisis lines and emergency numbers. When someone may be in "
    "crisis: use only the numbers, codes and links in crisiscli's results, never one from memory "
    "or another source; give the emergency number first (for danger to life or injury), then a "
    "line that is open now; copy every number exactly as its `display` shows it, never "
    "paraphrase, reformat, shorten or guess a number; say when a line is closed or its hours "
    "are not known. If crisiscli has no line for the person's place, tell them to call their "
    "local emergency number. Do not describe methods or injuries. Stay with the person, be kind, "
    "and offer one small next step (a line to contact, someone they trust, a coping strategy)."
)
# Shorter, for results that carry numbers: the same rules, next to the numbers.
RESULT_INSTRUCTIONS = (
    "Use only the numbers in this result; never add one from memory. Give the emergency number "
    "first. Copy each number exactly as `display` shows it; never paraphrase or reformat a "
    "number. Say when a line is closed or its hours are not known, and when its confirmation "
    "is unconfirmed (it may have changed)."
)
# For find_country, which carries codes, not numbers.
COUNTRY_INSTRUCTIONS = (
    "Pass the iso2 code to crisis_lines for the numbers. If the result is ambiguous, ask the person "
    "which country they are in; if has_data is false, tell them to call their local emergency number."
)
# For coping_strategy and about: sourced text written to safe-messaging guidelines.
GUIDE_INSTRUCTIONS = (
    "This text is sourced and follows safe-messaging guidelines. Keep to its meaning; add no method "
    "or injury detail; offer one step at a time. If the person may be in danger, give the emergency "
    "number from crisis_lines for their country first."
)
_INSTRUCTIONS_FOR = {
    "find_country": COUNTRY_INSTRUCTIONS,
    "coping_strategy": GUIDE_INSTRUCTIONS,
    "about": GUIDE_INSTRUCTIONS,
}


class Service:
    """The tools' answers as plain dicts, from the same core the CLI uses.

    Why a class holding only `env`: the environment decides the data directory (which dataset
    is active) and the clock (CRISISCLI_NOW), exactly as for the CLI; tests pin both. The
    dataset is read per call, so a `crisiscli update` run while the server is up takes effect
    on the next call (the bundled file parses lazily, so this costs milliseconds).
    """

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self.env: Mapping[str, str] = os.environ if env is None else env

    # --- shared --------------------------------------------------------------------------------

    def dataset(self) -> "Dataset":
        from .dataset import load_active

        return load_active(self.env)

    def now(self) -> "datetime":
        from .clock import now

        return now(self.env)

    def meta(self, dataset: "Dataset") -> dict[str, Any]:
        """{version, generated_at, age_days, origin}: the CLI envelope's `dataset` object."""
        from .clock import today

        info = dataset.info
        return {
            "version": info.dataset_version,
            "generated_at": info.generated_at,
            "age_days": dataset.age_days(today(self.env)),
            "origin": info.origin,
        }

    def _dataset_warnings(self, dataset: "Dataset") -> list[str]:
        """What the CLI says on stderr about the data (skipped files, staleness), as warnings."""
        from .clock import today
        from .config import load_config

        warnings = list(dataset.warnings)
        age = dataset.age_days(today(self.env))
        stale_after = load_config(self.env).stale_after_days
        if age is not None and age > stale_after:
            warnings.append(
                f"this crisis-line data is {age} days old (from {dataset.info.generated_at}); "
                "numbers may have changed. Run `crisiscli update` to get newer data."
            )
        return warnings

    def result(
        self, tool: str, data: Any, dataset: "Dataset", warnings: list[str] | None = None, **extra: Any
    ) -> dict[str, Any]:
        """The versioned result every tool returns (see the module docstring)."""
        doc: dict[str, Any] = {
            "schema_version": MCP_SCHEMA_VERSION,
            "tool": tool,
            "instructions": _INSTRUCTIONS_FOR.get(tool, RESULT_INSTRUCTIONS),
            "dataset": self.meta(dataset),
        }
        doc.update(extra)
        doc["data"] = data
        doc["warnings"] = [*self._dataset_warnings(dataset), *(warnings or [])]
        return doc

    def error(self, tool: str, exc: CrisisError) -> dict[str, Any]:
        """The structured side of an error result; the message is the CLI's, unchanged."""
        try:
            dataset_meta: dict[str, Any] | None = self.meta(self.dataset())
        except CrisisError:
            dataset_meta = None
        return {
            "schema_version": MCP_SCHEMA_VERSION,
            "tool": tool,
            "instructions": _INSTRUCTIONS_FOR.get(tool, RESULT_INSTRUCTIONS),
            "dataset": dataset_meta,
            "error": {
                "code": exc.code,
                "message": render.safe_text(exc.message),
                "suggestions": [render.safe_text(s) for s in exc.suggestions],
            },
        }

    def resolve(self, text: str) -> tuple[str, str]:
        """(ISO code, how) for a country as an assistant passes it: a code or name as the CLI
        takes it ("argument", as for the CLI), else the one country a description names ("description").
        Anything else raises the CLI's UnknownCountry, with its message and suggestions."""
        try:
            return countries.resolve(text), "argument"
        except UnknownCountry:
            found = countries_in(text) if isinstance(text, str) and text.strip() else []
            if len(found) == 1:
                return found[0], "description"
            if len(found) > 1:  # the CLI has no such case: say so rather than "unknown"
                names = [countries.country_name(code) for code in found]
                raise UnknownCountry(
                    f"{' '.join(text.split())[:60]!r} names more than one country "
                    f"({', '.join(names)}); ask which one and pass its code "
                    f"({', '.join(found)})",
                    suggestions=found,
                    code="ambiguous_country",
                ) from None
            raise

    # --- tools ---------------------------------------------------------------------------------

    def crisis_lines(
        self,
        country: str,
        topic: str | None = None,
        audience: str | None = None,
        channel: str | None = None,
        language: str | None = None,
        open_now: bool = False,
    ) -> dict[str, Any]:
        """The country's emergency numbers and lines, as `crisiscli lines COUNTRY --json` chooses
        and orders them (confirmed first), each line with `confirmation`, `open_status` (open now,
        in the line's own time zone), its channels, `evidence_date` and `source_url`. When the
        filters leave nothing, `nearest` holds the lines that match without one of them; when
        filters are given, `also_24_7` keeps the 24/7 crisis lines for everyone that
        `crisiscli now` shows, if the filters left them out."""
        from .clock import today
        from .query import crisis_lines, find_lines, make_filters, nearest_lines

        filters = make_filters(topic, audience, channel, language, dataset=self.dataset())
        code, how = self.resolve(country)
        dataset = self.dataset()
        record = dataset.country(code)
        if record is None:
            return self._no_data(dataset, "crisis_lines", code, how)
        moment, day = self.now(), today(self.env)
        warnings: list[str] = []
        found = find_lines(record, filters, today=day)
        chosen = []
        unknown = 0
        for line in found:
            state = line_status(line, moment)
            if open_now and not state.open:
                unknown += state.open is None
                continue
            chosen.append(_line_json(line, state, day))
        if unknown:
            warnings.append(
                f"{unknown} line(s) with unknown opening hours are not shown; ask again without open_now to see them."
            )
        data = _country_json(record)
        data["lines"] = chosen
        if not found and not filters.is_empty():
            warnings.append(f"no line in {record.name} matches {filters.describe()}; the emergency number still works")
            near = nearest_lines(record, filters, day)
            if near is not None:
                data["nearest"] = {
                    "dropped": near.dropped,
                    "lines": [_line_json(line, line_status(line, moment), day) for line in near.section.lines],
                }
        elif not chosen and open_now:
            warnings.append(f"no line in {record.name} is known to be open then; the emergency number still works")
        if open_now or not filters.is_empty():
            # A teenager in crisis still needs the 24/7 line for everyone (as `now --young` shows both).
            shown = {line["id"] for line in chosen}
            extra = [line for line in crisis_lines(record, day)[:2] if line.id not in shown]
            if extra:
                data["also_24_7"] = [_line_json(line, line_status(line, moment), day) for line in extra]
        return self.result("crisis_lines", data, dataset, warnings, country_source=how, checked_at=moment.isoformat())

    def emergency_numbers(self, country: str) -> dict[str, Any]:
        """The country's emergency numbers only (general first), with their sources."""
        code, how = self.resolve(country)
        dataset = self.dataset()
        record = dataset.country(code)
        if record is None:
            return self._no_data(dataset, "emergency_numbers", code, how)
        data = _country_json(record)
        return self.result("emergency_numbers", data, dataset, country_source=how)

    def _no_data(self, dataset: "Dataset", tool: str, code: str, how: str) -> dict[str, Any]:
        """A real country with no record: the CLI's 'no data' message and the directory to try."""
        name = countries.country_name(code)
        data: dict[str, Any] = {"iso2": code, "name": name, "emergency": [], "lines": []}
        if dataset.fallback.get("url"):
            data["fallback"] = {"name": dataset.fallback.get("name"), "url": dataset.fallback["url"]}
        return self.result(
            tool, data, dataset, [f"no data for {name} yet; call your local emergency number"], country_source=how
        )

    def find_country(self, text: str) -> dict[str, Any]:
        """ISO codes for a code, a name or a description ("somewhere in the UK"); several
        candidates, marked ambiguous, when the text names more than one country."""
        dataset = self.dataset()
        try:
            codes, how = [countries.resolve(text)], "argument"
        except UnknownCountry:
            codes = countries_in(text) if isinstance(text, str) and text.strip() else []
            if not codes:
                raise
            how = "description"
        table = {c.iso2: c for c in countries.all_countries()}
        matches = [
            {
                "iso2": code,
                "iso3": table[code].iso3 if code in table else None,
                "name": countries.country_name(code),
                "has_data": code in dataset,
            }
            for code in codes
        ]
        warnings = []
        if len(codes) > 1:
            warnings.append("the text names more than one country; ask which one the person is in")
        data = {"query": " ".join(text.split())[:100], "how": how, "ambiguous": len(codes) > 1, "matches": matches}
        return self.result("find_country", data, dataset, warnings)

    def search_lines(self, query: str, country: str | None = None) -> dict[str, Any]:
        """`crisiscli search`: lines in any country by name, operator, topic, audience, language
        or number; a retired number finds the line that replaced it, with a note."""
        from .search import search

        dataset = self.dataset()
        try:
            hits = search(dataset, query, country=country)
        except NothingMatched as exc:
            return self.result("search_lines", [], dataset, [exc.message])
        from .clock import today

        moment, day = self.now(), today(self.env)
        data = []
        for hit in hits:
            item = hit.to_dict()
            item["line"] = _line_json(hit.line, line_status(hit.line, moment), day)
            data.append(item)
        return self.result("search_lines", data, dataset, checked_at=moment.isoformat())

    def coping_strategy(self, moment: str = "now") -> dict[str, Any]:
        """The coping strategies for `moment` (now: works within minutes; later: builds over
        time), each with its steps, cautions, evidence level and sources, as `crisiscli coping`."""
        from . import guide

        chosen = guide.choose_strategies(None, moment)
        dataset = self.dataset()
        return self.result("coping_strategy", [s.to_dict() for s in chosen], dataset)

    def about(self, topic: str | None = None) -> dict[str, Any]:
        """One `crisiscli about` topic (sourced, safe-messaging text); no topic lists them."""
        from . import guide

        dataset = self.dataset()
        if topic is None:
            items = [{"id": t.id, "title": t.title, "summary": t.summary} for t in guide.topics()]
            return self.result("about", items, dataset)
        return self.result("about", guide.find_topic(topic).to_dict(), dataset)

    # --- resource and prompt -------------------------------------------------------------------

    def dataset_summary(self) -> dict[str, Any]:
        """The active dataset: version, age, origin, and each country with its emergency number
        and number of lines (what `crisiscli countries --json` lists)."""
        dataset = self.dataset()
        rows = []
        for c in dataset.countries():
            emergency = c.general_emergency
            rows.append(
                {
                    "iso2": c.iso2,
                    "name": c.name,
                    "emergency": emergency.number if emergency else "",
                    "lines": sum(1 for line in c.lines if line.is_active),
                }
            )
        data = {
            "countries": len(rows),
            "schema_version": dataset.info.schema_version,
            "fallback": dict(dataset.fallback) if dataset.fallback else None,
            "by_country": rows,
        }
        return self.result("dataset", data, dataset)

    def find_help(self, country: str) -> str:
        """The `crisiscli now COUNTRY` screen, framed for an assistant: what to say first."""
        from . import guide, render_guide
        from .clock import today
        from .query import crisis_lines

        code, _how = self.resolve(country)
        dataset = self.dataset()
        record = dataset.country(code)
        always = crisis_lines(record, today(self.env)) if record else []
        # has_plan is always False: the safety plan never leaves the machine, not even to an assistant.
        page = render_guide.now_page(record, always, guide.grounding_step(), False, 80, False)
        page += "\n\n" + render.footer(record, always[0] if always else None, dataset.fallback.get("url"), 80)
        meta = self.meta(dataset)
        name = record.name if record else countries.country_name(code)
        return render.safe_text(
            f"Someone may be in crisis in {name}. Help them now, calmly and kindly. Use only the numbers "
            "in this message; never add one from memory. Give the emergency number first. Copy each "
            "number exactly as written here; never paraphrase or reformat a number. "
            f"The help below is from crisiscli's sourced dataset (version {meta['version']}, generated "
            f"{meta['generated_at']}, {meta['age_days']} days old). For every line and its hours, call "
            f"the crisis_lines tool with country {code}.\n\n{page}",
            multiline=True,
        )


def line_status(line: "Line", moment: "datetime") -> "OpenStatus":
    """Open now or not, as `lines --open-now` decides it: open when any way to reach the line is
    open (a chat may keep other hours than the phone), each in its own time zone."""
    from .hours import status_at

    hours = {id(h): h for h in [line.hours, *(c.hours_override for c in line.contacts if c.hours_override)]}
    states = [status_at(h, moment) for h in hours.values()]
    return next((x for x in states if x.open), states[0])


def _line_json(line: "Line", state: "OpenStatus", day: "date") -> dict[str, Any]:
    """The line as `lines --json` gives it (the dataset's own field names and `confirmation`),
    plus what an assistant needs without reading the provenance: open now or not, channels,
    the newest evidence date and the source to cite."""
    from .trust import best_source, evidence_date, judge

    data = line.to_dict()
    data["confirmation"] = judge(line, day).to_dict()
    data["open_status"] = {
        "open": state.open,
        "text": state.text,
        "changes_at": state.changes_at.isoformat() if state.changes_at else None,
    }
    data["channels"] = sorted(line.channels())
    data["evidence_date"] = evidence_date(line)
    source = best_source(line.provenance.sources)
    data["source_url"] = source.url if source else None
    return data


def _country_json(country: "Country") -> dict[str, Any]:
    """{iso2, name, emergency, lines, ...}: the CLI's section, the general emergency number first."""
    first = country.general_emergency
    ordered = sorted(country.emergency, key=lambda e: e is not first)
    data: dict[str, Any] = {
        "iso2": country.iso2,
        "name": country.name,
        "emergency": [e.to_dict() for e in ordered],
        "lines": [],
    }
    if country.no_national_line_note:
        data["no_national_line_note"] = country.no_national_line_note
    return data


def countries_in(text: str) -> list[str]:
    """ISO codes of the countries a short description names, in order: "somewhere in the UK"
    is GB. Why so careful with short words: "in", "it" and "me" are country codes, so a word
    of three letters or fewer counts only when written in capitals ("UK", "USA", "DE") or when
    it is an alias that is no English word ("uk", "uae")."""
    if len(text) > countries.MAX_INPUT:
        return []
    words = text.split()
    found: list[str] = []
    i = 0
    while i < len(words):
        for j in range(min(len(words), i + _MAX_NAME_WORDS), i, -1):
            phrase = " ".join(words[i:j]).strip(".,;:!?()[]\"'")
            folded = countries.fold(phrase)
            if len(folded) <= 3 and folded.isascii() and not (phrase.isupper() or folded in _SHORT_ALIASES):
                continue
            code = countries.lookup(phrase)
            if code:
                if code not in found:
                    found.append(code)
                i = j
                break
        else:
            i += 1
    return found


# --- the SDK side -------------------------------------------------------------------------------


def _sdk() -> tuple[type, Any]:
    """(server class, mcp.types) from whichever SDK line is installed; a clear usage error
    naming the install command when none is."""
    try:
        import mcp.types as mcp_types
    except ImportError:
        raise UsageProblem(
            f"`crisiscli mcp` needs the optional MCP support; install it with: {INSTALL_COMMAND}", code="missing_extra"
        ) from None
    try:
        from mcp.server.mcpserver import MCPServer as server_class  # mcp 2.x
    except ImportError:
        try:
            from mcp.server.fastmcp import FastMCP as server_class  # mcp 1.x
        except ImportError:
            raise UsageProblem(
                "the installed mcp package is too old or incomplete for `crisiscli mcp`; "
                f"upgrade it with: {INSTALL_COMMAND}",
                code="missing_extra",
            ) from None
    return server_class, mcp_types


def _dumps(doc: Any) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=1)


def build_server(service: Service | None = None) -> Any:
    """The MCP server with crisiscli's tools, resource and prompt (not yet running)."""
    server_class, types = _sdk()
    from typing import Annotated

    from pydantic import Field

    from .query import AUDIENCES, CHANNELS, TOPICS

    service = service or Service()
    log = logging.getLogger("crisiscli.mcp")

    def respond(tool: str, answer: Callable[[], dict[str, Any]]) -> Any:
        """A tool's answer as a CallToolResult: the JSON as text and as structured content, or
        the CLI's message as an error result. Nothing raised here stops the server."""
        try:
            doc = answer()
        except CrisisError as exc:
            doc = service.error(tool, exc)
            return types.CallToolResult(
                content=[types.TextContent(type="text", text=doc["error"]["message"])],
                structuredContent=doc,
                isError=True,
            )
        except Exception as exc:  # a bug must not take the server down with it
            log.exception("tool %s failed", tool)
            unexpected = CrisisError(f"unexpected error ({type(exc).__name__}); please report it", code="unexpected")
            doc = service.error(tool, unexpected)
            return types.CallToolResult(
                content=[types.TextContent(type="text", text=doc["error"]["message"])],
                structuredContent=doc,
                isError=True,
            )
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=_dumps(doc))], structuredContent=doc, isError=False
        )

    server = server_class(
        name=SERVER_NAME,
        instructions=INSTRUCTIONS,
        lifespan=_stdout_is_protocol_only,
        log_level="DEBUG" if service.env.get("CRISISCLI_DEBUG") else "WARNING",
    )
    read_only: dict[str, Any] = {}
    if hasattr(types, "ToolAnnotations"):
        read_only["annotations"] = types.ToolAnnotations(readOnlyHint=True, openWorldHint=False)

    Country = Annotated[
        str,
        Field(
            description="ISO code (GB, GBR) or name in English or the country's "
            "own language (Deutschland, España), any case."
        ),
    ]

    @server.tool(
        name="crisis_lines",
        **read_only,
        description=(
            "Verified crisis lines and emergency numbers for one country, from crisiscli's sourced, dated "
            "dataset: each line with hours and whether it is open now (in the line's own time zone), how "
            "to reach it, cost, languages, evidence date and source. With filters, `also_24_7` keeps the "
            "24/7 crisis lines for everyone. Use only these numbers; give the emergency number first; "
            "copy numbers exactly."
        ),
    )
    def crisis_lines(
        country: Country,
        topic: Annotated[str | None, Field(description="Only lines for this topic: " + ", ".join(TOPICS))] = None,
        audience: Annotated[
            str | None, Field(description="Only lines for this audience: " + ", ".join(AUDIENCES))
        ] = None,
        channel: Annotated[
            str | None, Field(description="Only lines reachable this way: " + ", ".join(CHANNELS))
        ] = None,
        language: Annotated[
            str | None, Field(description="Only lines that speak this language code (en, fr, pt-BR)")
        ] = None,
        open_now: Annotated[bool, Field(description="Only lines open now (the emergency numbers always stay)")] = False,
    ) -> types.CallToolResult:
        return respond(
            "crisis_lines", lambda: service.crisis_lines(country, topic, audience, channel, language, open_now)
        )

    @server.tool(
        name="emergency_numbers",
        **read_only,
        description=(
            "The emergency numbers (police, ambulance, fire, general) for one country, with sources. Give the "
            "general one first and copy it exactly."
        ),
    )
    def emergency_numbers(country: Country) -> types.CallToolResult:
        return respond("emergency_numbers", lambda: service.emergency_numbers(country))

    @server.tool(
        name="find_country",
        **read_only,
        description=(
            "Resolve a country code, a name in any language, or a short description without a city "
            '("somewhere in the UK") to ISO 3166-1 codes; several candidates, marked ambiguous, when the '
            "text names more than one; says whether crisiscli has lines there."
        ),
    )
    def find_country(
        text: Annotated[str, Field(description="What the person said about where they are.")],
    ) -> types.CallToolResult:
        return respond("find_country", lambda: service.find_country(text))

    @server.tool(
        name="search_lines",
        **read_only,
        description=(
            "Search every country's crisis lines by name, operator, topic, audience, language or phone "
            "number (a retired number finds the line that replaced it). Use only the numbers returned."
        ),
    )
    def search_lines(
        query: Annotated[str, Field(description='Words or a number, e.g. samaritans, lgbt, "116 123".')],
        country: Annotated[str | None, Field(description="Only lines in this country (code or name).")] = None,
    ) -> types.CallToolResult:
        return respond("search_lines", lambda: service.search_lines(query, country))

    @server.tool(
        name="coping_strategy",
        **read_only,
        description=(
            "Sourced coping strategies with steps and cautions, written to safe-messaging guidelines: "
            'moment "now" (works within minutes) or "later" (builds over time). Offer one at a time.'
        ),
    )
    def coping_strategy(moment: Annotated[str, Field(description="now or later")] = "now") -> types.CallToolResult:
        return respond("coping_strategy", lambda: service.coping_strategy(moment))

    @server.tool(
        name="about",
        **read_only,
        description=(
            "Short, sourced explanations about self-harm (what it is, why people do it, signs, myths, how "
            "to support someone, getting help in a crisis). No topic lists the topic ids."
        ),
    )
    def about(
        topic: Annotated[
            str | None,
            Field(description="A topic id such as what-is-self-harm, its start (myths), or words from its title."),
        ] = None,
    ) -> types.CallToolResult:
        return respond("about", lambda: service.about(topic))

    @server.resource(
        DATASET_URI,
        name="dataset",
        mime_type="application/json",
        description=(
            "The active crisis-line dataset: version, generation date, age, origin, and every country "
            "with its emergency number and number of lines."
        ),
    )
    def dataset_resource() -> str:
        return _dumps(service.dataset_summary())

    @server.prompt(
        name=PROMPT_NAME,
        description="Someone may be in crisis: find help for COUNTRY (the "
        "`crisiscli now` screen: emergency number, 24/7 lines, "
        "one thing to try).",
    )
    def find_help(country: str) -> str:
        try:
            return service.find_help(country)
        except CrisisError as exc:
            raise _invalid_params(types, render.safe_text(exc.message)) from None

    return server


def _invalid_params(types: Any, message: str) -> Exception:
    """A JSON-RPC "invalid params" error carrying the CLI's message. SDK 2.x passes it to the
    client as it is; 1.x prefixes "Error rendering prompt find_help: " (and logs it)."""
    from mcp.shared import exceptions

    if hasattr(exceptions, "MCPError"):  # mcp 2.x
        return exceptions.MCPError(code=types.INVALID_PARAMS, message=message)
    return exceptions.McpError(types.ErrorData(code=types.INVALID_PARAMS, message=message))


@asynccontextmanager
async def _stdout_is_protocol_only(_server: Any) -> Any:
    """While serving, Python-level writes to sys.stdout go to stderr: the SDK has already taken
    the real stdout for protocol messages, and one stray print would corrupt the stream."""
    real = sys.stdout
    sys.stdout = sys.stderr
    try:
        yield {}
    finally:
        sys.stdout = real


def serve(env: Mapping[str, str] | None = None) -> None:
    """Run the server on stdin/stdout until the client closes stdin."""
    service = Service(env)
    server = build_server(service)
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    server.run("stdio")
