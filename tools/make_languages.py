"""Regenerate crisiscli/data/languages.json: language names people type -> ISO 639 codes.

Why generated: `--language spanish`, `--language español` and `--language es` must all mean the
same thing, and CLDR (through Babel) already knows every language's English and own name.

Run:  python tools/make_languages.py   (needs the `dev` extra: babel)
"""

from __future__ import annotations

import json
from pathlib import Path

from babel import Locale, UnknownLocaleError

from crisiscli.countries import fold

OUT = Path(__file__).resolve().parent.parent / "crisiscli" / "data" / "languages.json"
# Names CLDR does not give that people use.
EXTRA = {"mandarin": "zh", "cantonese": "yue", "farsi": "fa", "filipino": "fil", "tagalog": "tl"}


def main() -> None:
    english = Locale("en")
    names: dict[str, str] = {}
    for code, name in english.languages.items():
        if "_" in code or len(code) > 3:
            continue
        names.setdefault(fold(name), code)
        try:
            own = Locale.parse(code).get_display_name(code)
        except (UnknownLocaleError, ValueError):
            own = None
        if own:
            names.setdefault(fold(own), code)
    for name, code in EXTRA.items():
        names[fold(name)] = code
    OUT.write_text(json.dumps(dict(sorted(names.items())), ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(names)} names)")


if __name__ == "__main__":
    main()
