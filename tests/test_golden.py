"""Human output is pinned by golden files: a change to what people read must be deliberate.

Regenerate after an intended change with:  UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"
CASES = {
    "lines_GB.txt": (["lines", "GB"], {}),
    "lines_US_60cols.txt": (["lines", "US"], {"COLUMNS": "60"}),
    "lines_FR_plain.txt": (["lines", "FR", "--format", "plain"], {}),
    "lines_unknown_country.txt": (["lines"], {}),
    "countries.txt": (["countries"], {}),
    "now_GB.txt": (["now", "GB"], {}),
    "now_US.txt": (["now", "US"], {}),
    "about_what-is-self-harm.txt": (["about", "what-is-self-harm"], {}),
    "about_after-self-harm_sources_GB.txt": (["about", "after-self-harm", "--sources"], {"CRISISCLI_COUNTRY": "GB"}),
    "now_no_country.txt": (["now"], {}),
    "now_GB_young.txt": (["now", "GB", "--young"], {}),
    "coping_GB.txt": (["coping"], {"CRISISCLI_COUNTRY": "GB"}),
    "coping_calm-slow-breathing.txt": (["coping", "calm-slow-breathing"], {}),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(run, name):
    args, env = CASES[name]
    result = run(*args, env=env)
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(result.stdout, encoding="utf-8")
    assert result.stdout == path.read_text(encoding="utf-8")
