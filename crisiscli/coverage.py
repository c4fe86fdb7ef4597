"""What a dataset covers, counted: the numbers `crisiscli data info` reports."""

from __future__ import annotations

from collections import Counter
from typing import Any

from .dataset import Dataset


def coverage(dataset: Dataset) -> dict[str, Any]:
    """Countries with emergency numbers and with lines, lines by confidence, oldest check."""
    by_confidence: Counter[str] = Counter()
    with_emergency = with_lines = lines = 0
    oldest: str | None = None
    for country in dataset.countries():
        with_emergency += bool(country.emergency)
        active = [line for line in country.lines if line.is_active]
        with_lines += bool(active)
        for line in active:
            lines += 1
            by_confidence[line.provenance.confidence] += 1
            checked = line.provenance.last_verified
            oldest = checked if oldest is None or checked < oldest else oldest
    return {
        "countries": len(dataset.codes()),
        "countries_with_emergency_numbers": with_emergency,
        "countries_with_lines": with_lines,
        "lines": lines,
        "lines_by_confidence": {k: by_confidence.get(k, 0) for k in ("high", "medium", "low")},
        "oldest_last_verified": oldest,
    }
