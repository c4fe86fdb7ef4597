"""The one clock crisiscli reads, so tests can pin it.

Why: ages, opening hours, plan timestamps and update checks all depend on "now"; tests must not
depend on the wall clock, so CRISISCLI_NOW (an ISO date or date-time; without an offset it means
UTC) replaces it everywhere at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime

from .errors import UsageProblem


def now(env: Mapping[str, str]) -> datetime:
    """The current instant, timezone-aware (UTC unless CRISISCLI_NOW gives an offset)."""
    pinned = env.get("CRISISCLI_NOW")
    if not pinned:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(pinned)
    except ValueError:
        raise UsageProblem(f"CRISISCLI_NOW={pinned[:40]!r} is not an ISO date or date-time") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def today(env: Mapping[str, str]) -> date:
    """Today's date: the pinned one as written, else the machine's local date."""
    if env.get("CRISISCLI_NOW"):
        return now(env).date()
    return date.today()
