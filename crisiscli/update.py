"""`crisiscli update`: fetch, verify and install a newer dataset; the only module that talks to
the network.

Why so careful: numbers change, and a failed, hostile or half-finished update must never leave
anyone with wrong, corrupt or no numbers. Order of work: download with hard limits -> verify
the minisign signature against pinned keys -> strict parse -> every validation rule -> sanity
(no country disappears) -> anti-rollback -> atomic install under a lock, keeping the previous
copy -> state file last. Nothing in the data directory changes before the last check passes.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

from . import clock, render
from .dataset import MAX_BYTES, Dataset, load_active, parse_strict
from .errors import EXIT_INVALID, EXIT_NETWORK, CrisisError, DatasetError, UsageProblem
from .signature import MAX_SIGNATURE_BYTES, PublicKey, SignatureError, bundled_keys, load_key_file, verify
from .store import (CURRENT_FILE, LOCK_FILE, PREVIOUS_FILE, SIGNATURE_SUFFIX, atomic_write, read_state,
                    user_data_dir, write_state)

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


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_url(url: str, *, redirect: bool = False) -> str:
    """https everywhere; plain http only to this machine (tests, local mirrors)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if parts is None or not parts.hostname:
        error = NetworkError if redirect else UsageProblem
        raise error(f"not a usable URL: {render.safe_text(url[:200])}")
    if parts.scheme == "https" or (parts.scheme == "http" and is_loopback(parts.hostname)):
        return url
    message = f"refusing {parts.scheme}:// for {render.safe_text(parts.hostname)}: updates use https:// only"
    raise (NetworkError if redirect else UsageProblem)(message)


def fetch(url: str, limits: Limits, etag: str | None = None, max_bytes: int | None = None,
          clock: Callable[[], float] = time.monotonic) -> Fetched:
    """GET with connect/read timeouts, an overall deadline, a cap on decoded bytes and checked
    redirects. Raises NetworkError for anything that is not a usable 200 or 304."""
    import requests

    cap = max_bytes if max_bytes is not None else limits.max_bytes
    started = clock()
    headers = {"User-Agent": "crisiscli-update", "Accept-Encoding": "gzip"}
    if etag:
        headers["If-None-Match"] = etag
    current = check_url(url)
    try:
        with requests.Session() as session:
            for _hop in range(limits.max_redirects + 1):
                response = session.get(current, headers=headers, stream=True, allow_redirects=False,
                                       timeout=(limits.connect_timeout, limits.read_timeout))
                with response:
                    if response.is_redirect:
                        location = response.headers.get("Location", "")
                        current = check_url(urljoin(current, location), redirect=True)
                        continue
                    if response.status_code == 304:
                        return Fetched(304, etag=etag, url=current)
                    if response.status_code != 200:
                        reason = render.safe_text(response.reason or "")[:80]
                        raise NetworkError(f"{render.safe_text(current)} answered {response.status_code} {reason}"
                                           .rstrip(), status=response.status_code)
                    declared = response.headers.get("Content-Length", "")
                    if declared.isdigit() and int(declared) > cap:
                        raise NetworkError(f"{render.safe_text(current)} is larger than {cap} bytes")
                    body = bytearray()
                    for chunk in response.iter_content(64 * 1024):
                        body += chunk
                        if len(body) > cap:
                            raise NetworkError(f"{render.safe_text(current)} is larger than {cap} bytes (after decompression)")
                        if clock() - started > limits.deadline:
                            raise NetworkError(f"gave up after {limits.deadline:g} s: the server is too slow")
                    return Fetched(200, bytes(body), response.headers.get("ETag"), current)
            raise NetworkError(f"more than {limits.max_redirects} redirects")
    except requests.exceptions.SSLError as exc:
        raise NetworkError(f"secure connection failed: {render.safe_text(_first_line(exc))}") from None
    except requests.exceptions.Timeout:
        raise NetworkError(f"no answer in time from {render.safe_text(current)}") from None
    except requests.exceptions.ConnectionError as exc:
        host = render.safe_text(urlsplit(current).hostname or current)
        cause = "the connection was cut off" if "aborted" in str(exc).lower() or "reset" in str(exc).lower() \
            else "no network, or the server is down"
        raise NetworkError(f"could not reach {host} ({cause}); your data is unchanged") from None
    except requests.exceptions.RequestException as exc:
        raise NetworkError(f"could not download {render.safe_text(current)}: {render.safe_text(_first_line(exc))}") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0][:200]


def trusted_keys(env: Mapping[str, str], config_keys: tuple[str, ...] = ()) -> list[PublicKey]:
    """The package's keys, plus CRISISCLI_TRUSTED_KEYS (paths, OS path separator) and config."""
    keys = bundled_keys()
    extra = [p for p in env.get("CRISISCLI_TRUSTED_KEYS", "").split(os.pathsep) if p.strip()]
    for path in [*extra, *config_keys]:
        keys.append(load_key_file(os.path.expanduser(path)))
    return keys


def changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, list[str]]:
    """Countries and lines added, changed and removed between two datasets."""
    old_c, new_c = old.get("countries", {}), new.get("countries", {})
    old_lines = {line["id"]: line for c in old_c.values() for line in c.get("lines", [])}
    new_lines = {line["id"]: line for c in new_c.values() for line in c.get("lines", [])}
    return {
        "countries_added": sorted(set(new_c) - set(old_c)),
        "countries_removed": sorted(set(old_c) - set(new_c)),
        "countries_changed": sorted(k for k in set(old_c) & set(new_c)
                                    if {**old_c[k], "lines": None} != {**new_c[k], "lines": None}),
        "lines_added": sorted(set(new_lines) - set(old_lines)),
        "lines_removed": sorted(set(old_lines) - set(new_lines)),
        "lines_changed": sorted(i for i in set(old_lines) & set(new_lines) if old_lines[i] != new_lines[i]),
    }


def check_candidate(data: bytes, signature: bytes, keys: list[PublicKey], active: Dataset,
                    state: Mapping[str, Any], today: date) -> tuple[dict[str, Any], PublicKey]:
    """Every check before install, signature first so nothing unsigned is even parsed."""
    from .validate import validate

    key = verify(data, signature, keys)
    doc = parse_strict(data, what="the download")
    try:
        candidate = Dataset(doc, origin="download", path="the download")
    except DatasetError as exc:
        raise UpdateRefused(exc.message) from None
    problems = validate(doc, today)
    if problems:
        shown = "; ".join(render.safe_text(str(p)) for p in problems[:3])
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise UpdateRefused(f"the download fails validation: {shown}{more}")
    try:
        generated = date.fromisoformat(candidate.info.generated_at[:10])
    except ValueError:
        raise UpdateRefused("the download has no readable generated_at date") from None
    if generated > today + timedelta(days=1):
        raise UpdateRefused(f"the download claims to be from the future ({candidate.info.generated_at})")
    gone = sorted(set(active.codes()) - set(candidate.codes()))
    if gone:
        raise UpdateRefused(f"the download drops countries we have today ({', '.join(gone[:10])}); refusing it")
    # The active copy is never older than the bundled one (load_active takes the highest).
    floor = max(active.info.dataset_version, int(state.get("max_version_accepted") or 0))
    if candidate.info.dataset_version < floor:
        raise UpdateRefused(f"the download is dataset {candidate.info.dataset_version}, older than {floor} "
                            "which you already have; refusing to go back")
    return doc, key


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
    return Limits(connect_timeout=min(5.0, timeout), read_timeout=timeout,
                  deadline=seconds("CRISISCLI_DEADLINE", 60.0))


@contextmanager
def _update_lock(directory: str) -> Iterator[None]:
    """Writers only, never waiting: a second update says so and stops; lookups never take it."""
    import filelock

    lock = filelock.FileLock(os.path.join(directory, LOCK_FILE), timeout=0)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise NetworkError("another crisiscli update is running; try again in a minute") from None
    try:
        yield
    finally:
        lock.release()


def run_update(env: Mapping[str, str], url: str, keys: list[PublicKey], check_only: bool = False,
               progress: Callable[[str], None] = lambda _msg: None) -> Outcome:
    """Download, verify and (unless check_only) install; raises a CrisisError on any failure
    with the data directory exactly as it was."""
    directory = user_data_dir(env)
    with _update_lock(directory):
        return _update_locked(env, directory, url, keys, check_only, progress)


def _update_locked(env: Mapping[str, str], directory: str, url: str, keys: list[PublicKey], check_only: bool,
                   progress: Callable[[str], None]) -> Outcome:
    limits = limits_from(env)
    now = clock.now(env)
    state = read_state(directory)
    active = load_active(env)
    same_source = state.get("source_url") == url
    progress(f"Checking {url}")
    fetched = fetch(url, limits, etag=state.get("etag") if same_source and active.info.origin == "updated" else None)
    if fetched.status == 304:
        if not check_only:
            write_state(directory, {**state, "checked_at": now.isoformat(timespec="seconds")})
        return Outcome("current", active.info.dataset_version, source_url=url, key_id=state.get("key_id"))
    progress("Verifying the signature")
    try:
        sig = fetch(url + SIGNATURE_SUFFIX, limits, max_bytes=MAX_SIGNATURE_BYTES)
    except NetworkError as exc:
        if exc.status in (403, 404, 410):
            raise SignatureError(f"no signature at {render.safe_text(url)}{SIGNATURE_SUFFIX}; "
                                 "refusing an unsigned dataset") from None
        raise
    doc, key = check_candidate(fetched.body, sig.body, keys, active, state, now.date())
    version = doc["dataset_version"]
    if version == active.info.dataset_version:
        return Outcome("current", version, source_url=url, key_id=key.key_id_hex)
    diff = changes(active.raw, doc)
    if check_only:
        return Outcome("available", version, active.info.dataset_version, url, key.key_id_hex, diff)
    progress("Installing")
    _remove_leftovers(directory)
    install(directory, fetched.body, sig.body, env)
    write_state(directory, {
        "version": version, "sha256": hashlib.sha256(fetched.body).hexdigest(),
        "prev_sha256": state.get("sha256") if os.path.exists(os.path.join(directory, PREVIOUS_FILE)) else None,
        "etag": fetched.etag, "source_url": url, "key_id": key.key_id_hex,
        "checked_at": now.isoformat(timespec="seconds"),
        "max_version_accepted": max(version, int(state.get("max_version_accepted") or 0)),
    })
    return Outcome("installed", version, active.info.dataset_version, url, key.key_id_hex, diff)


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except FileNotFoundError:
        return None


def install(directory: str, data: bytes, signature: bytes, env: Mapping[str, str]) -> None:
    """Keep the current copy as the previous one, then put the new one in place, atomically."""
    current = os.path.join(directory, CURRENT_FILE)
    previous = os.path.join(directory, PREVIOUS_FILE)
    old, old_sig = _read(current), _read(current + SIGNATURE_SUFFIX)
    if old is not None:
        atomic_write(previous, old)
        if old_sig is not None:
            atomic_write(previous + SIGNATURE_SUFFIX, old_sig)
    hook = _test_hook(env)
    atomic_write(current + SIGNATURE_SUFFIX, signature)
    atomic_write(current, data, before_replace=hook)


def _test_hook(env: Mapping[str, str]) -> Callable[[str], None] | None:
    """CRISISCLI_TEST_KILL_BEFORE_REPLACE=1 kills the process between write and rename, the way
    a power cut would, so a test can show a later lookup still works."""
    if env.get("CRISISCLI_TEST_KILL_BEFORE_REPLACE") != "1":
        return None

    def kill(_tmp: str) -> None:
        import signal

        os.kill(os.getpid(), signal.SIGKILL)

    return kill


def rollback(env: Mapping[str, str]) -> Outcome:
    """Back to the previous copy, or to the bundled one when there is none."""
    directory = user_data_dir(env)
    with _update_lock(directory):
        before = load_active(env).info.dataset_version
        state = read_state(directory)
        current = os.path.join(directory, CURRENT_FILE)
        previous = os.path.join(directory, PREVIOUS_FILE)
        prev, prev_sig = _read(previous), _read(previous + SIGNATURE_SUFFIX)
        if prev is not None and state.get("prev_sha256") == hashlib.sha256(prev).hexdigest():
            if prev_sig is not None:
                atomic_write(current + SIGNATURE_SUFFIX, prev_sig)
            atomic_write(current, prev)
            new_state = {**state, "sha256": state["prev_sha256"], "prev_sha256": None, "etag": None}
            write_state(directory, new_state)
            for path in (previous, previous + SIGNATURE_SUFFIX):
                _remove(path)
        else:
            for path in (current, current + SIGNATURE_SUFFIX, previous, previous + SIGNATURE_SUFFIX):
                _remove(path)
            write_state(directory, {**state, "sha256": None, "prev_sha256": None, "etag": None})
        after = load_active(env)
        return Outcome("rolled_back", after.info.dataset_version, before)


def _remove_leftovers(directory: str) -> None:
    """Temporary files an interrupted install left behind (we hold the lock: no one is writing)."""
    for name in os.listdir(directory):
        if name.startswith(".tmp-"):
            _remove(os.path.join(directory, name))


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
