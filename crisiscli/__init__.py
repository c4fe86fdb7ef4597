"""crisiscli: crisis lines, emergency numbers and self-help, offline.

The public Python API (the CLI is a thin layer over these)::

    import crisiscli
    dataset = crisiscli.load_dataset()
    code = crisiscli.resolve_country("Deutschland")      # "DE"; raises UnknownCountry
    country = dataset.country(code)
    for line in crisiscli.find_lines(country, crisiscli.make_filters(channel="sms")):
        print(line.name, [c.display for c in line.contacts])
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# name -> (module, attribute). Loaded on first use (PEP 562), so `crisiscli --help` and the
# console script do not pay for the dataset and model modules they may not need.
_EXPORTS = {
    "resolve_country": ("countries", "resolve"),
    "Dataset": ("dataset", "Dataset"),
    "load_dataset": ("dataset", "load_active"),
    "CrisisError": ("errors", "CrisisError"),
    "DatasetError": ("errors", "DatasetError"),
    "NothingMatched": ("errors", "NothingMatched"),
    "UnknownCountry": ("errors", "UnknownCountry"),
    "UsageProblem": ("errors", "UsageProblem"),
    "Contact": ("model", "Contact"),
    "Country": ("model", "Country"),
    "Emergency": ("model", "Emergency"),
    "Hours": ("model", "Hours"),
    "Line": ("model", "Line"),
    "Filters": ("query", "Filters"),
    "find_lines": ("query", "find_lines"),
    "make_filters": ("query", "make_filters"),
}

__all__ = [
    "Contact",
    "Country",
    "CrisisError",
    "Dataset",
    "DatasetError",
    "Emergency",
    "Filters",
    "Hours",
    "Line",
    "NothingMatched",
    "UnknownCountry",
    "UsageProblem",
    "__version__",
    "find_lines",
    "load_dataset",
    "make_filters",
    "resolve_country",
]

if TYPE_CHECKING:
    from .countries import resolve as resolve_country
    from .dataset import Dataset
    from .dataset import load_active as load_dataset
    from .errors import CrisisError, DatasetError, NothingMatched, UnknownCountry, UsageProblem
    from .model import Contact, Country, Emergency, Hours, Line
    from .query import Filters, find_lines, make_filters


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        module, attribute = _EXPORTS[name]
        value = getattr(importlib.import_module(f".{module}", __name__), attribute)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'crisiscli' has no attribute {name!r}")
