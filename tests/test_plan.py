"""`crisiscli plan`: the private safety plan, through real files, real processes and a real terminal.

Why no mocks: what matters here is what really lands on disk (its mode, its bytes, what is kept
aside) and what a person really sees on a terminal, so these tests use real files in tmp_path, a
real pseudo-terminal for the questions, a real program as $EDITOR and real concurrent processes.

Why two ways to run the CLI: `invoke` runs it in this process with Click's CliRunner (fast; stdout
and stderr kept apart) wherever the process is not the subject; `run` starts the installed script
for error paths (errors become exit codes in crisiscli.cli.main(), outside the Click group, for
now) and for what only a real process shows (umask, signals, locks between processes).
"""

from __future__ import annotations

import ast
import json
import os
import select
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from banned import violations
from conftest import BIN, TODAY, Ran
from hypothesis import given, settings
from hypothesis import strategies as st

from crisiscli import plan as core
from crisiscli.errors import UsageProblem

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "golden"
SAMPLE = {
    "version": 1,
    "created": "2026-11-20T09:00:00Z",
    "updated": "2026-11-24T21:15:00Z",
    "country": "GB",
    "warning_signs": ["Not sleeping, lying awake after 2am", "Cancelling plans with friends"],
    "coping_alone": [
        "Put on my comfort playlist",
        "Walk round the block, even a short way",
        "Breathe in for 4, out for 6, ten times",
    ],
    "distractions": ["The café on the corner", "Gaming online with Jo"],
    "people_to_ask": ["Sam (sister): 07700 900123", "Ana from work"],
    "professionals": [
        "Emergency number: 999",
        "Samaritans: Call 116 123 (24/7)",
        "GP surgery: 020 7946 0000 (weekdays)",
    ],
    "safer_surroundings": ["Ask Sam to come over and stay for a while"],
    "reasons_for_living": ["My cat, Miso", "Seeing the sea again in summer"],
}


# --- helpers ----------------------------------------------------------------------------------

Result = Ran  # what a run gave: exit code, stdout, stderr apart


@pytest.fixture
def invoke(run):
    """crisiscli in-process (conftest's `run`: CliRunner, exceptions not caught)."""
    return run


def data_dir(env: dict[str, str]) -> Path:
    return Path(env["CRISISCLI_DATA_DIR"])


def plan_file(env: dict[str, str]) -> Path:
    return data_dir(env) / "plan.json"


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def leftovers(directory: Path) -> list[str]:
    """Temporary files (atomic writes, editor files) still in the data dir: there must be none."""
    return sorted(p.name for p in directory.iterdir() if p.name.startswith((".tmp-", ".edit-")))


def write_plan(env: dict[str, str], doc: object, mode: int = 0o600) -> Path:
    """Put a plan file in place the way a user (or an older tool) might have left it."""
    path = plan_file(env)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(doc if isinstance(doc, bytes) else json.dumps(doc, ensure_ascii=False).encode("utf-8"))
    os.chmod(path, mode)
    return path


def import_plan(run, doc: object, *args: str, **kwargs):
    """`plan new --from-file -` with the document on stdin (not a terminal)."""
    text = doc if isinstance(doc, str) else json.dumps(doc, ensure_ascii=False)
    return run("plan", "new", "--from-file", "-", *args, input=text, **kwargs)


def show_json(run) -> dict:
    result = run("plan", "show", "--format", "json", input="")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Terminal:
    """The script on a real pseudo-terminal (stdin, stdout and stderr), driven step by step:
    wait until it shows a text, type, read to the end. `prefix` runs it through another program."""

    def __init__(self, args: list[str], env: dict[str, str], prefix: tuple[str, ...] = ()) -> None:
        self.master, slave = os.openpty()
        # Ctrl-C acts as for a person even when the test run ignores SIGINT (a background job:
        # an ignored signal stays ignored across exec, and Python then raises no KeyboardInterrupt).
        # preexec_fn is safe here: no other thread runs while a test starts a terminal.
        self.proc = subprocess.Popen(
            [*prefix, str(BIN), *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,
            preexec_fn=_default_sigint,
        )
        os.close(slave)
        self.shown = b""

    def _pump(self, done, timeout: float) -> bool:
        """Read what it shows until done() or it closes the terminal; False on timeout."""
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                return False
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:  # EIO: the other side is closed
                    chunk = b""
                if not chunk:
                    return True
                self.shown += chunk
            elif self.proc.poll() is not None:
                return True
        return True

    def expect(self, text: str, timeout: float = 30) -> None:
        self._pump(lambda: text.encode("utf-8") in self.shown, timeout)
        if text.encode("utf-8") not in self.shown:
            self.proc.kill()
            pytest.fail(f"it never showed {text!r}; it showed:\n" + self.text)

    def type(self, text: str) -> None:
        os.write(self.master, text.encode("utf-8"))

    def finish(self, timeout: float = 30) -> int:
        """Read to the end; the exit status."""
        try:
            if not self._pump(lambda: False, timeout):
                self.proc.kill()
                pytest.fail("timed out waiting for the script; it showed:\n" + self.text)
            return self.proc.wait(timeout=10)
        finally:
            os.close(self.master)

    @property
    def text(self) -> str:
        return self.shown.decode("utf-8", "replace").replace("\r\n", "\n")


def run_tty(args: list[str], answers: str, env: dict[str, str], timeout: float = 30) -> tuple[int, str]:
    """Run the script on a pseudo-terminal with `answers` typed up front (the terminal queues them
    line by line). Returns the exit status and everything shown."""
    term = Terminal(args, env)
    term.type(answers)
    return term.finish(timeout), term.text


def assert_clean_failure(result, code: int) -> None:
    assert result.returncode == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("crisiscli: ")
    assert "Need help now" in result.stderr or "emergency number" in result.stderr


# --- import, show and the JSON round trip -----------------------------------------------------


def test_import_then_show_json_round_trips(invoke, isolated):
    result = import_plan(invoke, SAMPLE)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    doc = show_json(invoke)
    assert set(doc) == {"schema_version", "command", "dataset", "data", "warnings"}
    assert doc["schema_version"] == 1 and doc["command"] == "plan show" and doc["dataset"] is None
    data = doc["data"]
    for key in core.SECTION_KEYS:
        assert data[key] == SAMPLE[key]
    assert data["country"] == "GB" and data["created"] == SAMPLE["created"]
    assert data["updated"] == f"{TODAY}T00:00:00Z"
    assert list(data)[:4] == ["version", "created", "updated", "country"]

    # the whole envelope, as saved from `show`, imports as it is
    again = import_plan(invoke, doc, "--replace")
    assert again.returncode == 0, again.stderr
    assert show_json(invoke)["data"] == data
    # and so does its data object alone
    assert import_plan(invoke, data, "--replace").returncode == 0
    assert show_json(invoke)["data"] == data


def test_import_from_a_named_file(invoke, tmp_path):
    source = tmp_path / "mine.json"
    source.write_text(json.dumps({"reasons_for_living": ["Nana"]}), encoding="utf-8")
    result = invoke("plan", "new", "--from-file", str(source), "--country", "FR", input="")
    assert result.returncode == 0, result.stderr
    data = show_json(invoke)["data"]
    assert data["reasons_for_living"] == ["Nana"]
    assert data["country"] == "FR" and data["professionals"][0] == "Emergency number: 112"


def test_professionals_prefilled_from_the_dataset(invoke):
    result = import_plan(invoke, {"warning_signs": ["Tired"]}, "--country", "uk")
    assert result.returncode == 0, result.stderr
    pros = show_json(invoke)["data"]["professionals"]
    assert pros[0] == "Emergency number: 999"
    assert any("Samaritans" in p and "116 123" in p and p.endswith("(24/7)") for p in pros)
    assert len(pros) <= 1 + core.PREFILL_LINES


def test_prefill_uses_detected_country_and_says_so(invoke):
    result = import_plan(invoke, {}, env={"CRISISCLI_COUNTRY": "US"})
    assert result.returncode == 0, result.stderr
    assert "United States" in result.stderr and "CRISISCLI_COUNTRY" in result.stderr
    pros = show_json(invoke)["data"]["professionals"]
    assert pros[0] == "Emergency number: 911" and any("988" in p for p in pros)


def test_no_country_known_means_no_numbers_and_a_clear_note(invoke):
    result = import_plan(invoke, {"coping_alone": ["Tea"]})  # TZ=UTC, C locale: nothing known
    assert result.returncode == 0, result.stderr
    assert "could not tell which country" in result.stderr
    data = show_json(invoke)["data"]
    assert data["professionals"] == [] and data["country"] is None


def test_given_professionals_are_kept_as_written(invoke):
    assert import_plan(invoke, {"professionals": ["Dr Okafor, 020 7946 0001"]}, "--country", "GB").returncode == 0
    assert show_json(invoke)["data"]["professionals"] == ["Dr Okafor, 020 7946 0001"]


def test_existing_plan_is_not_replaced_without_replace(run, isolated):
    path = write_plan(isolated, SAMPLE)
    before = path.read_bytes()
    result = import_plan(run, {"warning_signs": ["new"]})
    assert_clean_failure(result, 2)
    assert "--replace" in result.stderr
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    "text, needle",
    [
        ("{not json", "not valid JSON"),
        ('["a list"]', "must be a JSON object"),
        ('{"warning_sign": ["typo"]}', "unknown key(s) 'warning_sign'"),
        ('{"warning_signs": "one string"}', "must be a list of text items"),
        ('{"warning_signs": [1, 2]}', "item 1 of `warning_signs` must be text"),
        ('{"warning_signs": ["a"], "warning_signs": ["b"]}', "duplicate key"),
        ('{"country": "Narnia"}', "two-letter country code"),
        ('{"version": true}', "whole number"),
        ('{"coping_alone": [NaN]}', "not valid JSON"),
    ],
)
def test_bad_import_is_a_usage_error(run, isolated, text, needle):
    result = import_plan(run, text)
    assert_clean_failure(result, 2)
    assert needle in result.stderr
    assert not plan_file(isolated).exists()


def test_missing_import_file(run, tmp_path):
    result = run("plan", "new", "--from-file", str(tmp_path / "nope.json"), input="")
    assert_clean_failure(result, 2)
    assert "cannot read" in result.stderr and "No such file" in result.stderr


def test_show_text_numbers_items_and_ends_with_the_footer(invoke, isolated):
    write_plan(isolated, SAMPLE)
    result = invoke("plan", "show", env={"CRISISCLI_COUNTRY": "GB"})
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("My safety plan (last changed 2026-11-24)")
    assert "1. Signs that a hard time may be starting\n   1) Not sleeping" in out
    assert "   2) Ana from work" in out
    last = out.strip().split("\n\n")[-1]
    assert last.startswith("Need help now (United Kingdom)?") and "999" in last
    assert result.stderr == ""


def test_show_falls_back_to_the_plans_country_for_the_footer(invoke, isolated):
    write_plan(isolated, SAMPLE)  # the test env has no detectable country
    out = invoke("plan", "show").stdout
    assert out.strip().split("\n\n")[-1].startswith("Need help now (United Kingdom)?")


def test_no_plan_yet(run):
    result = run("plan", "show")
    assert_clean_failure(result, 3)
    assert "`crisiscli plan new`" in result.stderr
    result = run("plan", "show", "--json")
    assert result.returncode == 3
    assert json.loads(result.stdout)["error"]["code"] == "no_plan"
    assert_clean_failure(run("plan", "export"), 3)


# --- permissions and atomic writes ------------------------------------------------------------


@pytest.mark.parametrize("umask", [0o000, 0o022, 0o077, 0o277])
def test_plan_file_is_private_whatever_the_umask(invoke, isolated, umask):
    old = os.umask(umask)
    try:
        result = import_plan(invoke, SAMPLE)
    finally:
        os.umask(old)
    assert result.returncode == 0, result.stderr
    path = plan_file(isolated)
    mode = mode_of(path)
    assert mode & 0o077 == 0, oct(mode)  # nobody else, ever
    assert mode & 0o400  # and the owner can read it
    if umask & 0o600 == 0:
        assert mode == 0o600
    assert mode_of(path.parent) & 0o077 == 0  # the data dir is created private too
    assert leftovers(path.parent) == []  # no temp file left


def test_file_is_private_from_its_first_byte(isolated):
    """The temporary file that becomes plan.json is already 0600 before the rename."""
    seen = []
    old = os.umask(0)
    try:
        core.save_plan(
            isolated, core.plan_from_document(SAMPLE), before_replace=lambda tmp: seen.append(mode_of(Path(tmp)))
        )
    finally:
        os.umask(old)
    assert seen == [0o600]
    assert mode_of(plan_file(isolated)) == 0o600


def test_loose_existing_file_is_fixed_on_next_save(invoke, isolated):
    path = write_plan(isolated, SAMPLE, mode=0o644)
    assert mode_of(path) == 0o644
    result = invoke("plan", "edit", "2", "--add", "Stretch", input="")
    assert result.returncode == 0, result.stderr
    assert mode_of(path) == 0o600
    assert show_json(invoke)["data"]["coping_alone"][-1] == "Stretch"


def test_loose_existing_file_is_fixed_when_read(invoke, isolated):
    path = write_plan(isolated, SAMPLE, mode=0o664)
    result = invoke("plan", "show")
    assert result.returncode == 0
    assert mode_of(path) == 0o600
    assert "now private (0600)" in result.stderr


def test_a_failing_write_leaves_the_old_plan_whole(isolated):
    core.save_plan(isolated, core.plan_from_document(SAMPLE))
    path = plan_file(isolated)
    before = path.read_bytes()
    changed = core.plan_from_document({**SAMPLE, "reasons_for_living": ["something new"]})

    def disk_full(_tmp: str) -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(core.PlanNotSaved) as caught:
        core.save_plan(isolated, changed, before_replace=disk_full)
    assert "No space left on device" in caught.value.message
    assert "unchanged" in caught.value.message
    assert caught.value.exit_code == 1
    assert path.read_bytes() == before
    assert leftovers(path.parent) == []
    assert core.load_plan(isolated) == core.plan_from_document(SAMPLE)


def test_save_refuses_invalid_content(isolated):
    bad = core.Plan()
    bad.sections["warning_signs"] = ["x" * (core.MAX_ITEM_CHARS + 1)]
    with pytest.raises(core.PlanInvalid):
        core.save_plan(isolated, bad)
    assert not plan_file(isolated).exists()


# --- not a terminal ---------------------------------------------------------------------------


def test_new_off_a_terminal_needs_from_file(run, isolated):
    result = run("plan", "new", input="")
    assert_clean_failure(result, 2)
    assert "--from-file" in result.stderr and "not a terminal" in result.stderr
    assert result.stdout == ""
    assert not plan_file(isolated).exists()


def test_delete_off_a_terminal_needs_yes(run, invoke, isolated):
    path = write_plan(isolated, SAMPLE)
    result = run("plan", "delete", input="")
    assert_clean_failure(result, 2)
    assert "--yes" in result.stderr
    assert path.exists()
    result = invoke("plan", "delete", "--yes", input="")
    assert result.returncode == 0, result.stderr
    assert not path.exists()
    again = invoke("plan", "delete", "--yes", input="")
    assert again.returncode == 0 and "nothing to delete" in again.stderr


def test_edit_off_a_terminal_needs_an_option(run, isolated):
    path = write_plan(isolated, SAMPLE)
    before = path.read_bytes()
    result = run("plan", "edit", "4", input="", env={"EDITOR": "false"})
    assert_clean_failure(result, 2)
    assert "--add" in result.stderr
    assert path.read_bytes() == before


# --- editing ----------------------------------------------------------------------------------


def test_add_remove_move(invoke, isolated):
    write_plan(isolated, SAMPLE)
    assert invoke("plan", "edit", "people_to_ask", "--add", "Jo", "--add", "Dad", input="").returncode == 0
    assert show_json(invoke)["data"]["people_to_ask"] == ["Sam (sister): 07700 900123", "Ana from work", "Jo", "Dad"]
    assert invoke("plan", "edit", "people", "--move", "4", "1", input="").returncode == 0
    assert show_json(invoke)["data"]["people_to_ask"] == ["Dad", "Sam (sister): 07700 900123", "Ana from work", "Jo"]
    assert invoke("plan", "edit", "4", "--remove", "2", "--remove", "4", input="").returncode == 0
    assert show_json(invoke)["data"]["people_to_ask"] == ["Dad", "Ana from work"]


@pytest.mark.parametrize(
    "args, needle",
    [
        (["edit", "9", "--add", "x"], "no part called '9'"),
        (["edit", "warnings", "--add", "x"], "did you mean warning_signs"),
        (["edit", "4", "--remove", "7"], "no item 7"),
        (["edit", "4", "--move", "1", "5"], "no item 5"),
        (["edit", "4", "--add", "x", "--remove", "1"], "one of --add, --remove or --move"),
        (["edit", "4", "--add", "   "], "nothing to add"),
        (["edit", "4", "--remove", "one"], "is not a valid integer"),
    ],
)
def test_edit_mistakes_are_usage_errors(run, isolated, args, needle):
    path = write_plan(isolated, SAMPLE)
    before = path.read_bytes()
    result = run("plan", *args, input="")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert needle in result.stderr
    assert path.read_bytes() == before


def test_edit_without_a_plan_starts_one(invoke, isolated):
    result = invoke("plan", "edit", "7", "--add", "My garden", input="", env={"CRISISCLI_COUNTRY": "GB"})
    assert result.returncode == 0, result.stderr
    assert "Started a new safety plan" in result.stderr
    data = show_json(invoke)["data"]
    assert data["reasons_for_living"] == ["My garden"]
    assert data["professionals"][0] == "Emergency number: 999"


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from([*core.SECTION_KEYS, *core.META_KEYS, "x"]), inner, max_size=5)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=200), JSON.map(lambda d: json.dumps(d).encode())))
def test_any_input_is_a_plan_or_a_clear_error(data):
    """Whatever bytes a plan file or an import holds, the outcome is a checked Plan or one of the
    plan's own errors (which the CLI turns into a message and exit code), never a crash."""
    try:
        plan = core.parse_plan_json(data, "the file")
    except (core.PlanInvalid, core.PlanTooNew) as exc:
        assert exc.message and "Traceback" not in exc.message
        return
    assert set(plan.sections) == set(core.SECTION_KEYS)
    for items in plan.sections.values():
        assert len(items) <= core.MAX_ITEMS
        assert all(isinstance(i, str) and i and len(i) <= core.MAX_ITEM_CHARS and "\n" not in i for i in items)
    assert core.parse_plan_json(json.dumps(plan.to_dict()).encode(), "again") == plan


def test_section_names():
    assert core.resolve_section("1") == "warning_signs"
    assert core.resolve_section("7") == "reasons_for_living"
    assert core.resolve_section("Reasons") == "reasons_for_living"
    assert core.resolve_section("people-to-ask") == "people_to_ask"
    assert core.resolve_section("SAFER surroundings") == "safer_surroundings"
    for bad in ("0", "8", "", "p", "x" * 500):
        with pytest.raises(UsageProblem):
            core.resolve_section(bad)


# --- Unicode, long items, limits --------------------------------------------------------------


def test_unicode_and_very_long_items_round_trip(invoke, isolated):
    long_item = ("Call Sam and say: " + "it is one of those nights. " * 80)[: core.MAX_ITEM_CHARS]
    unbroken = "x" * core.MAX_ITEM_CHARS
    doc = {
        "warning_signs": [
            "眠れない夜が続く",
            "Je m'isole, je ne réponds plus",
            "لا أنام جيدا",
            "e\u0301te\u0301 (combining accents)",
            "🌧️ grey days",
        ],
        "people_to_ask": [long_item, unbroken],
        "reasons_for_living": ["Zoë & Ömer", "😺 Miso"],
    }
    result = import_plan(invoke, doc)
    assert result.returncode == 0, result.stderr
    data = show_json(invoke)["data"]
    for key, items in doc.items():
        assert data[key] == items
    assert len(data["people_to_ask"][0]) == core.MAX_ITEM_CHARS
    raw = plan_file(isolated).read_text(encoding="utf-8")
    assert "眠れない夜が続く" in raw  # stored as readable UTF-8, not escapes
    text = invoke("plan", "show").stdout
    assert "眠れない夜が続く" in text and "😺 Miso" in text and unbroken in text
    assert "it is one of those nights." in text
    markdown = invoke("plan", "export").stdout
    assert "Zoë & Ömer" in markdown


def test_line_breaks_inside_an_item_become_spaces(invoke):
    assert import_plan(invoke, {"coping_alone": ["Make tea,\nthen\tsit down  ", "", "   "]}).returncode == 0
    assert show_json(invoke)["data"]["coping_alone"] == ["Make tea, then sit down"]


def test_too_long_item_is_refused_without_echoing_it(run, isolated):
    secret = "private words " * 200
    result = import_plan(run, {"reasons_for_living": ["ok", secret[: core.MAX_ITEM_CHARS + 1]]})
    assert_clean_failure(result, 2)
    assert "item 2 of `reasons_for_living`" in result.stderr and "2,000" in result.stderr
    assert "private words" not in result.stderr
    assert not plan_file(isolated).exists()
    write_plan(isolated, SAMPLE)
    result = run("plan", "edit", "7", "--add", "y" * (core.MAX_ITEM_CHARS + 1), input="")
    assert_clean_failure(result, 2)
    assert "yyyy" not in result.stderr


def test_too_many_items_is_refused(run, invoke, isolated):
    result = import_plan(run, {"coping_alone": [f"idea {i}" for i in range(core.MAX_ITEMS + 1)]})
    assert_clean_failure(result, 2)
    assert f"at most {core.MAX_ITEMS}" in result.stderr
    assert import_plan(invoke, {"coping_alone": [f"idea {i}" for i in range(core.MAX_ITEMS)]}).returncode == 0
    result = run("plan", "edit", "2", "--add", "one more", input="")
    assert_clean_failure(result, 2)
    assert "already holds" in result.stderr


def test_control_characters_are_refused(run, isolated):
    result = import_plan(run, {"warning_signs": ["\x1b]0;pwned\x07\x1b[2J"]})
    assert_clean_failure(result, 2)
    assert "control character" in result.stderr
    assert "\x1b" not in result.stderr and "\x1b" not in result.stdout
    result = import_plan(run, '{"warning_signs": ["\\ud800"]}')
    assert_clean_failure(result, 2)
    assert "not valid Unicode" in result.stderr


def test_bidi_controls_in_a_plan_file_are_not_printed_raw(invoke, isolated):
    write_plan(isolated, {"warning_signs": ["call \u202e321 654\u202c now"]})
    out = invoke("plan", "show").stdout + invoke("plan", "export").stdout
    assert "\u202e" not in out and "\ufffd" in out


# --- a corrupt file is kept aside, never deleted or overwritten -------------------------------


@pytest.mark.parametrize(
    "content",
    [
        b'{"warning_signs": ["half a fi',
        b"\xff\xfe not utf-8",
        b"",
        json.dumps({"warning_signs": "not a list"}).encode(),
        json.dumps({"surprise": []}).encode(),
    ],
)
def test_corrupt_file_is_kept_aside_with_a_clear_message(run, isolated, content):
    path = write_plan(isolated, content, mode=0o644)
    result = run("plan", "show")
    assert_clean_failure(result, 5)
    kept = path.parent / "plan.json.corrupt-1"
    assert str(kept) in result.stderr
    assert "nothing was deleted" in result.stderr
    assert kept.read_bytes() == content
    assert mode_of(kept) == 0o600
    assert not path.exists()
    # the next look says there is no plan, and where the unreadable one went
    again = run("plan", "show")
    assert again.returncode == 3 and str(kept) in again.stderr


def test_second_corrupt_file_does_not_overwrite_the_first(run, isolated):
    path = write_plan(isolated, b"first broken")
    assert run("plan", "show").returncode == 5
    write_plan(isolated, b"second broken")
    assert run("plan", "show").returncode == 5
    assert (path.parent / "plan.json.corrupt-1").read_bytes() == b"first broken"
    assert (path.parent / "plan.json.corrupt-2").read_bytes() == b"second broken"
    assert core.kept_aside(isolated) == [
        str(path.parent / "plan.json.corrupt-1"),
        str(path.parent / "plan.json.corrupt-2"),
    ]


def test_new_after_a_corrupt_file_keeps_it_and_carries_on(invoke, isolated):
    path = write_plan(isolated, b"{{{")
    result = import_plan(invoke, {"coping_alone": ["Tea"]})
    assert result.returncode == 0, result.stderr
    assert "plan.json.corrupt-1" in result.stderr
    assert (path.parent / "plan.json.corrupt-1").read_bytes() == b"{{{"
    assert show_json(invoke)["data"]["coping_alone"] == ["Tea"]


def test_edit_does_not_overwrite_a_corrupt_file(run, isolated):
    path = write_plan(isolated, b"oops")
    result = run("plan", "edit", "1", "--add", "x", input="")
    assert_clean_failure(result, 5)
    assert not path.exists() and (path.parent / "plan.json.corrupt-1").read_bytes() == b"oops"


def test_plan_from_a_newer_crisiscli_is_left_alone(run, isolated):
    path = write_plan(isolated, {"version": 99, "warning_signs": ["x"]})
    before = path.read_bytes()
    result = run("plan", "show")
    assert_clean_failure(result, 5)
    assert "newer crisiscli" in result.stderr
    assert path.read_bytes() == before
    assert core.kept_aside(isolated) == []
    assert_clean_failure(import_plan(run, SAMPLE, "--replace"), 5)
    assert path.read_bytes() == before


# --- export -----------------------------------------------------------------------------------


def test_markdown_export(invoke, isolated):
    write_plan(
        isolated,
        {
            **SAMPLE,
            "coping_alone": ["# not a heading", "[link](http://x) <b>bold</b>", "1. not a list"],
            "distractions": [],
        },
    )
    result = invoke("plan", "export", "--format", "markdown", env={"CRISISCLI_COUNTRY": "GB"})
    assert result.returncode == 0, result.stderr
    md = result.stdout
    assert md.startswith(
        "# My safety plan\n\n_Last changed 2026-11-24_\n\n## 1. Signs that a hard time may be starting\n"
    )
    assert "1. Not sleeping, lying awake after 2am\n2. Cancelling plans with friends" in md
    assert "1. \\# not a heading" in md
    assert "\\[link\\](http://x) \\<b\\>bold\\</b\\>" in md
    assert "3. 1\\. not a list" in md
    assert "## 3. People and places that take my mind off things\n\n_Nothing written here yet._" in md
    blocks = md.strip().split("\n\n")
    assert blocks[-2] == "---" and blocks[-1].startswith("Need help now (United Kingdom)?")
    assert "not protected like your plan file" in result.stderr
    assert invoke("plan", "show", "--format", "markdown", env={"CRISISCLI_COUNTRY": "GB"}).stdout == md


def test_text_export_has_no_edit_hints(invoke, isolated):
    write_plan(isolated, {**SAMPLE, "distractions": []})
    out = invoke("plan", "export", "--format", "text").stdout
    assert "(nothing written yet)" in out and "plan edit" not in out
    assert out.strip().split("\n\n")[-1].startswith("Need help now")


def test_export_quiet_says_nothing_on_stderr(invoke, isolated):
    write_plan(isolated, SAMPLE)
    result = invoke("plan", "export", "-q")
    assert result.returncode == 0 and result.stderr == ""


# --- golden screens ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, args", [("plan_show_GB.txt", ["plan", "show"]), ("plan_export_GB.md", ["plan", "export"])]
)
def test_golden(invoke, isolated, name, args):
    write_plan(isolated, SAMPLE)
    result = invoke(*args, env={"CRISISCLI_COUNTRY": "GB"})
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(result.stdout, encoding="utf-8")
    assert result.stdout == path.read_text(encoding="utf-8")


# --- path, privacy, plan_exists ---------------------------------------------------------------


def test_path(invoke, isolated):
    result = invoke("plan", "path")
    assert result.stdout == f"{plan_file(isolated)}\n"
    assert "no plan there yet" in result.stderr
    assert not data_dir(isolated).exists()  # asking where does not create anything
    write_plan(isolated, SAMPLE)
    doc = json.loads(invoke("plan", "path", "--json").stdout)
    assert doc["data"] == {"path": str(plan_file(isolated)), "exists": True}


def test_plan_exists(isolated, tmp_path):
    assert core.plan_exists(isolated) is False
    assert not data_dir(isolated).exists()
    write_plan(isolated, SAMPLE)
    assert core.plan_exists(isolated) is True
    assert core.plan_exists({"CRISISCLI_DATA_DIR": str(tmp_path / "elsewhere")}) is False


def test_the_plan_never_appears_in_other_commands(invoke, isolated):
    marker = "zebra-marmalade-7731"
    write_plan(isolated, {**SAMPLE, "reasons_for_living": [marker]})
    for args in (["lines", "GB", "--json"], ["countries", "--json"], ["lines", "GB"], ["--help"]):
        result = invoke(*args)
        assert marker not in result.stdout and marker not in result.stderr


def test_library_has_no_click():
    tree = ast.parse((ROOT / "crisiscli" / "plan.py").read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    }
    imported |= {(node.module or "").split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert "click" not in imported


# --- on a terminal ----------------------------------------------------------------------------


def test_guided_new_on_a_terminal(isolated):
    env = {**isolated, "CRISISCLI_COUNTRY": "GB"}
    answers = "Not sleeping\n\nMusic\nA walk\n\n\n\nMy GP, 020 7946 0000\n\n\nMy cat\n\n"
    code, shown = run_tty(["plan", "new"], answers, env)
    assert code == 0, shown
    assert "your own words" in shown and "1/7" in shown and "7/7" in shown
    assert "Samaritans" in shown  # the pre-filled lines are shown in part 5
    assert shown.rstrip().split("\n\n")[-1].startswith("Need help now (United Kingdom)?")
    data = json.loads(plan_file(isolated).read_text(encoding="utf-8"))
    assert data["warning_signs"] == ["Not sleeping"]
    assert data["coping_alone"] == ["Music", "A walk"]
    assert data["distractions"] == [] and data["people_to_ask"] == []
    assert data["professionals"][0] == "Emergency number: 999"
    assert data["professionals"][-1] == "My GP, 020 7946 0000"
    assert data["safer_surroundings"] == [] and data["reasons_for_living"] == ["My cat"]
    assert mode_of(plan_file(isolated)) == 0o600
    assert violations(shown.replace("My GP, 020 7946 0000", "")) == []


def test_quiet_never_hides_the_questions(isolated):
    code, shown = run_tty(["plan", "new", "-q", "--country", "GB"], "\n" * 7, isolated)
    assert code == 0, shown
    assert "1/7" in shown and core.SECTIONS[0].prompt[:40] in shown
    assert core.SECTIONS[6].prompt[:40] in shown


def test_stopping_early_keeps_what_was_written(isolated):
    code, shown = run_tty(["plan", "new", "--country", "GB"], "Not sleeping\n\x04", isolated)
    assert code == 130, shown
    assert "saved" in shown and "Need help now" in shown
    data = json.loads(plan_file(isolated).read_text(encoding="utf-8"))
    assert data["warning_signs"] == ["Not sleeping"]


def test_stopping_early_when_replacing_keeps_the_old_plan(isolated):
    path = write_plan(isolated, SAMPLE)
    before = path.read_bytes()
    code, shown = run_tty(["plan", "new"], "y\nsomething\n\x04", isolated)
    assert code == 130, shown
    assert "earlier plan is unchanged" in shown
    assert path.read_bytes() == before


def test_new_on_a_terminal_asks_before_replacing(isolated):
    path = write_plan(isolated, SAMPLE)
    before = path.read_bytes()
    code, shown = run_tty(["plan", "new"], "n\n", isolated)
    assert code == 0 and "Replace it" in shown and "unchanged" in shown
    assert path.read_bytes() == before


def test_delete_on_a_terminal_asks(isolated):
    path = write_plan(isolated, SAMPLE)
    code, shown = run_tty(["plan", "delete"], "n\n", isolated)
    assert code == 0 and "cannot be undone" in shown and path.exists()
    code, shown = run_tty(["plan", "delete"], "y\n", isolated)
    assert code == 0 and not path.exists()
    assert "Need help now" in shown


def test_edit_with_editor_uses_a_private_temp_file(isolated, tmp_path):
    write_plan(isolated, SAMPLE)
    record = tmp_path / "editor-saw.json"
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import json, os, stat, sys\n"
        "path = sys.argv[1]\n"
        "seen = {'mode': stat.S_IMODE(os.stat(path).st_mode), 'dir': os.path.dirname(os.path.abspath(path)),\n"
        "        'text': open(path, encoding='utf-8').read()}\n"
        "open(os.environ['EDITOR_RECORD'], 'w').write(json.dumps(seen))\n"
        "open(path, 'w', encoding='utf-8').write('Ana from work\\n\\n  Sam, 07700 900123  \\nJo ☂\\n')\n",
        encoding="utf-8",
    )
    env = {**isolated, "EDITOR": f"{sys.executable} {editor}", "EDITOR_RECORD": str(record)}
    code, shown = run_tty(["plan", "edit", "4"], "", env)
    assert code == 0, shown
    seen = json.loads(record.read_text(encoding="utf-8"))
    assert seen["mode"] == 0o600
    assert seen["dir"] == str(data_dir(isolated))
    assert seen["text"] == "Sam (sister): 07700 900123\nAna from work\n"
    data = json.loads(plan_file(isolated).read_text(encoding="utf-8"))
    assert data["people_to_ask"] == ["Ana from work", "Sam, 07700 900123", "Jo ☂"]
    assert leftovers(data_dir(isolated)) == []  # temp file gone


def test_failing_editor_changes_nothing(isolated):
    path = write_plan(isolated, SAMPLE)
    before = path.read_bytes()
    code, shown = run_tty(["plan", "edit", "4"], "", {**isolated, "EDITOR": "false"})
    assert code == 1 and "exited with status 1" in shown and "Traceback" not in shown
    code, shown = run_tty(["plan", "edit", "4"], "", {**isolated, "EDITOR": "/no/such/editor"})
    assert code == 2 and "could not start your editor" in shown
    assert path.read_bytes() == before
    assert leftovers(data_dir(isolated)) == []


def test_edit_on_a_terminal_without_editor_asks_for_items(isolated):
    write_plan(isolated, SAMPLE)
    env = {k: v for k, v in isolated.items() if k not in ("EDITOR", "VISUAL")}
    code, shown = run_tty(["plan", "edit", "7"], "The allotment\n\n", env)
    assert code == 0, shown
    data = json.loads(plan_file(isolated).read_text(encoding="utf-8"))
    assert data["reasons_for_living"] == SAMPLE["reasons_for_living"] + ["The allotment"]


# --- safe messaging ---------------------------------------------------------------------------


def _string_constants(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)]


@pytest.mark.parametrize("module", ["crisiscli/plan.py", "crisiscli/render_plan.py", "crisiscli/commands/plan.py"])
def test_every_string_in_the_code_is_clean(module):
    """Every literal the plan code can print (prompts, titles, messages, help) passes the
    banned-pattern and method/means checks."""
    strings = _string_constants(ROOT / module)
    assert len(strings) > 30
    bad = [(text, v) for text in strings if (v := violations(text))]
    assert bad == []


def test_prompts_and_titles_are_clean_and_ours():
    for part in core.SECTIONS:
        assert violations(part.title) == [] and violations(part.prompt) == []
        assert part.prompt.endswith(("?", ".")) and len(part.prompt) < 260
    assert tuple(p.key for p in core.SECTIONS) == (
        "warning_signs",
        "coping_alone",
        "distractions",
        "people_to_ask",
        "professionals",
        "safer_surroundings",
        "reasons_for_living",
    )


@pytest.mark.parametrize(
    "args",
    [
        ["plan"],
        ["plan", "--help"],
        ["plan", "new", "--help"],
        ["plan", "show", "--help"],
        ["plan", "edit", "--help"],
        ["plan", "export", "--help"],
        ["plan", "delete", "--help"],
        ["plan", "path", "--help"],
        ["plan", "show"],
        ["plan", "new"],
        ["plan", "delete"],
        ["plan", "edit", "1"],
        ["plan", "edit", "nope", "--add", "x"],
        ["plan", "path"],
    ],
)
def test_screens_and_errors_are_clean(run, args):
    result = run(*args, input="")
    assert "Traceback" not in result.stderr
    assert violations(result.stdout) == [] and violations(result.stderr) == []


def test_screens_with_a_plan_are_clean(run, isolated):
    write_plan(isolated, SAMPLE)
    for args in (
        ["plan", "show"],
        ["plan", "export"],
        ["plan", "export", "-f", "text"],
        ["plan", "edit", "1", "--remove", "9"],
        ["plan", "delete", "--yes"],
    ):
        result = run(*args, input="", env={"CRISISCLI_COUNTRY": "GB"})
        assert violations(result.stdout) == [] and violations(result.stderr) == []
    write_plan(isolated, b"broken")
    result = run("plan", "show")
    assert violations(result.stderr) == []


# --- two runs at once: neither drops the other's words ----------------------------------------


def start(env: dict[str, str], *args: str) -> subprocess.Popen:
    """The installed script as a second, real process (stdin not a terminal, streams piped)."""
    return subprocess.Popen(
        [str(BIN), *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
        encoding="utf-8",
    )


def wait_until_it_waits(proc: subprocess.Popen) -> None:
    """Block until `proc` says it is waiting for the plan lock. No sleeping: readline returns with
    each line it says, and at its exit (then the test fails and shows what it said)."""
    said = ""
    while line := proc.stderr.readline():
        if line.startswith("Waiting for another crisiscli"):
            return
        said += line
    pytest.fail("expected it to wait for the lock; it said:\n" + said)


def test_an_edit_waits_for_a_save_in_progress_and_keeps_both(isolated):
    """Two real processes: this test is in the middle of its own read-change-write, holding the
    lock; `plan edit --add` in another process must wait, then add to the plan as we left it.
    Without the lock it would read the old plan and its save would drop our item."""
    write_plan(isolated, SAMPLE)
    with core.plan_lock(isolated):
        plan = core.load_plan(isolated)
        proc = start(isolated, "plan", "edit", "2", "--add", "From the other process")
        wait_until_it_waits(proc)
        plan.sections["coping_alone"].append("From this test")
        core.save_plan(isolated, plan)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Saved part 2" in err and out == ""
    assert core.load_plan(isolated).sections["coping_alone"] == [
        *SAMPLE["coping_alone"],
        "From this test",
        "From the other process",
    ]
    assert leftovers(data_dir(isolated)) == []


def test_a_second_new_plan_checks_again_under_the_lock(isolated):
    """`plan new --from-file` saw no plan, but one was saved while it waited: it must refuse
    (exit 2, says --replace), not overwrite the plan that now exists."""
    proc = start(isolated, "plan", "new", "--from-file", str(write_import(isolated, {"coping_alone": ["Late"]})))
    with core.plan_lock(isolated):
        wait_until_it_waits(proc)
        core.save_plan(isolated, core.plan_from_document(SAMPLE))
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2, err
    assert "--replace" in err and "Traceback" not in err
    assert core.load_plan(isolated) == core.plan_from_document(SAMPLE)


def write_import(env: dict[str, str], doc: object) -> Path:
    path = Path(env["HOME"]) / "import.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_many_edits_at_once_all_land(isolated):
    """Six processes add to the same part at the same moment: every item is there afterwards."""
    write_plan(isolated, SAMPLE)
    procs = [start(isolated, "plan", "edit", "7", "--add", f"Reason {i}", "-q") for i in range(6)]
    for proc in procs:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
    items = core.load_plan(isolated).sections["reasons_for_living"]
    assert items[:2] == SAMPLE["reasons_for_living"]
    assert sorted(items[2:]) == [f"Reason {i}" for i in range(6)]


def test_a_lock_held_too_long_is_a_clear_error(isolated):
    """Another thread (its own lock file handle) cannot take a held lock; past the deadline it
    gets PlanBusy, a sentence and no change, and the lock is free again afterwards."""
    caught: list[BaseException] = []

    def other() -> None:
        try:
            with core.plan_lock(isolated, timeout=0):
                pass
        except BaseException as exc:
            caught.append(exc)

    with core.plan_lock(isolated):
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
    assert len(caught) == 1 and isinstance(caught[0], core.PlanBusy)
    assert "another crisiscli" in caught[0].message and caught[0].exit_code == 1
    with core.plan_lock(isolated, timeout=0), core.plan_lock(isolated, timeout=0):
        pass  # free again, and re-entry from the same thread is allowed


def test_replace_part_merges_other_parts_and_refuses_the_same_part(isolated):
    core.save_plan(isolated, core.plan_from_document(SAMPLE))
    before = SAMPLE["people_to_ask"]

    def another_run(plan: core.Plan | None) -> core.Plan:
        assert plan is not None
        plan.sections["reasons_for_living"].append("Meanwhile")
        return plan

    core.update_plan(isolated, another_run)
    plan, _ = core.update_plan(isolated, core.replace_part("people_to_ask", before, ["Jo"], None, "now"))
    assert plan.sections["people_to_ask"] == ["Jo"]
    assert plan.sections["reasons_for_living"][-1] == "Meanwhile"
    with pytest.raises(core.PlanChanged):  # part 4 is ["Jo"] now, not what this edit started from
        core.update_plan(isolated, core.replace_part("people_to_ask", before, ["Sam"], None, "now"))
    assert core.load_plan(isolated).sections["people_to_ask"] == ["Jo"]
    core.delete_plan(isolated)
    with pytest.raises(core.PlanChanged):  # deleted meanwhile: not silently resurrected
        core.update_plan(isolated, core.replace_part("people_to_ask", ["Jo"], ["Sam"], None, "now"))
    assert core.load_plan(isolated) is None


# --- the editor: what it saves is never garbled, dropped or left behind -----------------------


def make_editor(tmp_path: Path, body: str) -> str:
    """$EDITOR as a real program: a Python script whose `path` is the file it was given."""
    script = tmp_path / "editor.py"
    script.write_text("import os, subprocess, sys\npath = sys.argv[1]\n" + body, encoding="utf-8")
    return f"{sys.executable} {script}"


def unsaved(env: dict[str, str]) -> list[Path]:
    return sorted(data_dir(env).glob("plan.json.unsaved-*"))


ORIGINAL_4 = "".join(f"{item}\n" for item in SAMPLE["people_to_ask"]).encode("utf-8")


@pytest.mark.parametrize(
    "body, code, needles, kept",
    [
        # Latin-1 bytes: refused, kept byte for byte, never decoded with replacement characters
        (
            "open(path, 'ab').write(b'Caf\\xe9 with Jo\\n')\n",
            2,
            ["not UTF-8", "line 3"],
            ORIGINAL_4 + b"Caf\xe9 with Jo\n",
        ),
        # a terminal escape in an item: refused with the reason, the text kept
        ("open(path, 'a').write('\\x1b[2Jcall Jo\\n')\n", 2, ["control character"], ORIGINAL_4 + b"\x1b[2Jcall Jo\n"),
        # the editor fails after a change: the change is not saved, and not lost
        ("open(path, 'a').write('Jo\\n')\nsys.exit(3)\n", 1, ["exited with status 3"], ORIGINAL_4 + b"Jo\n"),
        # the editor deletes its file: nothing to read back, nothing to keep, plan unchanged
        ("os.unlink(path)\n", 1, ["removed the file"], None),
    ],
)
def test_editor_results_that_cannot_be_saved(isolated, tmp_path, body, code, needles, kept):
    path = write_plan(isolated, SAMPLE)
    before = path.read_bytes()
    exit_code, shown = run_tty(["plan", "edit", "4"], "", {**isolated, "EDITOR": make_editor(tmp_path, body)})
    assert exit_code == code, shown
    assert "Traceback" not in shown and "unexpected error" not in shown
    for needle in needles:
        assert needle in shown
    assert path.read_bytes() == before
    assert leftovers(data_dir(isolated)) == []
    if kept is None:
        assert unsaved(isolated) == []
        return
    [copy] = unsaved(isolated)
    assert copy.name == "plan.json.unsaved-1.txt"
    assert copy.read_bytes() == kept
    assert mode_of(copy) == 0o600
    assert str(copy) in shown
    assert "\ufffd" not in shown


OTHER_RUN = (
    "subprocess.run([os.environ['CRISISCLI_BIN'], 'plan', 'edit', os.environ['OTHER_PART'], '--add',\n"
    "                'Added meanwhile'], stdin=subprocess.DEVNULL, capture_output=True, check=True)\n"
    "open(path, 'a', encoding='utf-8').write('Typed in the editor\\n')\n"
)


def test_edit_merges_with_a_change_to_another_part_made_meanwhile(isolated, tmp_path):
    """While the editor is open on part 4, another real process adds to part 7: both are kept."""
    write_plan(isolated, SAMPLE)
    env = {**isolated, "EDITOR": make_editor(tmp_path, OTHER_RUN), "CRISISCLI_BIN": str(BIN), "OTHER_PART": "7"}
    code, shown = run_tty(["plan", "edit", "4"], "", env)
    assert code == 0, shown
    plan = core.load_plan(isolated)
    assert plan.sections["people_to_ask"] == [*SAMPLE["people_to_ask"], "Typed in the editor"]
    assert plan.sections["reasons_for_living"] == [*SAMPLE["reasons_for_living"], "Added meanwhile"]
    assert unsaved(isolated) == [] and leftovers(data_dir(isolated)) == []


def test_edit_of_a_part_changed_meanwhile_is_kept_aside_not_saved_over(isolated, tmp_path):
    """Both runs changed part 4: the one that saved first stays, the editor's text is kept aside."""
    write_plan(isolated, SAMPLE)
    env = {**isolated, "EDITOR": make_editor(tmp_path, OTHER_RUN), "CRISISCLI_BIN": str(BIN), "OTHER_PART": "4"}
    code, shown = run_tty(["plan", "edit", "4"], "", env)
    assert code == 1, shown
    assert "changed by another crisiscli" in shown and "Traceback" not in shown
    plan = core.load_plan(isolated)
    assert plan.sections["people_to_ask"] == [*SAMPLE["people_to_ask"], "Added meanwhile"]
    [copy] = unsaved(isolated)
    assert copy.read_bytes() == ORIGINAL_4 + b"Typed in the editor\n"
    assert leftovers(data_dir(isolated)) == []


def test_ctrl_c_while_waiting_to_save_keeps_the_editors_text(isolated, tmp_path):
    """Interrupted after the editor closed, while waiting for another run's save: what was typed
    is kept aside and the person is told where; the plan is as it was."""
    path = write_plan(isolated, SAMPLE)
    before = path.read_bytes()
    env = {**isolated, "EDITOR": make_editor(tmp_path, "open(path, 'a').write('Typed\\n')\n")}
    with core.plan_lock(isolated):
        term = Terminal(["plan", "edit", "4"], env)
        term.expect("Waiting for another crisiscli")
        os.killpg(term.proc.pid, signal.SIGINT)
        code = term.finish()
    assert code == 130, term.text
    [copy] = unsaved(isolated)
    assert copy.read_bytes() == ORIGINAL_4 + b"Typed\n"
    assert str(copy) in term.text and "Traceback" not in term.text
    assert path.read_bytes() == before and leftovers(data_dir(isolated)) == []


def test_guided_new_does_not_overwrite_a_plan_made_meanwhile(isolated, invoke):
    """A plan saved by another run while the questions were being answered stays; the new one is
    kept whole in a file that `plan new --from-file` reads back."""
    term = Terminal(["plan", "new", "--country", "GB"], isolated)
    term.expect("1/7")
    assert import_plan(invoke, SAMPLE).returncode == 0  # the other run, while this one asks
    term.type("Not sleeping\n" + "\n" * 7)
    code = term.finish()
    assert code == 1, term.text
    assert "changed by another crisiscli" in term.text and "Traceback" not in term.text
    assert core.load_plan(isolated) == core.plan_from_document({**SAMPLE, "updated": f"{TODAY}T00:00:00Z"})
    [copy] = unsaved(isolated)
    assert copy.suffix == ".json" and mode_of(copy) == 0o600
    assert core.parse_plan_json(copy.read_bytes()).sections["warning_signs"] == ["Not sleeping"]
    assert str(copy) in term.text


# --- delete leaves nothing behind, and says what it keeps ----------------------------------------


def litter(env: dict[str, str]) -> dict[str, Path]:
    """Everything a plan can leave in the data dir, plus two files that are not the plan's."""
    d = data_dir(env)
    files = {
        "plan": write_plan(env, SAMPLE),
        "editor copy": d / ".edit-k2j3.txt",  # a killed `plan edit`
        "half save": d / ".tmp-a8b9",  # a plan save cut off before the rename
        "corrupt": d / "plan.json.corrupt-1",
        "unsaved": d / "plan.json.unsaved-1.txt",
        "dataset temp": d / ".tmp-c7d6",  # an update's, in the same folder
        "dataset": d / "hotlines.json",
    }
    files["editor copy"].write_text("Sam (sister)\n", encoding="utf-8")
    files["half save"].write_bytes(b'{\n  "version": 1,\n  "created": "2026-')
    files["corrupt"].write_bytes(b"{broken")
    files["unsaved"].write_bytes(b"Caf\xe9\n")
    files["dataset temp"].write_bytes(b'{"schema_version": 1, "dataset_version": 7')
    files["dataset"].write_bytes(b"{}")
    return files


def test_delete_yes_removes_the_plan_its_copies_and_kept_copies(invoke, isolated):
    files = litter(isolated)
    result = invoke("plan", "delete", "--yes")
    assert result.returncode == 0, result.stderr
    for name in ("plan", "editor copy", "half save", "corrupt", "unsaved"):
        assert not files[name].exists(), name
    assert files["dataset temp"].exists() and files["dataset"].exists()  # not the plan's
    assert "Deleted your safety plan" in result.stderr
    assert str(files["corrupt"]) in result.stderr and str(files["unsaved"]) in result.stderr
    assert "Deleted 4 other files" in result.stderr
    assert result.stdout == ""


def test_delete_on_a_terminal_offers_the_kept_copies_separately(isolated):
    files = litter(isolated)
    code, shown = run_tty(["plan", "delete"], "y\nn\n", isolated)
    assert code == 0, shown
    assert not files["plan"].exists() and not files["editor copy"].exists() and not files["half save"].exists()
    assert files["corrupt"].read_bytes() == b"{broken" and files["unsaved"].exists()
    flat = shown.replace("\n", " ")
    assert "Copies kept aside earlier" in flat and "Kept, not deleted" in flat
    assert "plan.json.corrupt-1" in flat and "plan.json.unsaved-1.txt" in flat
    code, shown = run_tty(["plan", "delete"], "y\n", isolated)  # only kept copies left: one question
    assert code == 0, shown
    assert not files["corrupt"].exists() and not files["unsaved"].exists()


def test_delete_with_only_kept_copies_still_needs_a_yes(run, isolated):
    files = litter(isolated)
    files["plan"].unlink()
    result = run("plan", "delete", input="")
    assert_clean_failure(result, 2)
    assert files["corrupt"].exists() and files["editor copy"].exists()


# --- `now` points only to a plan it can show ----------------------------------------------------


@pytest.mark.parametrize(
    "content, points",
    [
        (json.dumps(SAMPLE).encode(), True),
        (b"{broken", False),  # unreadable
        (json.dumps({"version": 99}).encode(), False),  # from a newer crisiscli
        (b"\xff\xfe not utf-8", False),
    ],
)
def test_now_points_only_to_a_plan_it_can_show(invoke, isolated, content, points):
    path = write_plan(isolated, content)
    text = invoke("now", "GB")
    doc = json.loads(invoke("now", "GB", "--json").stdout)
    assert text.returncode == 0, text.stderr
    assert ("crisiscli plan show" in text.stdout) is points
    assert doc["data"]["plan"] == ("crisiscli plan show" if points else None)
    assert "999" in text.stdout
    assert path.read_bytes() == content and core.kept_aside(isolated) == []  # `now` moves nothing


def test_plan_readable_never_raises_or_creates(isolated, tmp_path):
    assert core.plan_readable(isolated) is False
    assert not data_dir(isolated).exists()
    odd = {"CRISISCLI_DATA_DIR": str(tmp_path / "a-file" / "data")}
    (tmp_path / "a-file").write_text("x")
    assert core.plan_readable(odd) is False and core.plan_exists(odd) is False


# --- read-only and missing data dirs: a sentence and an exit code, never a traceback -----------


class ReadOnly:
    """The data dir made read-only for the script, honestly even for root (who ignores permission
    bits): as root, each run gets a private mount namespace with the dir bind-mounted read-only
    (`prefix`); otherwise the dir is chmod-ed 0500 by seal() and restored after the test."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.directory = data_dir(env)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.prefix: tuple[str, ...] = ()
        if os.geteuid() == 0:
            if subprocess.run(["unshare", "-m", "true"], capture_output=True, check=False).returncode != 0:
                pytest.skip("root without mount namespaces: no way to make a directory read-only")
            self.prefix = (
                "unshare",
                "-m",
                "sh",
                "-c",
                'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"',
                str(self.directory),
            )

    def seal(self) -> None:
        """From now on the script cannot write in the data dir (call after setting files up)."""
        if not self.prefix:
            os.chmod(self.directory, 0o500)

    def writable_until_sealed(self) -> tuple[str, ...]:
        """A prefix for a run whose data dir becomes read-only when seal_running() is called."""
        if not self.prefix:
            return ()
        return ("unshare", "-m", "sh", "-c", 'mount --bind "$0" "$0" && exec "$@"', str(self.directory))

    def seal_running(self, pid: int) -> None:
        """Make the data dir read-only under a run started with writable_until_sealed()."""
        if not self.prefix:
            os.chmod(self.directory, 0o500)
            return
        subprocess.run(
            ["nsenter", "-t", str(pid), "-m", "mount", "-o", "remount,bind,ro", str(self.directory)], check=True
        )

    def run(self, *args: str, input: str = "") -> Result:
        done = subprocess.run(
            [*self.prefix, str(BIN), *args],
            env=self.env,
            input=input,
            check=False,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=60,
        )
        return Result(done.returncode, done.stdout, done.stderr)


@pytest.fixture
def read_only(isolated):
    ro = ReadOnly(isolated)
    yield ro
    os.chmod(ro.directory, 0o700)


def test_read_only_data_dir(isolated, read_only):
    """Reading works; every change fails with a sentence, exit 1, and the plan as it was."""
    path = write_plan(isolated, SAMPLE)
    before = path.read_bytes()
    read_only.seal()
    shown = read_only.run("plan", "show")
    assert shown.returncode == 0, shown.stderr
    assert "Not sleeping" in shown.stdout
    assert "crisiscli plan show" in read_only.run("now", "GB").stdout
    for args in (["plan", "edit", "2", "--add", "Stretch"], ["plan", "new", "--from-file", "-", "--replace"]):
        result = read_only.run(*args, input=json.dumps(SAMPLE))
        assert_clean_failure(result, 1)
        assert "CRISISCLI_DATA_DIR" in result.stderr and "unexpected" not in result.stderr
        assert path.read_bytes() == before
    result = read_only.run("plan", "delete", "--yes")
    assert_clean_failure(result, 1)
    assert "cannot change your safety plan" in result.stderr or "could not delete" in result.stderr
    assert path.read_bytes() == before


def test_corrupt_plan_in_a_read_only_dir_is_left_as_it_is(isolated, read_only):
    path = write_plan(isolated, b"{broken")
    read_only.seal()
    result = read_only.run("plan", "show")
    assert_clean_failure(result, 5)
    assert "left exactly as it is" in result.stderr
    assert path.read_bytes() == b"{broken" and core.kept_aside(isolated) == []


def test_no_questions_or_editor_when_nothing_could_be_saved(isolated, read_only, tmp_path):
    """Nobody types a plan, or opens an editor, that cannot be saved: both stop first, clearly."""
    read_only.seal()
    term = Terminal(["plan", "new", "--country", "GB"], isolated, read_only.prefix)
    code = term.finish()
    assert code == 1, term.text
    assert "cannot save your safety plan" in term.text and "1/7" not in term.text
    assert "Traceback" not in term.text
    ran = tmp_path / "editor-ran"
    env = {**isolated, "EDITOR": make_editor(tmp_path, f"open({str(ran)!r}, 'w').write('x')\n")}
    term = Terminal(["plan", "edit", "4"], env, read_only.prefix)
    code = term.finish()
    assert code == 1, term.text
    assert "cannot edit your safety plan" in term.text and "CRISISCLI_DATA_DIR" in term.text
    assert not ran.exists()


def test_a_guided_plan_that_cannot_be_saved_or_kept_is_printed(isolated, read_only):
    """The folder turns read-only while the questions are answered (a disk remounted, a full
    disk): the new plan cannot be saved or kept in a file, so it is printed as JSON to import later."""
    term = Terminal(["plan", "new", "--country", "GB"], isolated, read_only.writable_until_sealed())
    term.expect("1/7")
    read_only.seal_running(term.proc.pid)
    term.type("Not sleeping\n" + "\n" * 7)
    code = term.finish()
    assert code == 1, term.text
    assert "Read-only file system" in term.text or "Permission denied" in term.text
    assert "printed above as JSON" in term.text and "Traceback" not in term.text
    assert '"warning_signs": [\n    "Not sleeping"\n  ]' in term.text
    assert not plan_file(isolated).exists() and unsaved(isolated) == []


@pytest.mark.parametrize("how", ["CRISISCLI_DATA_DIR", "HOME"])
def test_a_data_dir_that_cannot_exist(run, invoke, isolated, tmp_path, how):
    """The data dir's parent is a file (a wrong CRISISCLI_DATA_DIR, a broken HOME): reading says
    there is nothing to show or clearly why; writing fails with a sentence; nothing crashes."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    env = (
        {"CRISISCLI_DATA_DIR": str(blocker / "data")}
        if how == "CRISISCLI_DATA_DIR"
        else {"CRISISCLI_DATA_DIR": "", "HOME": str(blocker / "home")}
    )
    result = import_plan(run, SAMPLE, env=env)
    assert_clean_failure(result, 1)
    assert "Not a directory" in result.stderr and "CRISISCLI_DATA_DIR" in result.stderr
    result = run("plan", "edit", "1", "--add", "x", input="", env=env)
    assert_clean_failure(result, 1)
    result = run("plan", "show", env=env)
    assert_clean_failure(result, 3)  # no plan can be there
    assert "`crisiscli plan new`" in result.stderr
    assert invoke("plan", "path", env=env).returncode == 0
    assert invoke("plan", "delete", "--yes", env=env).returncode == 0
    now = invoke("now", "GB", env=env)
    assert now.returncode == 0 and "999" in now.stdout and "plan show" not in now.stdout


def test_prefill_never_offers_unconfirmed_lines_or_part_time_channels():
    from datetime import date

    from crisiscli.dataset import load_bundled
    from crisiscli.query import round_the_clock
    from crisiscli.trust import is_confirmed

    dataset = load_bundled()
    today = date.fromisoformat(TODAY)
    for code in ("GB", "US", "BR", "DE", "FR", "AU"):
        items = core.prefill_professionals(dataset, code)
        country = dataset.country(code)
        for line in country.lines:
            named = any(item.startswith(f"{line.name}:") for item in items)
            if named:
                assert is_confirmed(line, today), line.id
                shown = [c for c in line.contacts if c.display in next(i for i in items if i.startswith(line.name))]
                assert all(round_the_clock(line, c) for c in shown), line.id
