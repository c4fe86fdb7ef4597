"""Everything crisiscli prints: formats, the help footer, and safe_text().

Why one place: every string that came from a data file or the network passes through safe_text()
here before it reaches a terminal, so a hostile or broken dataset cannot move the cursor, rewrite
a number with bidi controls or set the window title. Only this module writes to a stream.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from .trust import host_of as _host

if TYPE_CHECKING:
    from datetime import date

    from .model import Contact, Country, Line

REPLACEMENT = "\ufffd"
_BIDI_AND_INVISIBLE = [
    0x061C,
    0x200B,
    0x200E,
    0x200F,
    *range(0x202A, 0x202F),
    0x2028,
    0x2029,
    *range(0x2066, 0x206A),
    0xFEFF,
]
# Lone surrogates (0xD800-0xDFFF) are handled apart: 2,048 more entries cost every start 0.2 ms.
_UNSAFE = {c: REPLACEMENT for c in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), *_BIDI_AND_INVISIBLE]}
_SINGLE_LINE = {**_UNSAFE, 0x09: " ", 0x0A: " "}
_MULTI_LINE = {**_UNSAFE, 0x09: "    ", 0x0A: "\n"}


def safe_text(value: Any, multiline: bool = False) -> str:
    """`value` as text with every control, bidi, separator and lone-surrogate character made
    visible as U+FFFD. Tabs and newlines become spaces unless `multiline`."""
    text = str(value).translate(_MULTI_LINE if multiline else _SINGLE_LINE)
    if not text.isascii():
        try:
            text.encode("utf-8")  # fails only on a lone surrogate
        except UnicodeEncodeError:
            text = "".join(REPLACEMENT if "\ud800" <= ch <= "\udfff" else ch for ch in text)
    return text


def decide_color(choice: str | None, env: Mapping[str, str], isatty: bool) -> bool:
    """Colour only where a person is looking and has not said no (NO_COLOR, TERM=dumb)."""
    if choice == "never":
        return False
    if choice == "always":
        return True
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    if env.get("TERM") == "dumb":
        return False
    return isatty


def _style(text: str, color: bool, code: str) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text


class Screen:
    """Where output goes: stdout for data, stderr for talk; knows width, colour and quiet."""

    def __init__(
        self,
        out: TextIO,
        err: TextIO,
        color: bool = False,
        width: int | None = None,
        quiet: bool = False,
        pager: Any = None,
    ) -> None:
        self.out, self.err, self.color, self.quiet = out, err, color, quiet
        self._width = width
        self.pager = pager

    @property
    def width(self) -> int:
        """Terminal columns, measured only when a human format needs them."""
        if self._width is None:
            self._width = terminal_width()
        return self._width

    def data(self, text: str) -> None:
        """Write to stdout; `text` must already be safe (built from safe_text)."""
        self.out.write(text if text.endswith("\n") else text + "\n")
        self.out.flush()

    def page(self, text: str) -> None:
        """Long text through the pager, but only for a person at a terminal and only when it
        does not fit; pipes and scripts get it plain."""
        tall = text.count("\n") + 1 > _terminal_size()[1] - 1
        if self.pager is not None and tall and self.out.isatty():
            self.pager(text)
        else:
            self.data(text)

    def talk(self, text: str) -> None:
        """A notice on stderr; -q silences it."""
        if not self.quiet:
            self.err.write(safe_text(text) + "\n")
            self.err.flush()

    def error(self, text: str) -> None:
        """An error on stderr; never silenced."""
        self.err.write(safe_text(text, multiline=True) + "\n")
        self.err.flush()

    def err_block(self, text: str) -> None:
        """Already-safe text (the footer) on stderr; never silenced."""
        self.err.write(text if text.endswith("\n") else text + "\n")
        self.err.flush()


def hanging(text: str, width: int) -> str:
    """A paragraph indented two spaces, its following lines four: a list item that wraps (by
    display width, so CJK names fit too)."""
    rows = _wrap_cell(text, width - 4).split("\n")
    return "\n".join(("  " if i == 0 else "    ") + row for i, row in enumerate(rows))


def terminal_width() -> int:
    """Columns to fit (COLUMNS, else the terminal, else 80), kept between 40 and 200."""
    return max(40, min(200, _terminal_size()[0]))


def _terminal_size() -> tuple[int, int]:
    """(columns, lines): COLUMNS/LINES, else the terminal on stdout, else 80x24. What
    shutil.get_terminal_size does, without importing shutil (and bz2 and lzma with it)."""
    import os

    sizes = []
    for name, fallback, index in (("COLUMNS", 80, 0), ("LINES", 24, 1)):
        try:
            value = int(os.environ.get(name, "0"))
        except ValueError:
            value = 0
        if value <= 0:
            try:
                value = os.get_terminal_size(1)[index]
            except (OSError, ValueError):
                value = 0
        sizes.append(value or fallback)
    return sizes[0], sizes[1]


def wrap(text: str, width: int) -> str:
    """A paragraph wrapped to `width` (runs of whitespace become one space); a word wider than
    `width` (a URL) keeps its own line whole, so it stays clickable."""
    return _wrap_cell(" ".join(text.split()), width, split_long=False) or text


# --- contacts and lines as words --------------------------------------------------------------


def _reach_note(contact: Contact) -> str:
    reach = set(contact.reachable_from)
    if contact.type == "voice" and reach and "landline" not in reach and "mobile" in reach:
        return " (mobile only)"
    if contact.type == "voice" and reach and "mobile" not in reach and "landline" in reach:
        return " (landline only)"
    return ""


def contact_label(contact: Contact) -> str:
    """How to use one contact, in words a person can act on: 'Call 116 123', 'Text HOME to 741741'."""
    display = safe_text(contact.display)
    kind = contact.type
    if kind == "voice":
        text = display if display.lower().startswith(("call", "dial")) else f"Call {display}"
        if contact.ivr_option:
            text += f", {safe_text(contact.ivr_option)}"
    elif kind == "sms":
        if display.lower().startswith("text"):
            text = display
        elif contact.sms_keyword:
            text = f"Text {safe_text(contact.sms_keyword)} to {display}"
        else:
            text = f"Text {display}"
    elif kind == "whatsapp":
        text = display if display.lower().startswith("whatsapp") else f"WhatsApp {display}"
    elif kind in ("chat", "video", "messenger"):
        text = f"{kind.capitalize()}: {_short_url(safe_text(contact.url or display))}"
    elif kind == "email":
        text = f"Email {display}"
    else:
        text = _short_url(safe_text(contact.url or display))
    return text + _reach_note(contact)


def _short_url(url: str) -> str:
    """'https://www.988lifeline.org/' -> '988lifeline.org': what a person types."""
    short = url.split("://", 1)[-1]
    short = short[4:] if short.startswith("www.") else short
    return short.rstrip("/")


def line_source(line: Line, today: date | None = None) -> str:
    """Where the line's numbers came from, how recent the evidence is, and when we read it:
    'samaritans.org +1, confirmed 2025, checked 2026-11-25'."""
    from .trust import best_source, judge

    sources = line.provenance.sources
    best = best_source(sources)
    host = _host(best.url) if best else "no source"
    more = f" +{len(sources) - 1}" if len(sources) > 1 else ""
    parts = [f"{host}{more}"]
    if today is not None:
        trust = judge(line, today)
        if trust.confirmed:
            parts.append(f"confirmed {trust.evidence_date}")
        else:
            parts.append(f"UNCONFIRMED ({trust.why})")
    parts.append(f"checked {line.provenance.last_verified}")
    return safe_text(", ".join(parts))


_ACCESS = {
    "text_relay": "text relay",
    "tty": "TTY",
    "video_relay": "video relay",
    "sign_language": "sign language",
    "text_no_voice": "text, no voice needed",
}


def contact_text(line: Line, contact: Contact, notes: bool = True) -> str:
    """A contact with what a caller needs before using it: its own hours when they differ
    from the line's, registration, Deaf access, and (unless `notes` is off, as on the short
    `now` screen) its free-text note ('free from mobiles')."""
    text = contact_label(contact)
    extras = []
    own = contact.hours_override
    if own is not None and own.text != line.hours.text:
        extras.append(f"{'24/7' if own.always_open else safe_text(own.text)}")
    if contact.requires_registration:
        extras.append("register first")
    if contact.access:
        extras.append("for Deaf people: " + ", ".join(_ACCESS.get(a, safe_text(a)) for a in contact.access))
    if contact.note and notes:
        extras.append(safe_text(contact.note))
    return f"{text} ({'; '.join(extras)})" if extras else text


def emergency_summary(country: Country) -> str:
    """'112 (general) · 15 (ambulance) · 17 (police)'; an SMS service says how to use it."""
    parts = []
    for e in country.emergency:
        services = "/".join(s.replace("sms_deaf", "SMS for Deaf people") for s in e.services)
        how = "text " if e.channel == "sms" else ""
        note = ", register first" if e.requires_registration else ""
        parts.append(f"{how}{safe_text(e.number)} ({safe_text(services)}{note})")
    return " · ".join(parts) if parts else "unknown"


def reach_phrase(line: Line) -> str:
    """Short 'call or text 988, or chat at 988lifeline.org' for the footer."""
    always = [c for c in line.contacts if line.hours_of(c).always_open]  # the phrase says 24/7
    voice = [c for c in always if c.type == "voice"]
    sms = [c for c in always if c.type == "sms"]
    chat = [c for c in always if c.type == "chat"]
    bits = []
    if voice and sms and voice[0].digits == sms[0].digits and not sms[0].sms_keyword:
        bits.append(f"call or text {safe_text(voice[0].display)}")
    else:
        if voice:
            bits.append(f"call {safe_text(voice[0].display)}")
        if sms:
            label = contact_label(sms[0])
            bits.append(label[0].lower() + label[1:])
    if chat and chat[0].url:
        bits.append(f"chat at {_host(chat[0].url)}")
    return ", or ".join(bits)


# --- the help footer --------------------------------------------------------------------------


def footer(country: Country | None, help_line: Line | None, fallback_url: str | None, width: int) -> str:
    """The last block of every human screen: a way to get help now (DESIGN.md principle 4)."""
    if country is None:
        text = "Need help now? Call your local emergency number. To find a crisis line, run `crisiscli lines COUNTRY`"
        text += f" or visit {safe_text(fallback_url)}." if fallback_url else "."
        return wrap(text, width)
    emergency = country.general_emergency
    where = f"Need help now ({safe_text(country.name)})?"
    first = f"Call {safe_text(emergency.number)} in an emergency" if emergency else "Call your local emergency number"
    if help_line is not None:
        name = safe_text(help_line.name)
        region = f"{safe_text(help_line.region)}, " if help_line.scope == "regional" and help_line.region else ""
        text = f"{where} {first}, or {name}: {reach_phrase(help_line)} ({region}24/7)."
    else:
        text = f"{where} {first}. More ways to get support: `crisiscli lines {safe_text(country.iso2)}`."
    return wrap(text, width)


# --- formats ----------------------------------------------------------------------------------

PLAIN_COLUMNS = (
    "kind",
    "iso2",
    "country",
    "name",
    "channel",
    "display",
    "dial",
    "hours",
    "cost",
    "languages",
    "audiences",
    "line_id",
    "source",
    "last_verified",
    "evidence_date",
    "confirmed",
)


def _records(country: Country, lines: Sequence[Line], today: date | None) -> Iterable[tuple[str, ...]]:
    from .trust import best_source, judge

    for e in country.emergency:
        best = best_source(e.sources)
        yield (
            "emergency",
            country.iso2,
            country.name,
            "/".join(e.services),
            e.channel or "voice",
            e.number,
            e.digits,
            "24/7",
            "free",
            "",
            "",
            "",
            best.url if best else "",
            best.accessed if best else "",
            best.evidence or "" if best else "",
            "",
        )
    for line in lines:
        best = best_source(line.provenance.sources)
        for c in line.contacts:
            trust = judge(line, today, c) if today else None
            yield (
                "line",
                country.iso2,
                country.name,
                line.name,
                c.type,
                contact_label(c),
                c.dial or c.url or "",
                line.hours_of(c).text,
                c.cost,
                ",".join(line.languages),
                ",".join(line.audiences),
                line.id,
                best.url if best else "",
                line.provenance.last_verified,
                trust.evidence_date or "" if trust else "",
                ("yes" if trust.confirmed else "no") if trust else "",
            )


def records(rows: Sequence[Mapping[str, Any]], fmt: str) -> str:
    """Rows for scripts: `plain` is one tab-separated record per line with no header; `csv` is
    RFC 4180 with a header row from the first row's keys. Every value goes through safe_text."""
    if fmt == "plain":
        return "\n".join("\t".join(safe_text(v) for v in row.values()) for row in rows)
    import csv
    import io

    buf = io.StringIO()
    if rows:
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(list(rows[0]))
        for row in rows:
            writer.writerow([csv_cell(v) for v in row.values()])
    return buf.getvalue()


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """A CSV cell a spreadsheet shows as text: one starting like a formula (`=`, `+`, `-`, `@`,
    tab, CR) gets a leading apostrophe, so `+44 ...` stays a phone number and `=HYPERLINK(...)`
    in a hostile dataset never runs (OWASP's CSV injection advice)."""
    text = str(value)
    if text.startswith(_FORMULA_START):
        text = "'" + text
    return safe_text(text)


def lines_records(sections: Sequence[tuple[Country, Sequence[Line]]], fmt: str, today: date | None = None) -> str:
    """`lines` as plain or csv: one record per emergency number and per contact, PLAIN_COLUMNS."""
    rows = [
        dict(zip(PLAIN_COLUMNS, record, strict=True))
        for country, lines in sections
        for record in _records(country, lines, today)
    ]
    if not rows and fmt == "csv":
        return ",".join(PLAIN_COLUMNS) + "\n"
    return records(rows, fmt)


def display_width(text: str) -> int:
    """Columns a string takes on a terminal: CJK characters take two, combining marks none."""
    if text.isprintable() and (text.isascii() or all(ch < "\u0300" or "\u2010" <= ch <= "\u2027" for ch in text)):
        return len(text)  # Latin letters, dashes and quotes: one column each, no marks to skip
    import unicodedata

    width = 0
    for ch in text:
        if unicodedata.category(ch) in ("Mn", "Me", "Cf"):  # marks drawn on the previous character
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def _wrap_cell(text: str, width: int, split_long: bool = True) -> str:
    """Greedy word wrap by display width, paragraph by paragraph; a word wider than the column is
    split (unless not `split_long`). Widths are summed as it goes (each word and character
    measured once), so a long note stays cheap."""
    out: list[str] = []
    for paragraph in text.split("\n"):
        if display_width(paragraph) <= width:  # most cells fit: nothing to measure word by word
            out.append(paragraph)
            continue
        measure = len if paragraph.isascii() and paragraph.isprintable() else display_width
        line, used = "", 0
        for word in paragraph.split(" "):
            size = measure(word)
            if (used + 1 + size if line else size) <= width:
                line, used = (f"{line} {word}", used + 1 + size) if line else (word, size)
                continue
            if line:
                out.append(line)
            line, used = "", 0
            if size <= width or not split_long:
                line, used = word, size
                continue
            for ch in word:
                w = display_width(ch)
                if used + w > width and line:
                    out.append(line)
                    line, used = "", 0
                line, used = line + ch, used + w
        out.append(line)
    return "\n".join(out)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


def table(rows: list[list[str]], headers: list[str], width: int) -> str:
    """A plain table (headers, a dashed rule, left-aligned columns two spaces apart, cells of
    several lines) that fits `width` columns: the widest column is narrowed and its cells
    wrapped until the table fits, or no column is wider than 8.

    Why not tabulate: this is all of it we used, and measuring CJK text needed wcwidth; the two
    cost every table screen about 35 ms of imports and re-rendering for each narrowing step."""
    gap = 2
    floors = [display_width(h) + 2 for h in headers]  # a header never fills its column
    widths = [
        max(display_width(x) for cell in [h, *(r[i] for r in rows)] for x in cell.split("\n"))
        for i, h in enumerate(headers)
    ]
    columns = len(headers)

    def wrap_column(i: int) -> list[list[str]]:
        return [_wrap_cell(row[i], widths[i]).split("\n") for row in rows]

    def used(i: int, cells: list[list[str]]) -> int:
        return max([floors[i], *(display_width(x) for cell in cells for x in cell)])

    wrapped_columns = [wrap_column(i) for i in range(columns)]
    actual = [used(i, wrapped_columns[i]) for i in range(columns)]
    while True:  # narrow the widest column; only that column is wrapped again
        excess = sum(actual) + gap * (columns - 1) - width
        widest = max(range(columns), key=lambda i: widths[i])
        if excess <= 0 or widths[widest] <= 8:
            break
        widths[widest] = max(8, widths[widest] - excess, widths[widest] // 2)
        wrapped_columns[widest] = wrap_column(widest)
        actual[widest] = used(widest, wrapped_columns[widest])
    widths = actual
    wrapped = [[wrapped_columns[i][r] for i in range(columns)] for r in range(len(rows))]
    sep = " " * gap
    out = [sep.join(_pad(h, widths[i]) for i, h in enumerate(headers)).rstrip(), sep.join("-" * w for w in widths)]
    for row in wrapped:
        for k in range(max(len(cell) for cell in row)):
            out.append(
                sep.join(_pad(cell[k] if k < len(cell) else "", widths[i]) for i, cell in enumerate(row)).rstrip()
            )
    return "\n".join(out)


def line_cell(line: Line, today: date | None = None) -> str:
    """A line's name, local name, region, audiences and languages, one per row of the cell;
    a line nobody has confirmed lately says so first."""
    from .trust import judge

    parts = [safe_text(line.name)]
    if today is not None and not judge(line, today).confirmed:
        parts.insert(0, "[unconfirmed]")
    if line.name_local and line.name_local != line.name:
        parts.append(safe_text(line.name_local))
    if line.region:
        parts.append(f"Region: {safe_text(line.region)}")
    if tuple(line.audiences) != ("general",):
        parts.append("For: " + ", ".join(safe_text(a).replace("_", " ") for a in line.audiences))
    parts.append("Lang: " + ", ".join(safe_text(x) for x in line.languages))
    if line.interpreter:
        parts.append("Interpreters for other languages")
    return "\n".join(parts)


def reach_cell(line: Line) -> str:
    """Every contact with its own hours, registration and Deaf access; the longer notes go
    under the table (`good_to_know`), where they can use the whole width."""
    return "\n".join(contact_text(line, c, notes=False) for c in line.contacts)


def good_to_know(line: Line) -> str | None:
    """What a caller should know before using the line: each contact's note, then the line's."""
    parts = [f"{contact_label(c)}: {safe_text(c.note)}" for c in line.contacts if c.note]
    if line.notes:
        parts.append(safe_text(line.notes))
    return " ".join(p if p.endswith(".") else p + "." for p in parts) or None


def _cost_cell(line: Line) -> str:
    costs = sorted(
        {c.cost for c in line.contacts if c.type in ("voice", "sms", "whatsapp")} or {c.cost for c in line.contacts}
    )
    return ", ".join(safe_text(c).replace("_", " ") for c in costs)


def _hours_cell(line: Line, statuses: Mapping[str, str] | None) -> str:
    text = safe_text(line.hours.text)
    state = statuses.get(line.id) if statuses else None
    return f"{text}\n{safe_text(state)}" if state and not line.hours.always_open else text


NARROW = 60  # below this many columns a four-column table cannot be read; lines are stacked


def _stacked(rows: list[list[str]], width: int) -> str:
    """One block per line for narrow terminals: name, then how to reach, hours and cost."""
    blocks = []
    for name, reach, hours, cost in rows:
        details = [*reach.split("\n"), f"Hours: {' '.join(hours.split())}; cost: {cost}"]
        parts = [_wrap_cell(name, width)]
        parts += ["\n".join("  " + row for row in _wrap_cell(x, width - 2).split("\n")) for x in details]
        blocks.append("\n".join(parts))
    return "\n\n".join(blocks)


def lines_table(
    sections: Sequence[tuple[Country, Sequence[Line]]],
    screen: Screen,
    empty_note: str | None = None,
    statuses: Mapping[str, str] | None = None,
    today: date | None = None,
) -> str:
    """For people: per country, the emergency number first, then a table of lines and their sources.
    `statuses` (line id -> "open now, closes at 23:00") adds the status under each line's hours."""
    blocks = []
    for country, lines in sections:
        title = _style(f"{safe_text(country.name)} ({safe_text(country.iso2)})", screen.color, "1")
        emergency = _style(emergency_summary(country), screen.color, "1;31")
        block = [title, wrap(f"Emergency: {emergency}", screen.width)]
        if lines:
            rows = [
                [line_cell(line, today), reach_cell(line), _hours_cell(line, statuses), _cost_cell(line)]
                for line in lines
            ]
            block.append("")
            if screen.width >= NARROW:
                block.append(table(rows, ["Line", "How to reach", "Hours", "Cost"], screen.width))
            else:
                block.append(_stacked(rows, screen.width))
            notes = [(line, text) for line in lines if (text := good_to_know(line))]
            if notes:
                block.append("Good to know:")
                block.extend(hanging(f"{safe_text(line.name)}: {text}", screen.width) for line, text in notes)
            if any(not line.hours.always_open for line in lines):
                block.append(wrap("Lines may be busy or closed: keep trying, or use the next option.", screen.width))
            block.append("Sources:")
            for line in lines:
                block.append(
                    hanging(f"{safe_text(line.name)} [{safe_text(line.id)}]: {line_source(line, today)}", screen.width)
                )
            block.append(
                wrap(
                    "A number wrong or dead? `crisiscli report ID` (the id in brackets) writes a "
                    "report for you to send.",
                    screen.width,
                )
            )
        elif empty_note:
            block.append(wrap(safe_text(empty_note), screen.width))
        elif country.no_national_line_note:
            block.append(wrap(safe_text(country.no_national_line_note), screen.width))
        else:
            block.append(
                wrap(
                    "No national crisis line is recorded for this country yet; "
                    "the emergency number above works at any hour.",
                    screen.width,
                )
            )
        blocks.append("\n".join(block))
    return "\n\n".join(blocks)


def envelope(
    command: str,
    data: Any,
    dataset_info: Mapping[str, Any] | None,
    country_source: str | None = None,
    warnings: Sequence[str] = (),
    error: Mapping[str, Any] | None = None,
    pretty: bool = True,
) -> str:
    """The versioned JSON envelope of DESIGN.md; ASCII-escaped so no control character survives.
    Indented for a person (`pretty`), compact for a pipe: Python's C encoder only runs without
    an indent, and a lookup's JSON then takes a fifth of the time."""
    import json  # here: a help screen has no JSON to write

    doc: dict[str, Any] = {"schema_version": 1, "command": command}
    if country_source is not None:
        doc["country_source"] = country_source
    doc["dataset"] = dataset_info
    doc["data"] = data
    doc["warnings"] = list(warnings)
    if error is not None:
        doc["error"] = dict(error)
    if pretty:
        return json.dumps(doc, ensure_ascii=True, indent=2)
    return json.dumps(doc, ensure_ascii=True, separators=(",", ":"))
