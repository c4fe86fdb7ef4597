"""Opening hours in the line's own zone: DST days, overnight spans, 24:00, unknowns, --open-at.

Why table-driven with explicit UTC instants: each row pins one moment and the answer a volunteer
would read, so a wrong offset (for example a fixed 8-hour span across a clock change) shows up
as a specific failing row.
"""

from __future__ import annotations

import sys
import zoneinfo
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crisiscli.errors import UsageProblem
from crisiscli.hours import OpenStatus, localize, parse_at, status, status_at
from crisiscli.model import Hours, Schedule

ALL = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
UTC = UTC


def hours(tz: str | None, *spans: tuple[tuple[str, ...], str, str], always: bool = False) -> Hours:
    return Hours(
        always_open=always, text="test", tz=tz, schedule=tuple(Schedule(days=d, open=o, close=c) for d, o, c in spans)
    )


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


PARIS = hours("Europe/Paris", (ALL, "09:00", "23:00"))
LISBON_LATE = hours("Europe/Lisbon", (ALL, "15:30", "00:30"))
ROME_MIDNIGHT = hours("Europe/Rome", (ALL, "09:00", "24:00"))
FRIDAY_NIGHT = hours("Europe/London", (("fri",), "22:00", "06:00"))
SAHAR = hours("Asia/Jerusalem", (("sun", "mon", "tue", "wed", "thu"), "16:00", "24:00"), (("sat",), "18:00", "24:00"))
KUMMER = hours("Europe/Berlin", (ALL[:6], "14:00", "20:00"))
WEEKEND = hours("Europe/London", (("fri",), "18:00", "24:00"), (("sat", "sun"), "00:00", "24:00"))
LONDON_DAY = hours("Europe/London", (ALL, "09:00", "23:00"))
DUBLIN_DAY = hours("Europe/Dublin", (ALL, "09:00", "23:00"))
NY_NIGHT = hours("America/New_York", (ALL, "22:00", "06:00"))
NY_GAP = hours("America/New_York", (ALL, "02:30", "05:00"))
NY_CLOSE_TWICE = hours("America/New_York", (ALL, "20:00", "01:30"))
NY_OPEN_TWICE = hours("America/New_York", (ALL, "01:30", "04:00"))
SYDNEY_DAY = hours("Australia/Sydney", (ALL, "09:00", "17:00"))

# 2026-11-25 is a Wednesday.
CASES = [
    # plain days, open and close instants are inclusive / exclusive
    ("paris open", PARIS, "2026-11-25T10:00", True, "open now, closes at 23:00"),
    ("paris at opening", PARIS, "2026-11-25T08:00", True, "open now, closes at 23:00"),
    ("paris at closing", PARIS, "2026-11-25T22:00", False, "closed, opens at 09:00 (Thu)"),
    ("paris before", PARIS, "2026-11-25T07:59", False, "closed, opens at 09:00 (Wed)"),
    # overnight 15:30-00:30: after midnight it is still yesterday's span
    ("lisbon after midnight", LISBON_LATE, "2026-11-29T00:15", True, "open now, closes at 00:30"),
    ("lisbon evening", LISBON_LATE, "2026-11-28T20:00", True, "open now, closes at 00:30"),
    ("lisbon closed", LISBON_LATE, "2026-11-29T00:45", False, "closed, opens at 15:30 (Sun)"),
    # a Friday-night span carries on into Saturday, and Saturday night is closed
    ("friday night into saturday", FRIDAY_NIGHT, "2026-11-28T03:00", True, "open now, closes at 06:00"),
    ("saturday after", FRIDAY_NIGHT, "2026-11-28T07:00", False, "closed, opens at 22:00 (Fri)"),
    ("saturday night", FRIDAY_NIGHT, "2026-11-29T03:00", False, "closed, opens at 22:00 (Fri)"),
    # 24:00 closes at the end of the day
    ("rome last minute", ROME_MIDNIGHT, "2026-11-25T22:59", True, "open now, closes at midnight"),
    ("rome midnight", ROME_MIDNIGHT, "2026-11-25T23:00", False, "closed, opens at 09:00 (Thu)"),
    # several entries, closed days
    ("sahar friday", SAHAR, "2026-11-27T10:00", False, "closed, opens at 18:00 (Sat)"),
    ("sahar thursday", SAHAR, "2026-11-26T15:00", True, "open now, closes at midnight"),
    ("kummer saturday night", KUMMER, "2026-11-28T21:00", False, "closed, opens at 14:00 (Mon)"),
    # touching spans merge; a close more than a day away names its day
    ("weekend friday", WEEKEND, "2026-11-27T19:00", True, "open now, closes at midnight (Sun)"),
    # Europe/London spring forward (2026-03-29 01:00 UTC): 09:00 BST is 08:00 UTC
    ("london spring day open", LONDON_DAY, "2026-03-29T08:30", True, "open now, closes at 23:00"),
    ("london day before", LONDON_DAY, "2026-03-28T08:30", False, "closed, opens at 09:00 (Sat)"),
    ("london spring late", LONDON_DAY, "2026-03-29T22:30", False, "closed, opens at 09:00 (Mon)"),
    # London fall back (2026-10-25 01:00 UTC): 23:00 GMT is 23:00 UTC again
    ("london fall late", LONDON_DAY, "2026-10-25T22:30", True, "open now, closes at 23:00"),
    ("london day before fall", LONDON_DAY, "2026-10-24T22:30", False, "closed, opens at 09:00 (Sun)"),
    # Europe/Dublin has "negative" DST in the tz database; the offsets are what count
    ("dublin spring", DUBLIN_DAY, "2026-03-29T08:30", True, "open now, closes at 23:00"),
    # New York spring forward (2026-03-08 07:00 UTC): the 22:00-06:00 span is 7 hours long
    ("ny short night open", NY_NIGHT, "2026-03-08T09:30", True, "open now, closes at 06:00"),
    ("ny short night closed", NY_NIGHT, "2026-03-08T10:30", False, "closed, opens at 22:00 (Sun)"),
    # New York fall back (2026-11-01 06:00 UTC): the span is 9 hours long
    ("ny long night open", NY_NIGHT, "2026-11-01T10:30", True, "open now, closes at 06:00"),
    ("ny long night closed", NY_NIGHT, "2026-11-01T11:00", False, "closed, opens at 22:00 (Sun)"),
    # an opening time the clock skips happens at the jump (03:00 EDT)
    ("ny gap before", NY_GAP, "2026-03-08T06:59", False, "closed, opens at 03:00 (Sun)"),
    ("ny gap at jump", NY_GAP, "2026-03-08T07:00", True, "open now, closes at 05:00"),
    # a time the clock shows twice: close at the first, open at the second (never say open wrongly)
    ("ny close first 01:30", NY_CLOSE_TWICE, "2026-11-01T05:15", True, "open now, closes at 01:30"),
    ("ny closed after first 01:30", NY_CLOSE_TWICE, "2026-11-01T05:45", False, "closed, opens at 20:00 (Sun)"),
    ("ny open second 01:30", NY_OPEN_TWICE, "2026-11-01T06:00", False, "closed, opens at 01:30 (Sun)"),
    ("ny open after second 01:30", NY_OPEN_TWICE, "2026-11-01T06:45", True, "open now, closes at 04:00"),
    # southern hemisphere: Sydney moves to +11 on 2026-10-04, so 09:00 is 22:00 UTC the day before
    ("sydney dst day", SYDNEY_DAY, "2026-10-04T22:30", True, "open now, closes at 17:00"),
    ("sydney standard day", SYDNEY_DAY, "2026-09-27T22:30", False, "closed, opens at 09:00 (Mon)"),
]


@pytest.mark.parametrize("name, h, at, is_open, text", CASES, ids=[c[0] for c in CASES])
def test_status_table(name, h, at, is_open, text):
    result = status(h, utc(at))
    assert (result.open, result.text) == (is_open, text)


@pytest.mark.parametrize(
    "h, text",
    [
        (hours("Europe/London", always=True), "open 24/7"),
        (hours(None, always=True), "open 24/7"),
        (hours("Europe/London", (ALL, "00:00", "24:00")), "open 24/7"),
    ],
)
def test_always_open(h, text):
    assert status(h, utc("2026-11-25T12:00")) == OpenStatus(True, text)


@pytest.mark.parametrize(
    "h",
    [
        hours("Europe/London"),  # no schedule
        hours(None, (ALL, "09:00", "17:00")),  # no zone
        hours("Mars/Olympus_Mons", (ALL, "09:00", "17:00")),  # unknown zone
        hours("../../etc/passwd", (ALL, "09:00", "17:00")),  # not a zone name
        hours("Europe", (ALL, "09:00", "17:00")),  # a directory
        hours("Europe/London", (ALL, "25:00", "17:00")),  # malformed time
        hours("Europe/London", (("funday",), "09:00", "17:00")),  # malformed day
        hours("Europe/London", ((), "09:00", "17:00")),  # no days
    ],
)
def test_unknown_is_never_a_guess(h):
    assert status(h, utc("2026-11-25T12:00")) == OpenStatus(None, "hours not known")


def test_changes_at_is_in_the_lines_zone():
    result = status(PARIS, utc("2026-11-25T10:00"))
    assert result.changes_at is not None
    assert result.changes_at.utcoffset() == timedelta(hours=1)
    assert result.changes_at.astimezone(UTC) == utc("2026-11-25T22:00")


def test_naive_time_is_refused_by_status():
    with pytest.raises(ValueError):
        status(PARIS, datetime(2026, 11, 25, 10, 0))


def test_extreme_instants_do_not_crash():
    for at in (datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)):
        assert status(PARIS, at).open in (True, False, None)


def test_every_bundled_line_has_an_answer():
    from crisiscli.dataset import load_bundled

    at = utc("2026-11-25T03:00")
    for country in load_bundled().countries():
        for line in country.lines:
            result = status(line.hours, at)
            assert result.text
            if line.hours.always_open:
                assert result.open is True
            for contact in line.contacts:
                if contact.hours_override:
                    assert status(contact.hours_override, at).text


# --- --open-at: naive means local time in each line's own zone ---------------------------------


def test_naive_open_at_is_placed_in_each_lines_zone():
    at = parse_at("2026-11-25T10:00")
    assert at.tzinfo is None
    tokyo = hours("Asia/Tokyo", (ALL, "09:00", "23:00"))
    # 10:00 in Paris and 10:00 in Tokyo are different instants, and both lines are open then.
    assert status_at(PARIS, at).open is True
    assert status_at(tokyo, at).open is True
    late = parse_at("2026-11-25T23:30")
    assert status_at(PARIS, late).text == "closed, opens at 09:00 (Thu)"
    assert status_at(LISBON_LATE, late).text == "open now, closes at 00:30"


def test_aware_open_at_is_one_instant_for_all():
    at = parse_at("2026-11-25T23:30Z")
    assert status_at(PARIS, at).open is False  # 00:30 in Paris
    assert status_at(LISBON_LATE, at).open is True  # 23:30 in Lisbon


def test_naive_open_at_with_unknown_zone():
    at = parse_at("2026-11-25T10:00")
    assert status_at(hours("Nowhere/Land", (ALL, "09:00", "17:00")), at).open is None
    assert status_at(hours("Nowhere/Land", always=True), at).open is True


def test_localize_skipped_and_repeated_times():
    skipped = localize(datetime(2026, 3, 8, 2, 30), "America/New_York")
    assert skipped is not None and skipped.astimezone(UTC) == utc("2026-03-08T07:00")
    repeated = localize(datetime(2026, 11, 1, 1, 30), "America/New_York")
    assert repeated is not None and repeated.astimezone(UTC) == utc("2026-11-01T05:30")
    assert localize(datetime(2026, 1, 1), "No/Such_Zone") is None
    aware = utc("2026-01-01T00:00")
    assert localize(aware, None) is aware


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-11-29T03:00", datetime(2026, 11, 29, 3, 0)),
        ("2026-11-29 03:00", datetime(2026, 11, 29, 3, 0)),
        ("  2026-11-29t03  ", datetime(2026, 11, 29, 3, 0)),
        ("2026-11-29T03:00:30.5", datetime(2026, 11, 29, 3, 0, 30, 500000)),
        ("2026-11-29T03:00Z", datetime(2026, 11, 29, 3, 0, tzinfo=UTC)),
        ("2026-11-29T03:00+01:00", datetime(2026, 11, 29, 3, 0, tzinfo=timezone(timedelta(hours=1)))),
        ("2026-11-29T03:00-0530", datetime(2026, 11, 29, 3, 0, tzinfo=timezone(-timedelta(hours=5, minutes=30)))),
        ("2026-11-29T03:00+09", datetime(2026, 11, 29, 3, 0, tzinfo=timezone(timedelta(hours=9)))),
        ("2026-12-31T24:00", datetime(2027, 1, 1, 0, 0)),
    ],
)
def test_parse_at_accepts(text, expected):
    got = parse_at(text)
    assert got == expected and (got.tzinfo is None) == (expected.tzinfo is None)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "now",
        "2026-11-29",
        "2026-02-30T10:00",
        "2026-11-29T25:00",
        "2026-11-29T24:30",
        "2026-11-29T03:00+24:00",
        "2026-11-29T03:00+05:75",
        "1066-10-14T09:00",
        "9999-12-31T24:00",
        "2026-11-29T03:00 Europe/Paris",
        "٢٠٢٦-١١-٢٩T03:00",
        "2026-11-29T03:00" + "0" * 100,
    ],
)
def test_parse_at_refuses_with_usage_problem(text):
    with pytest.raises(UsageProblem) as info:
        parse_at(text)
    assert "2026-11-29T03:00" in info.value.message  # every refusal shows an example
    assert len(info.value.message) < 300


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=80))
def test_parse_at_any_text_is_a_datetime_or_usage_problem(text):
    try:
        result = parse_at(text)
    except UsageProblem:
        return
    assert isinstance(result, datetime)
    # Whatever it accepts can be placed in a zone and asked about.
    status_at(PARIS, result)


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2100, 12, 30)),
    st.one_of(st.none(), st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59)),
)
def test_parse_at_round_trips_isoformat(moment, offset_minutes):
    if offset_minutes is not None:
        moment = moment.replace(tzinfo=timezone(timedelta(minutes=offset_minutes)))
    parsed = parse_at(moment.isoformat())
    assert parsed == moment and parsed.utcoffset() == moment.utcoffset()


@settings(max_examples=200, deadline=None)
@given(
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)),
    st.sampled_from(
        [
            PARIS,
            LISBON_LATE,
            ROME_MIDNIGHT,
            FRIDAY_NIGHT,
            SAHAR,
            WEEKEND,
            NY_NIGHT,
            NY_GAP,
            NY_CLOSE_TWICE,
            NY_OPEN_TWICE,
            SYDNEY_DAY,
        ]
    ),
)
def test_status_is_consistent_with_its_own_next_change(at, h):
    """Just before the announced change the answer is the same; at it, it has flipped."""
    result = status(h, at)
    assert result.open in (True, False) and result.changes_at is not None
    assert result.changes_at > at
    change = result.changes_at.astimezone(UTC)  # arithmetic in the line's zone would be wall-clock
    before = status(h, change - timedelta(seconds=1))
    after = status(h, change)
    assert before.open == result.open
    assert after.open == (not result.open)


# --- machines without zone files ---------------------------------------------------------------


@pytest.fixture
def no_zone_files(monkeypatch: pytest.MonkeyPatch):
    """No system zone files and no tzdata package, as on Windows without tzdata installed."""
    for name in [m for m in sys.modules if m == "tzdata" or m.startswith("tzdata.")] + ["tzdata"]:
        monkeypatch.setitem(sys.modules, name, None)
    zoneinfo.reset_tzpath(to=[])
    zoneinfo.ZoneInfo.clear_cache()
    try:
        yield
    finally:
        zoneinfo.reset_tzpath()
        zoneinfo.ZoneInfo.clear_cache()


def test_without_zone_data_hours_are_unknown_not_wrong(no_zone_files):
    with pytest.raises(zoneinfo.ZoneInfoNotFoundError):
        zoneinfo.ZoneInfo("Europe/Paris")
    assert status(PARIS, utc("2026-11-25T10:00")) == OpenStatus(None, "hours not known")
    assert status(hours("Europe/Paris", always=True), utc("2026-11-25T10:00")).open is True
