"""Opening hours: is a line open at a given moment, and when does that change?

Why in the line's own zone: the dataset records hours as the service writes them ("Daily
09:00-23:00" in Europe/Paris). The clock on the wall where the service is decides, not the
user's, so every schedule is laid out in local wall-clock time and only then turned into
instants. That is what keeps the answer right on daylight-saving days (a 09:00-23:00 day is 13 or
15 hours long then) and across midnight (15:30-00:30, or a Friday-night span into Saturday).

Why the clock is always passed in: tests and `--open-at` ask about any moment, and nothing here
may quietly read the wall clock.

Where the data cannot answer (no schedule, no or unknown zone, a malformed entry) the answer is
"hours not known", never a guess: a volunteer must not be told a line is open when it may not be.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING

from .errors import UsageProblem

if TYPE_CHECKING:
    from .model import Hours

__all__ = ["OpenStatus", "localize", "parse_at", "status", "status_at", "zone"]

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_LABELS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_CLOCK = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$", re.ASCII)
# Far enough to see past any weekly schedule; a span still open beyond it never closes.
_HORIZON = timedelta(days=7)
MIN_YEAR, MAX_YEAR = 1900, 2100

OPEN_ALWAYS = "open 24/7"
UNKNOWN = "hours not known"


@dataclass(frozen=True, slots=True)
class OpenStatus:
    """The answer for one line at one moment.

    `open` is True, False, or None when the data cannot tell. `text` is the phrase a person
    reads ("open now, closes at 23:00"). `changes_at` is the next opening or closing instant, in
    the line's zone, when there is one (convert it to UTC before adding a timedelta: Python does
    wall-clock arithmetic within one zone).
    """

    open: bool | None
    text: str
    changes_at: datetime | None = None


_ALWAYS = OpenStatus(True, OPEN_ALWAYS)
_NOT_KNOWN = OpenStatus(None, UNKNOWN)


def zone(name: str | None) -> tzinfo | None:
    """The IANA zone called `name`, or None when it is missing, malformed or not installed
    (for example no system zone files and no tzdata package)."""
    if not name:
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError, TypeError):
        return None


def _clock(text: str, allow_24: bool) -> time | None:
    """'09:00' -> 09:00; '24:00' (a close only) -> 00:00, which the caller puts on the next day.
    None for anything malformed."""
    if allow_24 and text == "24:00":
        return time(0, 0)
    m = _CLOCK.match(text) if isinstance(text, str) else None
    return time(int(m.group(1)), int(m.group(2))) if m else None


def _transition(lo: int, hi: int, tz: tzinfo) -> datetime:
    """The first whole second in (lo, hi] whose UTC offset is that of `hi` (a zone change)."""

    def offset(ts: int) -> timedelta | None:
        return datetime.fromtimestamp(ts, UTC).astimezone(tz).utcoffset()

    target = offset(hi)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if offset(mid) == target:
            hi = mid
        else:
            lo = mid
    return datetime.fromtimestamp(hi, UTC)


def _instant(wall: datetime, tz: tzinfo, late: bool) -> datetime:
    """A local wall-clock time as a UTC instant.

    Twice-occurring times (the hour repeated when clocks go back) take the later instant if
    `late`, else the earlier. Times skipped when clocks go forward happen at the jump itself,
    which is when the clock first shows a time past them."""
    a = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    b = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    if a == b:
        return a
    if a.astimezone(tz).replace(tzinfo=None) == wall:  # exists twice
        return max(a, b) if late else min(a, b)
    lo, hi = sorted((a, b))
    return _transition(int(lo.timestamp()), int(hi.timestamp()), tz)


def _spans(hours: Hours, tz: tzinfo, around: date) -> list[tuple[datetime, datetime]] | None:
    """Merged open spans (UTC) from the day before `around` to a week and more after it, or None
    when any schedule entry is malformed (then nothing it says can be trusted)."""
    entries = []
    for entry in hours.schedule:
        days = tuple(entry.days) if isinstance(entry.days, (tuple, list)) else ()
        opens, closes = _clock(entry.open, False), _clock(entry.close, True)
        if not days or any(d not in DAYS for d in days) or opens is None or closes is None:
            return None
        entries.append(({DAYS.index(d) for d in days}, opens, closes, entry.close == "24:00"))
    spans = []
    for offset in range(-2, 10):
        day = around + timedelta(days=offset)
        for weekdays, opens, closes, midnight in entries:
            if day.weekday() not in weekdays:
                continue
            start_wall = datetime.combine(day, opens)
            # 24:00, or a close at or before the opening time, ends on the next calendar day.
            next_day = midnight or closes <= opens
            end_wall = datetime.combine(day + timedelta(days=1) if next_day else day, closes)
            # Be cautious where clocks repeat an hour: open at the later, close at the earlier.
            start = _instant(start_wall, tz, late=True)
            end = _instant(end_wall, tz, late=False)
            if end > start:
                spans.append((start, end))
    spans.sort()
    merged: list[tuple[datetime, datetime]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _hhmm(moment: datetime) -> str:
    return moment.strftime("%H:%M")


def status(hours: Hours, at: datetime, current: bool = True) -> OpenStatus:
    """Whether the line is open at the instant `at` (timezone-aware), and the phrase to show
    ("open now, ..." when `at` is the present, "open then, ..." for another moment).

    A naive `at` is a programming error (it would silently mean "the machine's zone"): use
    `status_at` for times that mean local time in the line's own zone.
    """
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("status() needs a timezone-aware datetime; use status_at() for local times")
    if hours.always_open:
        return _ALWAYS
    if not hours.schedule:
        return _NOT_KNOWN
    tz = zone(hours.tz)
    if tz is None:
        return _NOT_KNOWN
    try:
        now = at.astimezone(UTC)
        spans = _spans(hours, tz, now.astimezone(tz).date())
    except (OverflowError, ValueError):  # a moment near year 1 or 9999
        return _NOT_KNOWN
    if not spans:
        return _NOT_KNOWN
    for start, end in spans:
        if start <= now < end:
            if end - now > _HORIZON:
                return _ALWAYS
            local_end = end.astimezone(tz)
            when = "midnight" if local_end.time() == time(0, 0) else _hhmm(local_end)
            if end - now >= timedelta(days=1):
                when += f" ({_DAY_LABELS[(local_end - timedelta(microseconds=1)).weekday()]})"
            return OpenStatus(True, f"open {'now' if current else 'then'}, closes at {when}", local_end)
        if start > now:
            local_start = start.astimezone(tz)
            return OpenStatus(
                False, f"closed, opens at {_hhmm(local_start)} ({_DAY_LABELS[local_start.weekday()]})", local_start
            )
    return OpenStatus(False, "closed")


def localize(at: datetime, tz_name: str | None) -> datetime | None:
    """`at` as an aware instant: unchanged if it is aware, else read as wall-clock time in the
    zone `tz_name` (None when that zone is unknown). A skipped time is the moment of the jump; a
    repeated time is its first occurrence."""
    if at.tzinfo is not None and at.utcoffset() is not None:
        return at
    tz = zone(tz_name)
    if tz is None:
        return None
    try:
        return _instant(at.replace(tzinfo=None), tz, late=False).astimezone(tz)
    except (OverflowError, ValueError):
        return None


def status_at(hours: Hours, at: datetime, current: bool = True) -> OpenStatus:
    """`status` for a time from `parse_at`: an aware time is one instant for every line; a naive
    one means that wall-clock time in each line's own zone (what `--open-at 03:00` means)."""
    if at.tzinfo is not None and at.utcoffset() is not None:
        return status(hours, at, current)
    if hours.always_open:
        return _ALWAYS
    moment = localize(at, hours.tz)
    return _NOT_KNOWN if moment is None else status(hours, moment, current)


_ISO = re.compile(
    r"(?P<y>[0-9]{4})-(?P<mo>[0-9]{2})-(?P<d>[0-9]{2})"
    r"(?:[Tt ](?P<h>[0-9]{2})(?::(?P<mi>[0-9]{2})(?::(?P<s>[0-9]{2})(?:[.,](?P<f>[0-9]{1,9}))?)?)?)?"
    r"(?P<tz>[Zz]|[+-](?P<oh>[0-9]{2})(?::?(?P<om>[0-9]{2}))?)?",
    re.ASCII,
)
_EXAMPLE = "such as 03:00 (today), 2026-11-29T03:00 (each line's local time) or 2026-11-29T03:00+01:00"


_TIME_ONLY = re.compile(r"(?P<h>[01]?[0-9]|2[0-3])[:.h](?P<mi>[0-5][0-9])", re.ASCII)


def parse_at(text: str, today: date | None = None) -> datetime:
    """Parse `--open-at`: an ISO 8601 date and time.

    With an offset (Z, +01:00) it is one instant, returned aware. Without one it means that
    wall-clock time in each line's own zone, so it is returned naive for `status_at` to place per
    line. Anything else is a UsageProblem (exit 2) with an example, never another exception.
    """
    if not isinstance(text, str) or not text.strip():
        raise UsageProblem(f"--open-at needs a date and time, {_EXAMPLE}")
    cleaned = text.strip()
    shown = cleaned[:40]
    clock = _TIME_ONLY.fullmatch(cleaned)
    if clock and today is not None:  # "03:00": today, at that time in each line's own zone
        return datetime.combine(today, time(int(clock.group("h")), int(clock.group("mi"))))
    bad = UsageProblem(f"--open-at takes an ISO 8601 date and time, {_EXAMPLE}; not {shown!r}")
    m = _ISO.fullmatch(cleaned) if len(cleaned) <= 64 else None
    if m is None:
        raise bad
    if m.group("h") is None:
        raise UsageProblem(f"--open-at needs a time as well as a date, {_EXAMPLE}; not {shown!r}")
    year = int(m.group("y"))
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise UsageProblem(f"--open-at: the year must be between {MIN_YEAR} and {MAX_YEAR}, {_EXAMPLE}; not {shown!r}")
    hour, minute = int(m.group("h")), int(m.group("mi") or 0)
    second = int(m.group("s") or 0)
    micro = int((m.group("f") or "0")[:6].ljust(6, "0"))
    tz: tzinfo | None = None
    if m.group("tz"):
        if m.group("tz") in ("Z", "z"):
            tz = UTC
        else:
            oh, om = int(m.group("oh")), int(m.group("om") or 0)
            if oh > 23 or om > 59:
                raise bad
            sign = -1 if m.group("tz").startswith("-") else 1
            tz = timezone(sign * timedelta(hours=oh, minutes=om))
    try:
        day = date(year, int(m.group("mo")), int(m.group("d")))
        if hour == 24:  # ISO 8601 end of day: 24:00 is the next day's 00:00
            if minute or second or micro:
                raise ValueError("24 only as 24:00")
            return datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=tz)
        return datetime.combine(day, time(hour, minute, second, micro), tzinfo=tz)
    except ValueError:
        raise bad from None
