"""The banned patterns of research/content-guidelines.md section 1.6, as a reusable checker.

Why a module and not a test: every kind of printable string (data, help, errors, content) is run
through the same list, so there is one place to keep it.
"""

from __future__ import annotations

import re
import unicodedata

BANNED = {
    "L-01": r"\bcommit(s|ted|ting)?\s+suicide\b",
    "L-02": r"\b(successful|unsuccessful|completed|failed)\s+(suicide|attempt)",
    "L-03": r"\bfailed\s+suicide\b",
    "L-04": r"\bepidemic\b|\bsky-?rocket",
    "L-05": r"\bbullycide\b",
    "L-06": r"\bself[- ]?harmers?\b|\bcutters?\b|\bself[- ]?injurers?\b",
    "L-07": r"\battention[- ]?seek\w*|\bmanipulative\b",
    "L-08": r"\bjust\s+(a\s+)?cry\s+for\s+help\b|\bjust\s+(for\s+)?attention\b",
    "L-09": r"\bdon'?t\s+do\s+anything\s+stupid\b",
    "L-10": r"\bpainless\b|\bquick\s+and\s+easy\b",
    "L-12": r"\bwithout\s+warning\b|\binexplicabl[ey]\b|\bout\s+of\s+the\s+blue\b",
    "L-13": r"\bsuicide\s+notes?\b|\bhot\s?spots?\b",
    "L-14": r"\b(low|medium|moderate|high)[- ]risk\b",
    "L-15": r"\bpromise\s+(me\s+)?(you'?ll|to)\s+stop\b|\bno[- ](harm|suicide)\s+contract",
    "H-01": r"1[-. ]?800[-. ]?273|273[-. ]?TALK|273[-. ]?8255",
    "H-02": r"\bNational\s+Suicide\s+Prevention\s+Lifeline\b|suicidepreventionlifeline\.org",
    "H-03": r"\bpress\s*3\b",
}
# Patterns that are fine inside a block marked as a myth (content-guidelines 1.6 allow_in).
ALLOWED_IN_MYTH = {"L-07", "L-08"}
BANNED_CODEPOINTS = {0x1FA78, 0x1F52A, 0x1F48A, 0x1FA92, 0x26B0, 0x1FAA6}
# Method/means words (whole words); a private fixture, never printed by the tool.
# "mg" only in lower case after a number: MG is Madagascar's code, mg the Malagasy language tag.
MEANS_WORDS = (
    r"\b(blades?|razors?|overdos\w*|tablets?|pills?|wrists?|veins?|bleed\w*|scars?|knives|knife|"
    r"nooses?|ropes?|poison\w*)\b|(?-i:\d\s?mg\b)"
)
_COMPILED = {k: re.compile(v, re.IGNORECASE) for k, v in BANNED.items()}
_MEANS = re.compile(MEANS_WORDS, re.IGNORECASE)


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return " ".join(text.split())


def violations(text: str, myth: bool = False, means: bool = True) -> list[str]:
    """Rule ids the text breaks (empty list when it is clean)."""
    norm = normalise(text)
    found = [rule for rule, rx in _COMPILED.items() if rx.search(norm) and not (myth and rule in ALLOWED_IN_MYTH)]
    if any(ord(ch) in BANNED_CODEPOINTS for ch in norm):
        found.append("codepoint")
    if means and _MEANS.search(norm):
        found.append("means:" + _MEANS.search(norm).group(0))
    return found
