"""`crisiscli update`: fetch, verify and install a newer dataset; the only module that talks to
the network.

Why so careful: numbers change, and a failed, hostile or half-finished update must never leave
anyone with wrong, corrupt or no numbers. Order of work: download with hard limits (an overall
deadline enforced from outside the download) -> verify the minisign signature against pinned
keys -> strict parse -> every validation rule -> sanity (no country and no country's lines
disappear) -> anti-rollback -> install under a lock.

Install: every dataset is stored under a name made from its own hash and is never overwritten;
`state.json` names the current and the previous copy and is written last, atomically. That one
rename is the commit: a process killed at any moment leaves either the old state (and files it
names, untouched) or the new one, and files no state names are cleaned up by the next writer.
"""

from __future__ import annotations

import errno
import hashlib
import ipaddress
import os
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

from . import clock, render
from .dataset import MAX_BYTES, Dataset, load_active, load_installed, parse_strict, same_as_bundled
from .errors import EXIT_INVALID, EXIT_NETWORK, EXIT_NO_MATCH, CrisisError, DatasetError, UsageProblem
from .signature import MAX_SIGNATURE_BYTES, PublicKey, SignatureError, trusted_keys, verify
from .store import (
    DATASET_PREFIX,
    LOCK_FILE,
    SIGNATURE_SUFFIX,
    Installed,
    Stamp,
    StorageError,
    UpdateState,
    atomic_write,
    dataset_name,
    load_state,
    read_stamps,
    writable_data_dir,
    write_stamps,
    write_state,
)

__all__ = ["Limits", "Outcome", "fetch", "install_file", "rollback", "run_update", "trusted_keys"]

# Where the project publishes signed datasets. None until the project has a home: then set it here
# (one line) and in README.md. Users and mirrors set --url, CRISISCLI_UPDATE_URL or update_url.
DEFAULT_UPDATE_URL: str | None = None
MAX_REDIRECTS = 5


class NetworkError(CrisisError):
    """The network or the server failed us (exit 4); nothing was changed."""

    exit_code = EXIT_NETWORK
    code = "network"

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status  # the HTTP status, when the server answered


class NothingToRollBack(CrisisError):
    """`--rollback` when only the bundled data is in use (exit 3: nothing to act on)."""

    exit_code = EXIT_NO_MATCH
    code = "nothing_to_roll_back"


class UpdateRefused(CrisisError):
    """The download is not a dataset we may install (exit 5); nothing was changed."""

    exit_code = EXIT_INVALID
    code = "refused"


@dataclass(frozen=True, slots=True)
class Limits:
    """Hard limits for one update; the defaults suit a ~1 MB file on a slow connection."""

    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    deadline: float = 60.0
    max_bytes: int = MAX_BYTES
    max_redirects: int = MAX_REDIRECTS


@dataclass(slots=True)
class Fetched:
    status: int
    body: bytes = b""
    etag: str | None = None
    url: str = ""


@dataclass(slots=True)
class Outcome:
    """What `update` did, for the report and the JSON envelope."""

    status: str  # installed | current | available | rolled_back
    version: int
    previous_version: int | None = None
    source_url: str | None = None
    key_id: str | None = None
    changes: dict[str, list[str]] = field(default_factory=dict)
    note: str | None = None  # one more sentence for people (rollback to bundled, say)


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_url(url: str, *, redirect_from: str | None = None) -> str:
    """https everywhere; plain http only to this machine (tests, local mirrors), and never as a
    step down from https. A URL given by the user is a usage problem (exit 2); one a server
    redirected us to is the server's fault (exit 4)."""
    error = NetworkError if redirect_from else UsageProblem
    shown = render.safe_text(url[:200])
    try:
        parts = urlsplit(url)
        host = parts.hostname
        _port = parts.port  # raises ValueError for a port that is not a number 0-65535
    except ValueError:
        host = None
    if redirect_from and not url.isascii():
        host = None  # a Location header is ASCII (RFC 9110); anything else is a broken server
    if not host:
        if redirect_from:
            raise error(f"{_host(redirect_from)} redirected to {shown!r}, which is not a usable address")
        raise error(f"{shown!r} is not a usable address (expected https://HOST/PATH)")
    if parts.scheme == "https":
        return url
    if parts.scheme == "http" and is_loopback(host) and not (redirect_from or "").startswith("https:"):
        return url
    message = f"refusing {render.safe_text(parts.scheme)}:// for {render.safe_text(host)}: updates use https:// only"
    raise error(message)


def _host(url: str | None) -> str:
    try:
        return render.safe_text(urlsplit(url or "").hostname or url or "the server")
    except ValueError:
        return render.safe_text(url or "the server")


_ERRNO_PHRASES = {
    errno.ECONNREFUSED: "connection refused",
    errno.ECONNRESET: "the connection was reset",
    errno.ETIMEDOUT: "the connection timed out",
    errno.ENETUNREACH: "the network is unreachable",
    errno.EHOSTUNREACH: "the host is unreachable",
    errno.ECONNABORTED: "the connection was cut off",
    errno.EPIPE: "the connection was cut off",
}


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception and everything wrapped inside it (requests and urllib3 nest them deeply)."""
    seen: set[int] = set()
    stack = [exc]
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        stack.extend(
            x
            for x in (item.__cause__, item.__context__, getattr(item, "reason", None), *item.args)
            if isinstance(x, BaseException)
        )


def network_phrase(exc: BaseException) -> str:
    """What went wrong, in words a person can act on; never a library's class names."""
    import socket

    names = " ".join(type(e).__name__ for e in _causes(exc))
    for cause in _causes(exc):
        if isinstance(cause, socket.gaierror) or type(cause).__name__ == "NameResolutionError":
            return "the name could not be looked up (no network, or a wrong address)"
        if isinstance(cause, OSError) and cause.errno in _ERRNO_PHRASES:
            return _ERRNO_PHRASES[cause.errno]
    text = " ".join(str(e) for e in _causes(exc)).lower()
    if "certificate" in text or "ssl" in names.lower():
        if "hostname" in text or "doesn't match" in text or "not valid for" in text:
            return "its certificate is for another name"
        if "expired" in text:
            return "its certificate has expired"
        if "certificate verify failed" in text or "self-signed" in text or "unable to get local issuer" in text:
            return "its certificate is not trusted"
        return "the secure connection could not be set up"
    if "invalidchunklength" in text or "invalidchunklength" in names.lower() or "invalid header" in text:
        return "the server sent a malformed response"
    if "incompleteread" in names.lower() or "incomplete" in text or "connection broken" in text:
        return "the connection was cut off before the end"
    if "remotedisconnected" in names.lower() or "aborted" in text or "without response" in text:
        return "the server closed the connection without answering"
    if "reset" in text:
        return "the connection was reset"
    return "no network, or the server is down"


def fetch(
    url: str, limits: Limits, etag: str | None = None, max_bytes: int | None = None, deadline_at: float | None = None
) -> Fetched:
    """GET with connect/read timeouts, an overall deadline, a cap on decoded bytes and checked
    redirects. Raises NetworkError for anything that is not a usable 200 or 304.

    Why a worker thread: requests' timeouts bound each socket read, not the whole download, and
    a server that sends one byte a second (in the headers or the body) satisfies every read.
    The download runs in a daemon thread and this function stops waiting at the deadline, so
    the update lock is released on time whatever the server does; the abandoned thread only
    ever writes to its own memory and is told to stop at its next read."""
    check_url(url)
    deadline_at = time.monotonic() + limits.deadline if deadline_at is None else deadline_at
    outcome: dict[str, Any] = {}
    cancelled = threading.Event()
    done = threading.Event()

    def work() -> None:
        try:
            outcome["value"] = _fetch_blocking(url, limits, etag, max_bytes, cancelled)
        except BaseException as exc:  # handed to the waiting thread
            outcome["error"] = exc
        finally:
            done.set()

    threading.Thread(target=work, name="crisiscli-download", daemon=True).start()
    if not done.wait(max(0.0, deadline_at - time.monotonic())):
        cancelled.set()
        raise NetworkError(
            f"gave up on {_host(url)} after {limits.deadline:g} s: the server is too slow; your data is unchanged"
        )
    if "error" in outcome:
        raise outcome["error"]
    fetched: Fetched = outcome["value"]
    return fetched


def _fetch_blocking(
    url: str, limits: Limits, etag: str | None, max_bytes: int | None, cancelled: threading.Event
) -> Fetched:
    import requests

    cap = max_bytes if max_bytes is not None else limits.max_bytes
    headers = {"User-Agent": "crisiscli-update", "Accept-Encoding": "gzip"}
    if etag:
        headers["If-None-Match"] = etag

    class _OwnRedirects(requests.Session):
        """Redirects are followed by the loop below, hop by hop, with our checks; requests
        would otherwise prepare the next hop itself and fail on a malformed Location with its
        own words."""

        def resolve_redirects(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
            return iter(())

    current = url
    try:
        with _OwnRedirects() as session:
            for _hop in range(limits.max_redirects + 1):
                response = session.get(
                    current,
                    headers=headers,
                    stream=True,
                    allow_redirects=False,
                    timeout=(limits.connect_timeout, limits.read_timeout),
                )
                with response:
                    if response.is_redirect:
                        location = response.headers.get("Location", "")
                        try:
                            target = urljoin(current, location)
                        except ValueError:
                            target = location
                        current = check_url(target, redirect_from=current)
                        continue
                    if response.status_code == 304:
                        return Fetched(304, etag=etag, url=current)
                    if response.status_code != 200:
                        reason = render.safe_text(response.reason or "")[:80]
                        raise NetworkError(
                            f"{render.safe_text(current)} answered {response.status_code} {reason}".rstrip()
                            + "; your data is unchanged",
                            status=response.status_code,
                        )
                    declared = response.headers.get("Content-Length", "")
                    if declared.isdigit() and int(declared) > cap:
                        raise NetworkError(f"{render.safe_text(current)} is larger than {cap} bytes")
                    body = bytearray()
                    for chunk in response.iter_content(16 * 1024):
                        if cancelled.is_set():
                            raise NetworkError("cancelled")
                        body += chunk
                        if len(body) > cap:
                            raise NetworkError(
                                f"{render.safe_text(current)} is larger than {cap} bytes (after decompression)"
                            )
                    return Fetched(200, bytes(body), response.headers.get("ETag"), current)
            raise NetworkError(f"{_host(url)} sent more than {limits.max_redirects} redirects; your data is unchanged")
    except requests.exceptions.SSLError as exc:
        raise NetworkError(
            f"secure connection failed with {_host(current)}: {network_phrase(exc)}; your data is unchanged"
        ) from None
    except requests.exceptions.Timeout:
        raise NetworkError(
            f"no answer in time from {_host(current)} (waited {limits.read_timeout:g} s); your data is unchanged"
        ) from None
    except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError) as exc:
        raise NetworkError(
            f"could not download from {_host(current)}: {network_phrase(exc)}; your data is unchanged"
        ) from None
    except requests.exceptions.ConnectionError as exc:
        phrase = network_phrase(exc)
        verb = "could not download from" if "before the end" in phrase or "malformed" in phrase else "could not reach"
        raise NetworkError(f"{verb} {_host(current)}: {phrase}; your data is unchanged") from None
    except (
        requests.exceptions.InvalidURL,
        requests.exceptions.InvalidSchema,
        requests.exceptions.MissingSchema,
        requests.exceptions.InvalidHeader,
    ):
        raise NetworkError(
            f"could not download from {_host(current)}: the address "
            f"{render.safe_text(current[:200])!r} is not usable; your data is unchanged"
        ) from None
    except requests.exceptions.RequestException as exc:
        raise NetworkError(
            f"could not download from {_host(current)}: {network_phrase(exc)}; your data is unchanged"
        ) from None
    except ValueError:  # urllib3's LocationParseError and friends, on an address it cannot parse
        raise NetworkError(
            f"could not download from {_host(current)}: the address "
            f"{render.safe_text(current[:200])!r} is not usable; your data is unchanged"
        ) from None


def changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, list[str]]:
    """Countries and lines added, changed and removed between two datasets (both validated)."""
    old_c, new_c = old.get("countries", {}), new.get("countries", {})
    old_lines = {line["id"]: line for c in old_c.values() for line in c.get("lines", [])}
    new_lines = {line["id"]: line for c in new_c.values() for line in c.get("lines", [])}
    return {
        "countries_added": sorted(set(new_c) - set(old_c)),
        "countries_removed": sorted(set(old_c) - set(new_c)),
        "countries_changed": sorted(
            k for k in set(old_c) & set(new_c) if {**old_c[k], "lines": None} != {**new_c[k], "lines": None}
        ),
        "lines_added": sorted(set(new_lines) - set(old_lines)),
        "lines_removed": sorted(set(old_lines) - set(new_lines)),
        "lines_changed": sorted(i for i in set(old_lines) & set(new_lines) if old_lines[i] != new_lines[i]),
    }


def gutted(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Countries whose lines an update would take away: every line, or most of them.

    "Most" means the country ends with fewer lines than before and more than half of its old
    line ids are gone; ids are stable (data/README.md), so a renamed id with the count kept is
    an edit, not a loss. Lines marked inactive still count as present: retiring a line is done
    with its `status`, not by deleting it. Runs before validation (it is cheap), so it reads
    the new document defensively: a wrong shape here is left for validation to name."""

    def ids(country: Any) -> tuple[set[str], int] | None:
        lines = country.get("lines") if isinstance(country, Mapping) else None
        if not isinstance(lines, list):
            return None
        return {line["id"] for line in lines if isinstance(line, Mapping) and isinstance(line.get("id"), str)}, len(
            lines
        )

    out: list[str] = []
    new_countries = new.get("countries")
    if not isinstance(new_countries, Mapping):
        return out
    for code, country in old.get("countries", {}).items():
        before, after = ids(country), ids(new_countries.get(code))
        if before is None or after is None or not before[0]:
            continue
        (old_ids, old_count), (new_ids, new_count) = before, after
        if new_count == 0:
            out.append(f"{code} (all {old_count} lines)")
        elif new_count < old_count and len(old_ids - new_ids) * 2 > len(old_ids):
            out.append(f"{code} ({len(old_ids - new_ids)} of {old_count} lines)")
    return sorted(out)


def check_candidate(
    data: bytes,
    signature: bytes,
    keys: list[PublicKey],
    active: Dataset,
    state: UpdateState,
    today: date,
    what: str = "the download",
) -> tuple[dict[str, Any], PublicKey]:
    """Every check before install: the signature first, so nothing unsigned is even parsed;
    then the cheap refusals (a replayed old dataset, a dropped country or its lines, a date from
    the future) before the full validation, which takes about a second."""
    key = verify(data, signature, keys)
    doc = parse_strict(data, what=what)
    try:
        candidate = Dataset(doc, origin="download", path=what)
    except DatasetError as exc:
        raise UpdateRefused(exc.message) from None
    try:
        generated = date.fromisoformat(candidate.info.generated_at[:10])
    except ValueError:
        raise UpdateRefused(f"{what} has no readable generated_at date") from None
    if generated > today + timedelta(days=1):
        raise UpdateRefused(f"{what} claims to be from the future ({render.safe_text(candidate.info.generated_at)})")
    gone = sorted(set(active.codes()) - set(candidate.codes()))
    if gone:
        raise UpdateRefused(f"{what} drops countries we have today ({', '.join(gone[:10])}); refusing it")
    # The active copy is never older than the bundled one (load_active takes the highest).
    floor = max(active.info.dataset_version, state.max_version_accepted)
    if candidate.info.dataset_version < floor:
        raise UpdateRefused(
            f"{what} is dataset {candidate.info.dataset_version}, older than {floor} "
            "which you already have; refusing to go back"
        )
    if candidate.info.dataset_version == active.info.dataset_version:
        if doc == active.raw:
            return doc, key  # what we already have, checked when it was installed or shipped
        raise UpdateRefused(
            f"{what} is dataset {candidate.info.dataset_version} like the one you have, but "
            "different; a changed dataset needs a higher dataset_version"
        )
    emptied = gutted(active.raw, doc)
    if emptied:
        raise UpdateRefused(f"{what} drops most or all crisis lines of {', '.join(emptied[:10])}; refusing it")
    problems = validate_safely(doc, today, hashlib.sha256(data).hexdigest(), same_as_bundled(data))
    if problems:
        shown = "; ".join(render.safe_text(str(p)) for p in problems[:3])
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise UpdateRefused(f"{what} fails validation: {shown}{more}")
    return doc, key


# Validation is pure (the bytes and the date decide), so a process that sees the same bytes
# again (`update --check` then `update` in one library session, a mirror tool, the test suite)
# does not pay the second of schema and numbering checks twice.
_VALIDATED: dict[tuple[str, date], list[Any]] = {}


def validate_safely(
    doc: dict[str, Any], today: date, sha256: str | None = None, known_good: Collection[str] = ()
) -> list[Any]:
    """Every validation rule; a value of a wrong type deep inside is a problem, never a crash.
    `known_good`: countries identical to the bundled file's (see dataset.same_as_bundled)."""
    from .validate import Problem, validate

    if sha256 is not None and (sha256, today) in _VALIDATED:
        return _VALIDATED[(sha256, today)]
    try:
        problems = validate(doc, today, known_good)
    except (TypeError, AttributeError, KeyError, ValueError, IndexError, RecursionError) as exc:
        problems = [Problem("$", f"a value has the wrong type or shape ({type(exc).__name__})")]
    if sha256 is not None:
        _VALIDATED[(sha256, today)] = problems
    return problems


def limits_from(env: Mapping[str, str]) -> Limits:
    """Limits, with CRISISCLI_TIMEOUT and CRISISCLI_DEADLINE (seconds) for slow links and tests."""

    def seconds(name: str, default: float) -> float:
        value = env.get(name)
        if not value:
            return default
        try:
            number = float(value)
        except ValueError:
            raise UsageProblem(f"{name}={render.safe_text(value)!r} is not a number of seconds") from None
        if not 0 < number <= 3600:
            raise UsageProblem(f"{name} must be between 0 and 3600 seconds")
        return number

    timeout = seconds("CRISISCLI_TIMEOUT", 10.0)
    return Limits(connect_timeout=min(5.0, timeout), read_timeout=timeout, deadline=seconds("CRISISCLI_DEADLINE", 60.0))


@contextmanager
def _update_lock(directory: str) -> Iterator[None]:
    """Writers only, never waiting: a second update says so and stops; lookups never take it."""
    import filelock

    lock = filelock.FileLock(os.path.join(directory, LOCK_FILE), timeout=0)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise NetworkError("another crisiscli update is running; try again in a minute") from None
    except OSError as exc:
        raise StorageError(
            f"cannot write to the data directory {directory}: {(exc.strerror or str(exc)).lower()}"
        ) from None
    try:
        yield
    finally:
        lock.release()


# --- fault injection --------------------------------------------------------------------------

DIE_AT_ENV = "CRISISCLI_TEST_DIE_AT"
DIE_EXIT_CODE = 86
STEPS = (
    "locked",
    "verified",
    "cleaned-before",
    "signature-written",
    "signature-renamed",
    "data-written",
    "data-renamed",
    "stamp-written",
    "state-written",
    "state-renamed",
    "cleaned-after",
)


def _checkpoint(env: Mapping[str, str], step: str) -> None:
    """Die here, the way a power cut or `kill -9` would, when CRISISCLI_TEST_DIE_AT names this
    step: how the tests show that no moment of an update or rollback can lose a dataset."""
    if env.get(DIE_AT_ENV) == step:
        os._exit(DIE_EXIT_CODE)


def _before_replace(env: Mapping[str, str], step: str) -> Callable[[str], None] | None:
    if env.get(DIE_AT_ENV) != step:
        return None
    return lambda _tmp: _checkpoint(env, step)


# --- update -------------------------------------------------------------------------------------


def run_update(
    env: Mapping[str, str],
    url: str,
    keys: list[PublicKey],
    check_only: bool = False,
    progress: Callable[[str], None] = lambda _msg: None,
) -> Outcome:
    """Download, verify and (unless check_only) install; raises a CrisisError on any failure
    with the lookups' view of the data directory exactly as it was."""
    if url.endswith("/"):
        url += "hotlines.json"  # a feed directory, as tools/publish_data.py writes it
    check_url(url)
    directory = writable_data_dir(env)
    with _update_lock(directory):
        _checkpoint(env, "locked")
        return _update_locked(env, directory, url, keys, check_only, progress)


def _update_locked(
    env: Mapping[str, str],
    directory: str,
    url: str,
    keys: list[PublicKey],
    check_only: bool,
    progress: Callable[[str], None],
) -> Outcome:
    limits = limits_from(env)
    deadline_at = time.monotonic() + limits.deadline
    now = clock.now(env)
    state = load_state(directory)
    active = load_active(env)
    same_source = state.source_url == url
    progress(f"Checking {url}")
    use_etag = state.etag if same_source and active.info.origin == "updated" else None
    fetched = fetch(url, limits, etag=use_etag, deadline_at=deadline_at)
    if fetched.status == 304:
        if not check_only:
            _commit(env, directory, replace(state, checked_at=now.isoformat(timespec="seconds")))
        return Outcome("current", active.info.dataset_version, source_url=url, key_id=state.key_id)
    progress("Verifying the signature")
    try:
        sig = fetch(url + SIGNATURE_SUFFIX, limits, max_bytes=MAX_SIGNATURE_BYTES, deadline_at=deadline_at)
    except NetworkError as exc:
        if exc.status in (403, 404, 410):
            raise SignatureError(
                f"no signature at {render.safe_text(url)}{SIGNATURE_SUFFIX}; refusing an unsigned dataset"
            ) from None
        raise
    return _install_checked(
        env,
        directory,
        state,
        active,
        fetched.body,
        sig.body,
        keys,
        check_only,
        source=url,
        etag=fetched.etag,
        progress=progress,
        what="the download",
    )


def install_file(
    env: Mapping[str, str],
    path: str,
    keys: list[PublicKey],
    check_only: bool = False,
    progress: Callable[[str], None] = lambda _msg: None,
) -> Outcome:
    """`update --file`: a dataset from a file with its signature beside it (PATH.minisig), for
    copies passed around on a USB stick; every check a download gets, in the same order."""
    data = _read_limited(path, MAX_BYTES, "dataset file")
    try:
        signature = _read_limited(path + SIGNATURE_SUFFIX, MAX_SIGNATURE_BYTES, "signature")
    except UsageProblem:
        raise SignatureError(
            f"no signature beside {render.safe_text(path)} (expected "
            f"{render.safe_text(path)}{SIGNATURE_SUFFIX}); refusing an unsigned dataset"
        ) from None
    directory = writable_data_dir(env)
    with _update_lock(directory):
        _checkpoint(env, "locked")
        state = load_state(directory)
        active = load_active(env)
        progress("Verifying the signature")
        return _install_checked(
            env,
            directory,
            state,
            active,
            data,
            signature,
            keys,
            check_only,
            source=os.path.abspath(path),
            etag=None,
            progress=progress,
            what=render.safe_text(os.path.basename(path)),
        )


def _read_limited(path: str, limit: int, what: str) -> bytes:
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise UsageProblem(
            f"cannot read {what} {render.safe_text(path)}: {(exc.strerror or str(exc)).lower()}"
        ) from None
    if len(data) > limit:
        raise UpdateRefused(f"{what} {render.safe_text(path)} is larger than {limit} bytes")
    return data


def _install_checked(
    env: Mapping[str, str],
    directory: str,
    state: UpdateState,
    active: Dataset,
    data: bytes,
    signature: bytes,
    keys: list[PublicKey],
    check_only: bool,
    source: str,
    etag: str | None,
    progress: Callable[[str], None],
    what: str,
) -> Outcome:
    now = clock.now(env)
    doc, key = check_candidate(data, signature, keys, active, state, now.date(), what=what)
    _checkpoint(env, "verified")
    version = doc["dataset_version"]
    if version == active.info.dataset_version:  # and the same content (check_candidate)
        return Outcome("current", version, source_url=source, key_id=key.key_id_hex)
    diff = changes(active.raw, doc)
    if check_only:
        return Outcome("available", version, active.info.dataset_version, source, key.key_id_hex, diff)
    progress("Installing")
    sha = hashlib.sha256(data).hexdigest()
    entry = Installed(dataset_name(sha), sha, version)
    try:
        _cleanup(directory, state)
        _checkpoint(env, "cleaned-before")
        path = os.path.join(directory, entry.file)
        atomic_write(path + SIGNATURE_SUFFIX, signature, before_replace=_before_replace(env, "signature-written"))
        _checkpoint(env, "signature-renamed")
        atomic_write(path, data, before_replace=_before_replace(env, "data-written"))
        _checkpoint(env, "data-renamed")
        stamp = Stamp.of(path, key.key_id_hex)
        if stamp is not None:
            stamps = read_stamps(directory)
            stamps[entry.file] = stamp
            write_stamps(directory, stamps)
        _checkpoint(env, "stamp-written")
        # the copy in use now becomes the one to roll back to (None: the bundled data)
        previous = {"updated": state.current, "previous": state.previous}.get(active.info.origin)
        new_state = UpdateState(
            current=entry,
            previous=previous,
            etag=etag,
            source_url=source,
            key_id=key.key_id_hex,
            checked_at=now.isoformat(timespec="seconds"),
            max_version_accepted=max(version, state.max_version_accepted),
        )
        _commit(env, directory, new_state)
        _checkpoint(env, "state-renamed")
        _cleanup(directory, new_state)
        _checkpoint(env, "cleaned-after")
    except OSError as exc:
        raise StorageError(
            f"could not write the new dataset into {directory}: "
            f"{(exc.strerror or str(exc)).lower()}; your data is unchanged"
        ) from None
    return Outcome("installed", version, active.info.dataset_version, source, key.key_id_hex, diff)


def _commit(env: Mapping[str, str], directory: str, state: UpdateState) -> None:
    try:
        write_state(directory, state, before_replace=_before_replace(env, "state-written"))
    except OSError as exc:
        raise StorageError(
            f"could not record the update in {directory}: {(exc.strerror or str(exc)).lower()}; your data is unchanged"
        ) from None


def _cleanup(directory: str, state: UpdateState) -> None:
    """Remove what no committed state names: temporary files and datasets an interrupted or
    superseded install left behind (we hold the lock, so no writer is using them), and their
    cache stamps. Files named by `state` are never touched."""
    keep = {e.file for e in (state.current, state.previous) if e is not None}
    names = os.listdir(directory)
    for name in names:
        base = name[: -len(SIGNATURE_SUFFIX)] if name.endswith(SIGNATURE_SUFFIX) else name
        stale_dataset = (
            (base.startswith(DATASET_PREFIX) or base in ("hotlines.json", "hotlines.prev.json"))
            and base.endswith(".json")
            and base not in keep
        )
        if name.startswith(".tmp-") or stale_dataset:
            _remove(os.path.join(directory, name))
    stamps = read_stamps(directory)
    if set(stamps) - keep:
        write_stamps(directory, {k: v for k, v in stamps.items() if k in keep})


# --- rollback -----------------------------------------------------------------------------------


def rollback(env: Mapping[str, str]) -> Outcome:
    """Back to the previous verified copy, or to the bundled data when there is none; the copy
    rolled back from is removed only after the new state is committed."""
    directory = writable_data_dir(env)
    with _update_lock(directory):
        _checkpoint(env, "locked")
        state = load_state(directory)
        before = load_active(env)
        if state.current is None or (before.info.origin == "bundled" and state.previous is None):
            raise NothingToRollBack(
                "nothing to roll back: crisiscli is using the data it came with "
                f"(dataset {before.info.dataset_version})"
            )
        target, note = state.previous, None
        if target is not None:
            try:
                load_installed(directory, target, "previous", env, read_stamps(directory))
            except DatasetError as exc:
                target, note = (
                    None,
                    f"The previous download no longer verifies ({exc.message}), so crisiscli "
                    "went back to the data it came with.",
                )
        new_state = replace(state, current=target, previous=None, etag=None)
        try:
            _commit(env, directory, new_state)
            _checkpoint(env, "state-renamed")
            _cleanup(directory, new_state)
            _checkpoint(env, "cleaned-after")
        except OSError as exc:
            raise StorageError(f"could not roll back in {directory}: {(exc.strerror or str(exc)).lower()}") from None
        after = load_active(env)
        return Outcome("rolled_back", after.info.dataset_version, before.info.dataset_version, note=note)


def _remove(path: str) -> None:
    with suppress(FileNotFoundError):
        os.unlink(path)
