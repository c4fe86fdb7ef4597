"""How far a number can be trusted: its newest evidence, its best source, confirmed or not.

Why its own module: "when was this number last seen in service, and by whom" decides what a person
in crisis is shown first, so `now`, the footer, the plan, `lines`, JSON and the MCP server must all
answer it the same way. A number nobody has confirmed for three years, or that only one directory
lists, is still shown (it may be all there is) but never as certain.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .records import NamedTuple

if TYPE_CHECKING:
    from datetime import date

    from .model import Contact, Line, Source

STALE_AFTER_YEARS = 3
# The order a person should see sources in: the operator's own word first.
_KIND_RANK = {"official": 0, "government": 1, "news": 2, "dataset": 3, "directory": 4}


class Trust(NamedTuple):
    """Whether a line or contact is confirmed, the newest evidence date, and why not if not."""

    confirmed: bool
    evidence_date: str | None
    why: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "status": "confirmed" if self.confirmed else "unconfirmed",
            "evidence_date": self.evidence_date,
            "why": self.why,
        }


def _newest(sources: Sequence[Source]) -> str | None:
    dates = [s.evidence for s in sources if s.evidence]
    return max(dates) if dates else None


def evidence_date(line: Line, contact: Contact | None = None) -> str | None:
    """The newest date a page gave for this line (or this contact's own sources)."""
    if contact is not None and contact.sources:
        return _newest(contact.sources) or evidence_date(line)
    return line.provenance.evidence_date or _newest(line.provenance.sources)


def _cutoff(today: date) -> str:
    try:
        return today.replace(year=today.year - STALE_AFTER_YEARS).isoformat()
    except ValueError:  # 29 February
        return today.replace(year=today.year - STALE_AFTER_YEARS, day=28).isoformat()


def host_of(url: str) -> str:
    """'https://www.Samaritans.org/x' -> 'samaritans.org'. Plain string work: urllib.parse
    costs a lookup 2 ms to import, and every URL here is an https link the validator checked."""
    rest = url.split("://", 1)[-1]
    host = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0].rsplit("@", 1)[-1]
    host = host.split(":", 1)[0].lower() if not host.startswith("[") else host
    return host.removeprefix("www.")


def _single_directory(sources: Sequence[Source]) -> bool:
    if any(s.kind != "directory" for s in sources):
        return False
    return len({host_of(s.url) for s in sources}) <= 1


def judge(line: Line, today: date, contact: Contact | None = None) -> Trust:
    """Confirmed means: active, listed by more than one directory (or any better source), and
    seen in service within the last three years. A partial date counts from its end (a page
    dated 2023 is evidence up to 2023-12-31)."""
    newest = evidence_date(line, contact)
    sources = (contact.sources if contact is not None and contact.sources else ()) or line.provenance.sources
    if line.status == "unverified":
        return Trust(False, newest, "not verified")
    if _single_directory(sources):
        return Trust(False, newest, "listed only by one directory")
    if newest is None:
        return Trust(False, None, "no dated evidence that it is in service")
    padded = newest + "-12-31"[len(newest) - 4 :] if len(newest) < 10 else newest
    if padded < _cutoff(today):
        return Trust(False, newest, f"newest evidence is from {newest[:4]}")
    return Trust(True, newest)


def is_confirmed(line: Line, today: date) -> bool:
    return judge(line, today).confirmed


def best_source(sources: Sequence[Source]) -> Source | None:
    """The source to show: the operator's or a government page first, then the newest."""
    if not sources:
        return None
    return min(sources, key=lambda s: (_KIND_RANK.get(s.kind or "", 5), _negated(s.evidence)))


def _negated(day: str | None) -> str:
    """Sort key that puts newer ISO dates first (and undated last)."""
    if not day:
        return "~"
    return "".join(chr(ord("9") - int(ch) + ord("0")) if ch.isdigit() else ch for ch in day)
