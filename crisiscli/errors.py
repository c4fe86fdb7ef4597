"""Errors the core raises, each carrying the exit code of the command-line contract.

Why here and not in cli.py: the core decides what kind of failure happened (a usage problem, nothing
matched, a bad file); the CLI only maps that to a stream and an exit code.
"""

from __future__ import annotations

from collections.abc import Sequence

EXIT_OK = 0
EXIT_UNEXPECTED = 1
EXIT_USAGE = 2
EXIT_NO_MATCH = 3
EXIT_NETWORK = 4
EXIT_INVALID = 5


class CrisisError(Exception):
    """A failure with a message for people, a stable code for scripts, and an exit status."""

    exit_code = EXIT_UNEXPECTED
    code = "error"

    def __init__(self, message: str, suggestions: Sequence[str] = (), code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.suggestions = tuple(suggestions)
        if code:
            self.code = code


class UsageProblem(CrisisError):
    """The user asked for something we cannot understand (exit 2)."""

    exit_code = EXIT_USAGE
    code = "usage"


class UnknownCountry(UsageProblem):
    """Text that names no ISO 3166-1 country (exit 2, with suggestions)."""

    code = "unknown_country"


class NothingMatched(CrisisError):
    """A valid question with no answer in the data (exit 3)."""

    exit_code = EXIT_NO_MATCH
    code = "no_match"


class DatasetError(CrisisError):
    """A dataset file that cannot be read or does not follow the rules (exit 5)."""

    exit_code = EXIT_INVALID
    code = "invalid_dataset"
