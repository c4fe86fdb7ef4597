"""The personal safety plan: a person's own words for hard moments, kept only on this machine.

Why a module of its own, with no Click in it: the plan is the most private thing crisiscli holds.
Everything that touches the file lives here, so there is one place to check that it is written
private from the first byte (0600 via store.atomic_write), never half-written, never silently
overwritten or deleted when it cannot be read (it is renamed aside instead), and never sent or
logged anywhere. No word is lost: every read-change-write holds the plan lock (update_plan), an
edit made over minutes is compared before it is saved (replace_part), and text that cannot be
saved is kept in a file of its own (keep_unsaved) whose path the person is told. The CLI
(crisiscli/commands/plan.py) only asks, calls these functions and prints; render_plan.py shows it.

The structure follows the published six-part safety-plan model plus reasons for living
(research/content-guidelines.md section 4); every title and prompt below is our own wording.
Nothing here may suggest means or methods: the safer-surroundings prompt is generic by design.
"""

from __future__ import annotations

import errno
import json
import os
import re
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from .config import data_dir
from .dataset import loads_strict
from .errors import EXIT_INVALID, CrisisError, NothingMatched, UsageProblem
from .files import open_regular, read_upto
from .paths import PLAN_FILE

PLAN_VERSION = 1
MAX_ITEM_CHARS = 2000
MAX_ITEMS = 100
# 7 parts x 100 items x 2,000 characters x 4 bytes, with room for JSON; anything bigger is not ours.
MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_MARK_CHARS = 64
PREFILL_LINES = 3


@dataclass(frozen=True, slots=True)
class Section:
    """One part of the plan: its JSON key, the heading people read, and the question we ask."""

    key: str
    title: str
    prompt: str


SECTIONS: tuple[Section, ...] = (
    Section(
        "warning_signs",
        "Signs that a hard time may be starting",
        "How do you notice that things are starting to get too much? It might be a thought, "
        "a feeling, a place, a time of day or something you find yourself doing.",
    ),
    Section(
        "coping_alone",
        "Things I can do by myself",
        "What helps, even a little, when you are on your own? Small things count: a song, "
        "a walk, a game, a warm drink, breathing slowly.",
    ),
    Section(
        "distractions",
        "People and places that take my mind off things",
        "Who could you be around, or where could you go, for a change of scene? This part is "
        "for company and distraction; you do not have to talk about how you feel.",
    ),
    Section(
        "people_to_ask",
        "People I can ask for help",
        "Who could you tell that you are having a hard time? Write their name and how to reach them.",
    ),
    Section(
        "professionals",
        "Professionals and crisis lines",
        "Services you can contact when you need more support. The emergency number and "
        "24/7 lines for your country are filled in; add your doctor, a therapist or a local "
        "service if you have one.",
    ),
    Section(
        "safer_surroundings",
        "Making where I am safer",
        "What could you do, or who could help you, to make where you are safer while things are hard?",
    ),
    Section(
        "reasons_for_living",
        "What matters most to me",
        "What matters to you and is worth holding on to? People, animals, hopes, plans or small everyday things.",
    ),
)
SECTION_KEYS: tuple[str, ...] = tuple(s.key for s in SECTIONS)
META_KEYS = ("version", "created", "updated", "country")
_BY_KEY = {s.key: s for s in SECTIONS}
_LINE_BREAKS = re.compile(r"[\r\n\t\u0085\u2028\u2029]+")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


# --- errors -----------------------------------------------------------------------------------


class PlanInvalid(UsageProblem):
    """Plan text that breaks a rule (a file to import, an item to add); exit 2.

    Messages name the part and the item number, never the item's words: they may end up in a
    terminal log or a bug report, and the plan's words must not."""

    code = "invalid_plan"


class PlanCorrupt(CrisisError):
    """The stored plan could not be read; it was renamed aside (kept_at), never deleted (exit 5)."""

    exit_code = EXIT_INVALID
    code = "corrupt_plan"

    def __init__(self, message: str, kept_at: str | None) -> None:
        super().__init__(message)
        self.kept_at = kept_at


class PlanTooNew(CrisisError):
    """A plan written by a newer crisiscli: left exactly as it is (exit 5)."""

    exit_code = EXIT_INVALID
    code = "plan_too_new"


class NoPlan(NothingMatched):
    """There is no plan to show, edit or export (exit 3)."""

    code = "no_plan"


class PlanNotSaved(CrisisError):
    """Writing the plan failed (full disk, read-only or missing folder); the old file is untouched
    (exit 1)."""

    code = "plan_not_saved"


class PlanBusy(CrisisError):
    """Another crisiscli held the plan's lock for longer than LOCK_SECONDS; nothing changed (exit 1)."""

    code = "plan_busy"


class PlanChanged(CrisisError):
    """The plan changed on disk while the person was typing (another crisiscli saved it), so what
    they wrote was not saved over it; it is kept aside instead (exit 1)."""

    code = "plan_changed"


class EditorProblem(CrisisError):
    """The editor failed, or left nothing to read back; the plan is unchanged (exit 1)."""

    code = "editor_failed"


class NotSavedKeptAside(CrisisError):
    """A refusal (invalid text, a conflict, a failed save) after the person wrote something: the
    words were kept in a file of their own, which the message names. Same exit code and error code
    as the refusal it wraps, so scripts see the reason, and people see where their words are."""

    def __init__(self, cause: CrisisError, kept_at: str | None, note: str) -> None:
        super().__init__(f"{cause.message.rstrip('.')}. {note}", cause.suggestions, code=cause.code)
        self.exit_code = cause.exit_code
        self.kept_at = kept_at


# --- the plan ---------------------------------------------------------------------------------


@dataclass
class Plan:
    """A safety plan: each part a list of items in the person's own words, plus a little metadata.

    `notices` (things to tell the person, such as a permission fix) and `missing` (parts absent
    from an imported file, so the CLI knows whether to pre-fill) are never written to the file."""

    sections: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in SECTION_KEYS})
    country: str | None = None
    created: str | None = None
    updated: str | None = None
    version: int = PLAN_VERSION
    notices: list[str] = field(default_factory=list, compare=False)
    missing: frozenset[str] = field(default=frozenset(), compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The file's shape, which is also `plan show --format json`'s data and what --from-file reads."""
        doc: dict[str, Any] = {
            "version": self.version,
            "created": self.created,
            "updated": self.updated,
            "country": self.country,
        }
        for key in SECTION_KEYS:
            doc[key] = list(self.sections.get(key, []))
        return doc

    def is_empty(self) -> bool:
        return not any(self.sections.get(k) for k in SECTION_KEYS)


def section(key: str) -> Section:
    """The Section for a key (a KeyError means a programming mistake, not user input)."""
    return _BY_KEY[key]


def resolve_section(text: str) -> str:
    """A part named by the user, as a key: its number (1-7), its key, or a unique start of it
    ('reasons', 'people-to-ask'). Why lenient: a person should not need to spell a JSON key."""
    wanted = text.strip().lower().replace("-", "_").replace(" ", "_")
    if wanted.isdigit() and 1 <= int(wanted) <= len(SECTIONS):
        return SECTIONS[int(wanted) - 1].key
    if wanted in _BY_KEY:
        return wanted
    starts = [k for k in SECTION_KEYS if wanted and k.startswith(wanted)]
    if len(starts) == 1:
        return starts[0]
    from .paths import close_matches

    close = close_matches(wanted, SECTION_KEYS, n=2)
    shown = text[:40]
    hint = f" (did you mean {' or '.join(close)}?)" if close else ""
    raise UsageProblem(
        f"there is no part called {shown!r} in the plan{hint}; use a number from 1 to "
        f"{len(SECTIONS)} or one of: {', '.join(SECTION_KEYS)}",
        suggestions=close,
    )


# --- checking items and documents -------------------------------------------------------------


def clean_item(value: Any, where: str) -> str:
    """One item as stored: line breaks and tabs become spaces, ends trimmed; no control
    characters, no broken Unicode, at most MAX_ITEM_CHARS characters. Why one line per item:
    the editor file and `--remove N` count items by line."""
    if not isinstance(value, str):
        raise PlanInvalid(f"{where} must be text")
    text = _LINE_BREAKS.sub(" ", value).strip()
    for ch in text:
        code = ord(ch)
        if code < 0x20 or 0x7F <= code < 0xA0:
            raise PlanInvalid(
                f"{where} contains a control character (such as a terminal escape); remove it and try again"
            )
        if 0xD800 <= code < 0xE000:
            raise PlanInvalid(f"{where} is not valid Unicode text")
    if len(text) > MAX_ITEM_CHARS:
        raise PlanInvalid(
            f"{where} is {len(text):,} characters long; an item can be at most "
            f"{MAX_ITEM_CHARS:,}. Shorten it or split it into two items"
        )
    return text


def clean_items(values: Any, key: str) -> list[str]:
    """A part's list of items, cleaned; empty items are dropped, more than MAX_ITEMS is an error."""
    if not isinstance(values, list):
        raise PlanInvalid(f'`{key}` must be a list of text items, like ["first", "second"]')
    items = [t for i, v in enumerate(values, 1) if (t := clean_item(v, f"item {i} of `{key}`"))]
    if len(items) > MAX_ITEMS:
        raise PlanInvalid(f"`{key}` has {len(items)} items; a part can hold at most {MAX_ITEMS}")
    return items


def _mark(value: Any, key: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_MARK_CHARS or any(ord(c) < 0x20 for c in value):
        raise PlanInvalid(f"`{key}` must be a short date text or null")
    return value


def plan_from_document(doc: Any, what: str = "the plan") -> Plan:
    """Check a decoded JSON document and make a Plan. Accepts the plan object itself or the whole
    `plan show --format json` envelope, so a saved `show` output can be imported as it is."""
    if isinstance(doc, dict) and doc.get("command") == "plan show" and isinstance(doc.get("data"), dict):
        doc = doc["data"]
    if not isinstance(doc, dict):
        raise PlanInvalid(f"{what} must be a JSON object with keys such as {', '.join(SECTION_KEYS[:3])}")
    unknown = [str(k)[:40] for k in doc if k not in SECTION_KEYS and k not in META_KEYS]
    if unknown:
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        raise PlanInvalid(
            f"{what} has unknown key(s) {', '.join(repr(k) for k in unknown[:5])}{more}; "
            f"the parts are: {', '.join(SECTION_KEYS)}"
        )
    version = doc.get("version", PLAN_VERSION)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise PlanInvalid(f"`version` in {what} must be a whole number such as {PLAN_VERSION}")
    if version > PLAN_VERSION:
        raise PlanTooNew(
            f"{what} was written by a newer crisiscli (plan version {version}); "
            "update crisiscli to use it. The file has not been changed"
        )
    country = doc.get("country")
    if country is not None:
        if not isinstance(country, str) or not _COUNTRY.match(country.upper()):
            raise PlanInvalid(f"`country` in {what} must be a two-letter country code such as GB, or null")
        country = country.upper()
    sections = {key: clean_items(doc[key], key) if key in doc else [] for key in SECTION_KEYS}
    return Plan(
        sections=sections,
        country=country,
        created=_mark(doc.get("created"), "created"),
        updated=_mark(doc.get("updated"), "updated"),
        version=PLAN_VERSION,
        missing=frozenset(k for k in SECTION_KEYS if k not in doc),
    )


def parse_plan_json(data: bytes, what: str = "the plan") -> Plan:
    """Bytes of a plan file (or of a file to import) to a checked Plan; PlanInvalid if it is not one."""
    if len(data) > MAX_FILE_BYTES:
        raise PlanInvalid(f"{what} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB, too big to be a plan")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PlanInvalid(f"{what} is not UTF-8 text") from None
    try:
        doc = loads_strict(text)
    except (ValueError, RecursionError) as exc:
        # json's message gives a line and column, never the text itself
        raise PlanInvalid(f"{what} is not valid JSON ({str(exc)[:160]})") from None
    return plan_from_document(doc, what)


# --- editing (pure functions: a new list, or a PlanInvalid / UsageProblem) -------------------


def add_items(items: Sequence[str], texts: Sequence[str], key: str) -> list[str]:
    """`items` with `texts` appended (cleaned; blank ones are an error, not silently skipped)."""
    new = list(items)
    for i, text in enumerate(texts, 1):
        cleaned = clean_item(text, "the new item" if len(texts) == 1 else f"new item {i}")
        if not cleaned:
            raise PlanInvalid("there is nothing to add: the text is empty")
        if len(new) >= MAX_ITEMS:
            raise PlanInvalid(f"`{key}` already holds {MAX_ITEMS} items, the most a part can hold; remove one first")
        new.append(cleaned)
    return new


def _check_number(n: int, items: Sequence[str], key: str) -> None:
    if not 1 <= n <= len(items):
        if not items:
            raise UsageProblem(f"`{key}` has no items yet, so there is no item {n}")
        raise UsageProblem(
            f"there is no item {n} in `{key}`; its items are numbered 1 to {len(items)} (see `crisiscli plan show`)"
        )


def remove_items(items: Sequence[str], numbers: Sequence[int], key: str) -> list[str]:
    """`items` without the items at these 1-based numbers (as `plan show` numbers them)."""
    for n in numbers:
        _check_number(n, items, key)
    drop = {n - 1 for n in numbers}
    return [item for i, item in enumerate(items) if i not in drop]


def move_item(items: Sequence[str], source: int, target: int, key: str) -> list[str]:
    """`items` with item `source` moved to position `target` (both 1-based)."""
    _check_number(source, items, key)
    _check_number(target, items, key)
    new = list(items)
    new.insert(target - 1, new.pop(source - 1))
    return new


def editor_text(items: Sequence[str]) -> str:
    """What the editor shows: one item per line, nothing else (no comments to confuse)."""
    return "".join(f"{item}\n" for item in items)


def parse_editor_text(text: str, key: str) -> list[str]:
    """The edited file back to items: one per line, blank lines ignored."""
    return clean_items(text.splitlines(), key)


# --- pre-filling professionals from the dataset -----------------------------------------------


def prefill_professionals(dataset: Any, iso2: str | None) -> list[str]:
    """The country's emergency number and up to PREFILL_LINES 24/7 lines you can call or text,
    as plan items. Why from the dataset: numbers are never written from memory (DESIGN.md
    principle 1), and the person can edit or remove them like any other item."""
    if not iso2:
        return []
    country = dataset.country(iso2)
    if country is None:
        return []
    from .query import crisis_lines, round_the_clock
    from .render import contact_label

    items = []
    emergency = country.general_emergency
    if emergency is not None:
        items.append(f"Emergency number: {emergency.number}")
    # confirmed lines only, and only the contacts that are themselves open 24/7 (a part-time
    # chat would make "(24/7)" untrue)
    for line in crisis_lines(country)[:PREFILL_LINES]:
        labels, seen = [], set()
        for contact in line.contacts:
            if (
                contact.type in ("voice", "sms", "whatsapp", "chat")
                and contact.type not in seen
                and round_the_clock(line, contact)
            ):
                seen.add(contact.type)
                labels.append(contact_label(contact))
        items.append(f"{line.name}: {'; '.join(labels)} (24/7)")
    return [t for i, item in enumerate(items) if (t := clean_item(item, f"line {i + 1}"))]


# --- the file ---------------------------------------------------------------------------------

LOCK_NAME = "plan.lock"
# How long a run waits for another one that is saving the plan. Saves take milliseconds and the
# lock is never held while a person types, so only a stopped process (Ctrl-Z) can hold it this long.
LOCK_SECONDS = 20.0
EDIT_PREFIX = ".edit-"
# How every file save_plan writes begins (json.dumps of to_dict, version first, indent 2): it tells
# a plan's leftover temporary file (.tmp-*, from a crash mid-save) from a dataset's in the same folder.
_PLAN_HEAD = b'{\n  "version": '
_FOLDER_HINT = "Make that folder writable, or set CRISISCLI_DATA_DIR to a folder you can write to"
_FOLDER_ERRORS = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOTDIR, errno.ENOENT}


def plan_path(env: Mapping[str, str]) -> str:
    """Where the plan lives: <user data dir>/plan.json (CRISISCLI_DATA_DIR overrides the dir)."""
    return os.path.join(data_dir(env), PLAN_FILE)


def plan_exists(env: Mapping[str, str]) -> bool:
    """True when a plan file is there (readable or not). Cheap, never raises, never creates the
    data directory; `plan path` reports it."""
    try:
        return os.path.isfile(plan_path(env))
    except Exception:
        return False


def plan_readable(env: Mapping[str, str]) -> bool:
    """True when `crisiscli plan show` would show a plan. Why not plan_exists: `crisiscli now` must
    not send someone in crisis to a plan that turns out to be unreadable, too new or not theirs to
    open. Reads and checks the file but changes nothing (no chmod, no keeping aside) and never
    raises: the crisis path must not fail because of the plan."""
    try:
        parse_plan_json(read_upto(plan_path(env), MAX_FILE_BYTES + 1))
    except Exception:
        return False
    return True


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


# --- the lock: two runs at once never drop each other's changes --------------------------------

_held = threading.local()


def _acquire(fd: int, on_wait: Callable[[], None] | None, timeout: float) -> None:
    """Take the lock on `fd`, polling so that a deadline exists (a blocking flock cannot time out)."""
    import time

    if sys.platform == "win32":  # pragma: no cover - Windows
        import msvcrt

        def attempt() -> None:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        def attempt() -> None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    deadline = time.monotonic() + timeout
    told = False
    while True:
        try:
            attempt()
            return
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK, errno.EDEADLK):
                raise
        if not told and on_wait is not None:
            on_wait()
            told = True
        if time.monotonic() >= deadline:
            raise PlanBusy(
                f"another crisiscli has been saving your safety plan for {timeout:.0f} seconds, "
                "so nothing was changed. Try again in a moment; if no other crisiscli is "
                "running, a stopped one (Ctrl-Z) may be holding it: `fg` lets it finish"
            )
        time.sleep(0.05)


@contextmanager
def plan_lock(
    env: Mapping[str, str], on_wait: Callable[[], None] | None = None, timeout: float = LOCK_SECONDS
) -> Iterator[None]:
    """Hold the plan's lock (<data dir>/plan.lock) for a read-change-write.

    Why a lock of our own on flock/msvcrt rather than filelock: it is released by the kernel when a
    process dies, so it can never be left stale; it needs no dependency (issue 14 may drop
    filelock); and re-entry from the same thread is allowed, so load_plan can keep a corrupt file
    aside under a lock its caller already holds. `on_wait` is called once if another run holds it.
    The lock file holds no words and is never deleted (deleting a lock file others may have open
    would let two runs lock two different files)."""
    directory = data_dir(env)
    path = os.path.join(directory, LOCK_NAME)
    depth: dict[str, int] = _held.__dict__.setdefault("depth", {})
    if depth.get(path):
        depth[path] += 1
        try:
            yield
        finally:
            depth[path] -= 1
        return
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise PlanNotSaved(
            f"cannot change your safety plan: its folder {directory} cannot be written to "
            f"({_reason(exc)}). Nothing was changed. {_FOLDER_HINT}"
        ) from None
    try:
        try:
            _acquire(fd, on_wait, timeout)
        except OSError as exc:  # a file system without locks (some network mounts)
            raise PlanNotSaved(
                f"cannot change your safety plan: crisiscli could not lock {path} "
                f"({_reason(exc)}). Nothing was changed. Set CRISISCLI_DATA_DIR to a "
                "folder on a local disk"
            ) from None
        depth[path] = 1
        try:
            yield
        finally:
            depth[path] = 0
    finally:
        os.close(fd)  # closing releases the lock


def check_can_save(env: Mapping[str, str]) -> None:
    """PlanNotSaved now, before a person types anything, if the plan's folder cannot take a new file
    (read-only, missing and impossible to create, full). Why a real file: permission bits say
    nothing for root or on a read-only mount; creating one is the only honest test."""
    import tempfile

    directory = data_dir(env)
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".tmp-probe-", dir=directory)
    except OSError as exc:
        raise PlanNotSaved(
            f"cannot save your safety plan in {directory} ({_reason(exc)}). {_FOLDER_HINT}, "
            "then try again; nothing you type would be saved until then"
        ) from None
    os.close(fd)
    os.unlink(probe)


# --- keeping words aside (never deleting them) ------------------------------------------------


def _first_free(make_name: Callable[[int], str], place: Callable[[str], None]) -> str:
    """Put something at make_name(1), make_name(2), ... whichever is free first; `place` raises
    FileExistsError for a taken name, so two runs at once never overwrite each other's copy."""
    for n in range(1, 10_000):
        target = make_name(n)
        try:
            place(target)
        except FileExistsError:
            continue
        return target
    raise OSError(errno.EEXIST, "too many kept copies already")


def _move_to(path: str) -> Callable[[str], None]:
    """A `place` that moves the file at `path` to the target. Why link-then-unlink: a rename would
    silently replace an existing target if two runs raced; a hard link fails instead."""

    def place(target: str) -> None:
        try:
            os.link(path, target)
        except FileExistsError:
            raise
        except OSError:  # no hard links here (some file systems): check, then rename
            if os.path.lexists(target):
                raise FileExistsError(target) from None
            os.rename(path, target)
        else:
            os.unlink(path)

    return place


def _write_new(data: bytes) -> Callable[[str], None]:
    """A `place` that writes `data` to a new private file (0600 from creation)."""

    def place(target: str) -> None:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)

    return place


def _private(target: str) -> str:
    from .store import fsync_dir

    try:
        os.chmod(target, 0o600)
    except OSError:
        pass
    fsync_dir(os.path.dirname(target))
    return target


def keep_aside(path: str) -> str:
    """Rename an unreadable plan to <path>.corrupt-N (first free N) and return the new path.
    The kept copy is made private like the plan itself."""
    return _private(_first_free(lambda n: f"{path}.corrupt-{n}", _move_to(path)))


def keep_unsaved(
    env: Mapping[str, str], source: str | None = None, data: bytes | None = None, ext: str = ".txt"
) -> str:
    """Keep words that could not be saved into the plan in plan.json.unsaved-N<ext>, private: the
    file at `source` is moved there byte for byte (an editor's file, whatever its encoding), or
    `data` is written there. Returns the path; OSError if even that is impossible."""
    base = plan_path(env)
    place = _move_to(source) if source is not None else _write_new(data or b"")
    return _private(_first_free(lambda n: f"{base}.unsaved-{n}{ext}", place))


def _numbered(env: Mapping[str, str], kind: str) -> list[str]:
    """plan.json.<kind>-N[.ext] files in the data dir, by N."""
    path = plan_path(env)
    directory = os.path.dirname(path)
    pattern = re.compile(re.escape(PLAN_FILE) + r"\." + kind + r"-(\d+)(\.txt|\.json)?$")
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    found = [(int(m.group(1)), n) for n in names if (m := pattern.match(n))]
    return [os.path.join(directory, n) for _, n in sorted(found)]


def kept_aside(env: Mapping[str, str]) -> list[str]:
    """Paths of unreadable plans that were renamed aside (plan.json.corrupt-N), oldest first."""
    return _numbered(env, "corrupt")


def kept_unsaved(env: Mapping[str, str]) -> list[str]:
    """Paths of words kept because they could not be saved (plan.json.unsaved-N.txt/.json)."""
    return _numbered(env, "unsaved")


def temporary_copies(env: Mapping[str, str]) -> list[str]:
    """Temporary copies of plan text left in the data dir by a run that was killed: editor files
    (.edit-*) and half-done plan saves (.tmp-* that begin like a plan; a dataset's are left alone).
    Only meaningful under plan_lock, when no save of ours is in flight."""
    directory = data_dir(env)
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return []
    found = []
    for name in names:
        path = os.path.join(directory, name)
        if name.startswith(EDIT_PREFIX):
            found.append(path)
        elif name.startswith(".tmp-"):
            try:
                head = read_upto(path, len(_PLAN_HEAD))
            except OSError:
                continue
            if head == _PLAN_HEAD:
                found.append(path)
    return found


# --- reading, writing, deleting ----------------------------------------------------------------


def load_plan(env: Mapping[str, str]) -> Plan | None:
    """The stored plan, or None when there is none.

    A file that cannot be understood is renamed aside and PlanCorrupt is raised saying where it
    went: it is never deleted, and never left where the next save would overwrite it. The move
    happens under the plan lock, after checking the file still holds the bytes that failed, so a
    plan another run has just saved is never mistaken for the broken one. A file readable by
    others is made private (0600) at once, with a notice."""
    path = plan_path(env)
    try:
        data, mode = _read(path)
    except (FileNotFoundError, NotADirectoryError):  # no plan, or no folder that could hold one
        return None
    except OSError as exc:
        raise CrisisError(f"cannot read your safety plan at {path}: {_reason(exc)}", code="plan_unreadable") from None
    notices = []
    if mode & 0o077:
        try:
            os.chmod(path, 0o600)
            notices.append(f"Your plan file could be read by other users; it is now private (0600): {path}")
        except OSError as exc:
            notices.append(
                f"Your plan file can be read by other users and crisiscli could not fix "
                f"that ({_reason(exc)}); run: chmod 600 {path}"
            )
    try:
        plan = parse_plan_json(data, "your safety plan file")
    except PlanInvalid as exc:
        reason = exc.message.replace("your safety plan file ", "it ")
        try:
            with plan_lock(env):
                try:
                    again, _ = _read(path)
                except FileNotFoundError:
                    again = None
                if again != data:  # another run replaced (or removed) it meanwhile: read that instead
                    return load_plan(env)
                kept = keep_aside(path)
        except (OSError, PlanNotSaved, PlanBusy) as move_exc:
            why = _reason(move_exc) if isinstance(move_exc, OSError) else "its folder cannot be changed"
            raise PlanCorrupt(
                f"your safety plan file at {path} could not be read ({reason}), and it "
                f"could not be moved aside ({why}). It has been left exactly as it is; "
                "nothing was deleted.",
                None,
            ) from None
        raise PlanCorrupt(
            f"your safety plan file could not be read ({reason}). It was kept, unchanged, "
            f"at {kept}; nothing was deleted. You can copy your words from it into a new "
            "plan (`crisiscli plan new`), or fix it and move it back to "
            f"{path}.",
            kept,
        ) from None
    plan.notices = notices
    return plan


def _read(path: str) -> tuple[bytes, int]:
    with os.fdopen(open_regular(path), "rb") as fh:
        mode = os.fstat(fh.fileno()).st_mode
        return fh.read(MAX_FILE_BYTES + 1), mode


def save_plan(env: Mapping[str, str], plan: Plan, before_replace: Callable[[str], None] | None = None) -> str:
    """Write the plan atomically and private (0600 from creation, whatever the umask); return the
    path. Every part is checked again first, so nothing invalid is ever stored. On failure the
    previous file is untouched and PlanNotSaved says why. Callers that read the plan first hold
    plan_lock (see update_plan). `before_replace` is a test hook."""
    from .store import atomic_write

    checked = plan_from_document(plan.to_dict(), "the plan")
    body = plan_bytes(checked)
    path = plan_path(env)
    try:
        atomic_write(path, body, mode=0o600, before_replace=before_replace)
    except OSError as exc:
        hint = f". {_FOLDER_HINT}" if exc.errno in _FOLDER_ERRORS else ""
        raise PlanNotSaved(
            f"could not save your safety plan to {path} ({_reason(exc)}); "
            f"the plan that was there before is unchanged{hint}"
        ) from None
    return path


def plan_bytes(plan: Plan) -> bytes:
    """The plan file's exact bytes (also what is kept aside when a whole new plan cannot be saved,
    so it can be imported with `plan new --from-file`)."""
    return json.dumps(plan.to_dict(), ensure_ascii=False, indent=2).encode("utf-8") + b"\n"


def update_plan(
    env: Mapping[str, str], change: Callable[[Plan | None], Plan | None], on_wait: Callable[[], None] | None = None
) -> tuple[Plan | None, str | None]:
    """Read the plan, change it and write it back under the plan lock; return (plan, saved path).

    Why: two runs that each read, change and write would drop one run's change. Under the lock,
    `change` sees the plan as it is on disk at that moment (None when there is none) and returns
    the plan to save, or None to leave the file as it is; it raises to refuse (PlanChanged when
    what the person edited has changed since they started)."""
    with plan_lock(env, on_wait):
        current = load_plan(env)
        new = change(current)
        if new is None:
            return current, None
        return new, save_plan(env, new)


def replace_part(
    key: str, before: Sequence[str], after: Sequence[str], started: Plan | None, now: str
) -> Callable[[Plan | None], Plan | None]:
    """The change for an edit made over minutes (in an editor): set part `key` to `after`, but only
    if the part still holds `before`, what the person started from. Other parts changed meanwhile
    by another run are kept (the edit merges); the same part changed, or the plan deleted or
    created meanwhile, raises PlanChanged so neither side's words are dropped. `started` is the
    new, unsaved plan when there was none at the start."""

    def change(current: Plan | None) -> Plan | None:
        number = SECTION_KEYS.index(key) + 1
        if current is None and started is None:
            raise PlanChanged(
                "your safety plan was deleted by another crisiscli while you were editing, so your edit was not saved"
            )
        base = current if current is not None else started
        assert base is not None
        if base.sections.get(key, []) != list(before):
            raise PlanChanged(
                f"part {number} of your safety plan was changed by another crisiscli while "
                "you were editing, so your edit was not saved over it"
            )
        if list(after) == list(before):
            return None
        base.sections[key] = list(after)
        base.updated = now
        return base

    return change


def delete_plan(env: Mapping[str, str], kept_too: bool = False) -> list[str]:
    """Remove the plan file and every temporary copy of its text (and, with `kept_too`, the copies
    kept aside: unreadable plans and unsaved edits); return what was removed, the plan first.
    Under the plan lock, so a save in flight is not resurrected or half-removed."""
    from .store import fsync_dir

    path = plan_path(env)
    removed: list[str] = []
    with plan_lock(env):
        targets = [path, *temporary_copies(env)]
        if kept_too:
            targets += kept_aside(env) + kept_unsaved(env)
        for target in targets:
            try:
                os.unlink(target)
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise CrisisError(
                    f"could not delete {target}: {_reason(exc)}"
                    + (f" ({len(removed)} file(s) were deleted before that)" if removed else ""),
                    code="plan_not_deleted",
                ) from None
            removed.append(target)
    fsync_dir(os.path.dirname(path))
    return removed


# --- the editor's file ------------------------------------------------------------------------


def start_edit(env: Mapping[str, str], items: Sequence[str]) -> str:
    """A private file (0600) in the data dir holding the part's items, for $EDITOR. Why not the
    shared temp dir: others could see its name or race for it. PlanNotSaved before the editor
    opens when the folder cannot take it, so nobody types into an edit that cannot be saved."""
    import tempfile

    directory = data_dir(env)
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=EDIT_PREFIX, suffix=".txt", dir=directory)  # created 0600
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(editor_text(items))
    except OSError as exc:
        raise PlanNotSaved(
            f"cannot edit your safety plan: its folder {directory} cannot take a new file "
            f"({_reason(exc)}). {_FOLDER_HINT}"
        ) from None
    return tmp


def finish_edit(env: Mapping[str, str], tmp: str, key: str, status: int, started_from: Sequence[str]) -> list[str]:
    """What the editor saved in `tmp`, as the part's items. Anything that cannot become the part
    (a failing editor after a change, text that is not UTF-8, an item too long) is refused, and
    the file is kept aside byte for byte (NotSavedKeptAside names where): never mangled, never lost.
    The caller removes `tmp` afterwards if it is still there."""
    try:
        with open(tmp, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise EditorProblem(
            "your editor removed the file it was given instead of saving it, so there "
            "was nothing to read back; your plan was not changed"
        ) from None
    except OSError as exc:
        raise EditorProblem(
            f"could not read back what your editor saved ({_reason(exc)}); your plan was not changed"
        ) from None
    unchanged = data == editor_text(started_from).encode("utf-8")
    try:
        if status != 0:
            if unchanged:
                raise EditorProblem(f"your editor exited with status {status}; your plan was not changed")
            raise EditorProblem(
                f"your editor exited with status {status}, so your changes were not saved into your plan"
            )
        if len(data) > MAX_FILE_BYTES:
            raise PlanInvalid(
                f"the edited text is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB, "
                "too big for one part of a plan; your plan was not changed"
            )
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise PlanInvalid(
                f"your editor saved text that is not UTF-8 (the first problem is on line "
                f"{line}), so crisiscli did not change your plan rather than garble your "
                "words. Set your editor to save as UTF-8 and try again"
            ) from None
        return parse_editor_text(text, key)
    except CrisisError as exc:
        if unchanged:
            raise
        raise keep_edit_aside(env, exc, source=tmp) from None


def keep_edit_aside(
    env: Mapping[str, str], cause: CrisisError, source: str | None = None, data: bytes | None = None
) -> NotSavedKeptAside:
    """Keep what the person wrote (the editor's file `source`, moved byte for byte, or `data`) and
    return `cause` saying where it went; if even that fails, say where the words still are."""
    try:
        kept = keep_unsaved(env, source=source, data=data)
    except OSError as exc:
        still = f"; the editor's copy is still at {source}" if source else ""
        return NotSavedKeptAside(cause, None, f"What you wrote could not be kept either ({_reason(exc)}){still}")
    return NotSavedKeptAside(
        cause,
        kept,
        f"What you wrote is kept, exactly as written, at {kept}. Copy what "
        "you need from it into your plan with `crisiscli plan edit`",
    )


def timestamp(env: Mapping[str, str]) -> str:
    """Now, as the plan records it (UTC, to the second); CRISISCLI_NOW pins it for tests."""

    from .clock import now

    return now(env).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
