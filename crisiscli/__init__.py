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

from .countries import resolve as resolve_country
from .dataset import Dataset, load_active as load_dataset
from .errors import CrisisError, DatasetError, NothingMatched, UnknownCountry, UsageProblem
from .model import Contact, Country, Emergency, Hours, Line
from .query import Filters, find_lines, make_filters

__version__ = "0.1.0"

__all__ = [
    "Contact", "Country", "CrisisError", "Dataset", "DatasetError", "Emergency", "Filters", "Hours",
    "Line", "NothingMatched", "UnknownCountry", "UsageProblem", "__version__", "find_lines",
    "load_dataset", "make_filters", "resolve_country",
]
