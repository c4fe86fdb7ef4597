"""`crisiscli plan ...`: the private safety plan (new, show, edit, export, delete, path).

Why thin: every rule about the file (privacy, atomic writes, corrupt files kept aside, limits)
lives in crisiscli/plan.py. This module asks questions (only on a terminal), calls the core and
prints: the plan and exports on stdout, everything said to the person on stderr. Nothing here
logs, sends or echoes the plan's words anywhere else, and error messages never quote them.
"""

from __future__ import annotations

import functools
import os
import sys
import textwrap
from collections.abc import Callable, Sequence
from typing import Any

import click

from .. import plan as core
from .. import render, render_plan
from ..cli import App, CrisisSubGroup, remember
from ..errors import CrisisError, UsageProblem
from ..files import read_upto

EXIT_STOPPED = 130

INTRO = (
    "This is your safety plan: your own words for hard moments, kept only on this computer. "
    "There are {n} short parts. Write one thing per line and press Enter. An empty line moves "
    "on to the next part, so you can skip anything. You can make this on your own, and it can "
    "help to go through it with someone you trust or a professional."
)
NOT_A_TERMINAL_NEW = (
    "`crisiscli plan new` asks questions, and this is not a terminal, so it cannot ask. "
    "To create a plan from a script, use `crisiscli plan new --from-file FILE` with a "
    "JSON object whose keys are the parts: " + ", ".join(core.SECTION_KEYS)
)
SAVED_NEW = (
    "Saved your safety plan to {path} (only you can read it). See it any time with "
    "`crisiscli plan show`; change a part with `crisiscli plan edit NUMBER`. It can help to "
    "look over it now and then, and to keep a copy where you will see it when you need it "
    "(`crisiscli plan export`)."
)
EXPORT_NOTE = (
    "This copy is not protected like your plan file; keep it somewhere private, or share "
    "it only with people you choose."
)


def plan_options(formats: Sequence[str] = (), default: str | None = None) -> Callable[..., Any]:
    """The plan's own output options: its formats (text, markdown, json) differ from the lookup
    formats, so this builds the App itself. The App's format is set to json only when json was
    asked for, so an error in json mode comes out as JSON on stdout like everywhere else."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def wrapper(
            fmt: str | None = None, as_json: bool = False, quiet: bool = False, color: str | None = None, **kwargs: Any
        ) -> Any:
            chosen = "json" if as_json else (fmt.lower() if fmt else default)
            app = App("json" if chosen == "json" else None, quiet, color, os.environ)
            app.format = "json" if chosen == "json" else "table"
            remember(app)
            if formats:
                kwargs["fmt"] = chosen
            return func(app, **kwargs)

        wrapped: Callable[..., Any] = wrapper
        wrapped = click.option(
            "--color",
            type=click.Choice(["auto", "always", "never"]),
            default=None,
            help="Colour (default auto: only on a terminal, never with NO_COLOR).",
        )(wrapped)
        wrapped = click.option(
            "-q", "--quiet", is_flag=True, help="No notices on stderr (errors and questions still show)."
        )(wrapped)
        if "json" in formats:
            wrapped = click.option("--json", "as_json", is_flag=True, help="Same as --format json.")(wrapped)
        if formats:
            wrapped = click.option(
                "--format",
                "-f",
                "fmt",
                type=click.Choice(formats, case_sensitive=False),
                default=None,
                help=f"Output format (default: {default}).",
            )(wrapped)
        return wrapped

    return decorate


# --- small helpers ----------------------------------------------------------------------------


def _interactive() -> bool:
    """Prompts only where a person can answer: stdin must be a terminal (DESIGN.md)."""
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def _say(app: App, text: str, always: bool = False) -> None:
    """Talk to the person on stderr, wrapped to the screen. -q silences notices, but never the
    questions of an interactive session (`always`)."""
    if always or not app.screen.quiet:
        app.screen.err_block(
            textwrap.fill(
                render.safe_text(text), width=app.screen.width, break_long_words=False, break_on_hyphens=False
            )
        )


def _footer(app: App, plan: core.Plan | None = None) -> str:
    """The help footer for where the person is; the plan's own country when nothing else is known."""
    try:
        if plan is not None and plan.country and app.detected().iso2 is None:
            return app.footer(app.dataset.country(plan.country))
    except CrisisError:
        pass
    return app.footer()


def _ask(app: App, prompt: str) -> str | None:
    """One line typed by the person (prompt on stderr); None at end of input (Ctrl-D)."""
    app.screen.err.write(prompt)
    app.screen.err.flush()
    try:
        sys.stdin.reconfigure(errors="replace")  # type: ignore[union-attr]
    except (AttributeError, ValueError):
        pass
    line = sys.stdin.readline()
    if line == "":
        app.screen.err.write("\n")
        return None
    return line.rstrip("\r\n")


def _confirm(app: App, question: str) -> bool:
    """A yes/no question on stderr, 'no' unless the person types y or yes."""
    answer = _ask(app, render.safe_text(question) + " [y/N] ")
    return (answer or "").strip().lower() in ("y", "yes")


def _waiting(app: App) -> Callable[[], None]:
    """What to say when another crisiscli is saving the plan at this moment (we wait for it)."""
    return lambda: app.screen.talk("Waiting for another crisiscli that is saving your safety plan...")


def _load(app: App) -> core.Plan:
    """The stored plan, its notices said; NoPlan (exit 3) when there is none."""
    plan = core.load_plan(app.env)
    if plan is None:
        message = "you do not have a safety plan yet; `crisiscli plan new` starts one (it stays on this computer)"
        kept = core.kept_aside(app.env)
        if kept:
            message += f". An earlier plan that could not be read was kept at {kept[-1]}"
        raise core.NoPlan(message)
    for notice in plan.notices:
        app.screen.talk(notice)
    return plan


def _choose_country(app: App, country: str | None, fallback: str | None) -> str | None:
    """Country for pre-filled numbers: --country, then the plan's own, then detection (announced)."""
    from .. import countries

    if country:
        return countries.resolve(country)
    if fallback:
        return fallback
    detected = app.detected()
    if detected.iso2:
        app.screen.talk(
            f"Adding numbers for {countries.country_name(detected.iso2)} ({detected.reason()}); "
            "use --country to choose another."
        )
    return detected.iso2


def _prefill(app: App, plan: core.Plan, iso2: str | None) -> None:
    plan.country = iso2
    plan.sections["professionals"] = core.prefill_professionals(app.dataset, iso2)
    if not iso2:
        _say(
            app,
            "crisiscli could not tell which country you are in, so no phone numbers were added "
            "to part 5 (Professionals and crisis lines). Add them with `crisiscli plan edit 5`, "
            "or start again with --country.",
        )


# --- the group --------------------------------------------------------------------------------


@click.group("plan", cls=CrisisSubGroup)
def plan_group() -> None:
    """Your safety plan: your own words for hard moments, kept only on this computer.

    Seven short parts: signs that a hard time may be starting, things you can do by yourself,
    people and places that take your mind off things, people you can ask for help,
    professionals and crisis lines, making where you are safer, and what matters most to you.

    \b
    Examples:
      crisiscli plan new                       answer a few questions (skip any)
      crisiscli plan show                      see your plan
      crisiscli plan edit 4 --add "Sam, 07700 900123"
      crisiscli plan export > my-plan.md       a copy to print or share, if you choose

    The plan file is private (only your user can read it), is never sent anywhere and is
    never part of another command's output.
    """


@plan_group.command("new")
@click.option(
    "--from-file",
    "from_file",
    metavar="FILE",
    help="Read the plan from a JSON file (use - for stdin) instead of asking.",
)
@click.option("--country", help="Country whose emergency number and 24/7 lines fill part 5.")
@click.option("--replace", is_flag=True, help="Replace an existing plan without asking.")
@plan_options()
def new_cmd(app: App, from_file: str | None, country: str | None, replace: bool) -> int:
    """Make your safety plan: questions on a terminal, or --from-file for scripts.

    On a terminal, crisiscli asks about each part in turn; an empty line skips to the next.
    Part 5 starts with your country's emergency number and 24/7 lines, which you can change.

    FILE is a JSON object with any of the keys warning_signs, coping_alone, distractions,
    people_to_ask, professionals, safer_surroundings, reasons_for_living, each a list of
    text items (the output of `crisiscli plan show --format json` works too). Without
    professionals, part 5 is filled in from the dataset.
    """
    interactive = _interactive()
    if from_file is None and not interactive:
        raise UsageProblem(NOT_A_TERMINAL_NEW)
    imported = _read_import(from_file) if from_file is not None else None
    existing: core.Plan | None
    try:
        existing = core.load_plan(app.env)
    except core.PlanCorrupt as exc:
        if exc.kept_at is None:
            raise
        app.screen.error(f"crisiscli: {exc.message}")
        existing = None
    if existing is not None and not replace:
        if not interactive:
            raise UsageProblem(
                f"you already have a safety plan at {core.plan_path(app.env)}; add --replace "
                "to overwrite it, or change one part with `crisiscli plan edit`"
            )
        changed = render_plan.last_changed(existing)
        since = f" (last changed {changed})" if changed else ""
        if not _confirm(app, f"You already have a safety plan{since}. Replace it with a new one?"):
            _say(app, "Your plan is unchanged. To change one part, use `crisiscli plan edit NUMBER`.")
            return 0
    now = core.timestamp(app.env)
    if imported is not None:
        plan = imported
        if "professionals" in plan.missing:
            _prefill(app, plan, _choose_country(app, country, plan.country))
        elif country:
            plan.country = _choose_country(app, country, None)
        plan.created = plan.created or now
        plan.updated = now

        def change(current: core.Plan | None) -> core.Plan:
            # checked again under the lock: another run may have made a plan since the check above
            if current is not None and not replace:
                raise UsageProblem(
                    f"you already have a safety plan at {core.plan_path(app.env)}; add "
                    "--replace to overwrite it, or change one part with `crisiscli plan edit`"
                )
            return plan

        _, path = core.update_plan(app.env, change, _waiting(app))
        app.screen.talk(f"Saved your safety plan to {path}. See it with `crisiscli plan show`.")
        return 0
    core.check_can_save(app.env)  # before any question, so nobody types a plan that cannot be kept
    return _guided(app, existing, country, now)


def _read_import(from_file: str) -> core.Plan:
    """The plan in FILE (or stdin for -), checked; any problem is a usage error naming the file."""
    what = "stdin" if from_file == "-" else from_file
    try:
        if from_file == "-":
            data = sys.stdin.buffer.read(core.MAX_FILE_BYTES + 1)
        else:
            with open(from_file, "rb") as fh:
                data = fh.read(core.MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise UsageProblem(f"cannot read {what}: {exc.strerror or exc}") from None
    return core.parse_plan_json(data, what)


def _save_guided(app: App, plan: core.Plan, existing: core.Plan | None) -> str:
    """Save a plan written over several minutes: only if the stored plan is still the one the
    person chose to replace (or still absent), so another run's plan is never dropped. When it
    cannot be saved, the new plan is kept in a file of its own, or printed on stdout as the last
    resort: the person's words are never lost."""

    def change(current: core.Plan | None) -> core.Plan:
        if current != existing:
            raise core.PlanChanged(
                "your safety plan was changed by another crisiscli while you were "
                "writing this one, so it was not saved over it"
            )
        return plan

    try:
        _, path = core.update_plan(app.env, change, _waiting(app))
    except CrisisError as exc:
        data = core.plan_bytes(plan)
        try:
            kept = core.keep_unsaved(app.env, data=data, ext=".json")
        except OSError:
            app.screen.data(data.decode("utf-8").rstrip("\n"))
            raise core.NotSavedKeptAside(
                exc,
                None,
                "What you wrote is printed above as JSON; save it "
                "to a file and load it later with `crisiscli plan new --from-file "
                "FILE`",
            ) from None
        raise core.NotSavedKeptAside(
            exc,
            kept,
            f"What you wrote is kept at {kept}; make it your plan "
            f"with `crisiscli plan new --from-file {kept} --replace`",
        ) from None
    assert path is not None
    return path


def _guided(app: App, existing: core.Plan | None, country: str | None, now: str) -> int:
    """Ask about each part in turn. Stopping early (Ctrl-C, Ctrl-D) keeps what was written when
    there was no plan before, and keeps the old plan untouched when there was one."""
    replacing = existing is not None
    plan = core.Plan(created=now, updated=now)
    _say(app, INTRO.format(n=len(core.SECTIONS)), always=True)
    app.screen.err_block("\n" + _footer(app) + "\n")
    iso2 = _choose_country(app, country, None)
    plan.country = iso2
    prefilled = core.prefill_professionals(app.dataset, iso2)
    plan.sections["professionals"] = list(prefilled)
    try:
        for number, part in enumerate(core.SECTIONS, 1):
            app.screen.err_block(f"\n{number}/{len(core.SECTIONS)}  {part.title}")
            _say(app, part.prompt, always=True)
            items = plan.sections[part.key]
            if part.key == "professionals":
                if items:
                    app.screen.err_block(
                        "Already in your plan (change them later with `crisiscli plan edit 5`):\n"
                        + "\n".join(f"  - {render.safe_text(i)}" for i in items)
                    )
                else:
                    _say(
                        app,
                        "No numbers were added because crisiscli does not know your country; "
                        "you can add them here, or later with `crisiscli plan edit 5`.",
                        always=True,
                    )
            _ask_items(app, part.key, plan)
    except (KeyboardInterrupt, _Stopped):
        app.screen.err.write("\n")
        typed = plan.sections["professionals"] != prefilled or any(
            plan.sections[k] for k in core.SECTION_KEYS if k != "professionals"
        )
        if replacing:
            app.screen.error("Stopped. Your earlier plan is unchanged.")
        elif typed:
            path = _save_guided(app, plan, existing)
            app.screen.error(
                f"Stopped. What you wrote so far is saved in {path}; add more with `crisiscli plan edit NUMBER`."
            )
        else:
            app.screen.error("Stopped. Nothing was saved.")
        app.screen.err_block("\n" + _footer(app, plan))
        return EXIT_STOPPED
    path = _save_guided(app, plan, existing)
    app.screen.err_block("")
    _say(app, SAVED_NEW.format(path=path))
    app.screen.err_block("\n" + _footer(app, plan))
    return 0


class _Stopped(Exception):
    """End of input while asking: the person pressed Ctrl-D."""


def _ask_items(app: App, key: str, plan: core.Plan) -> None:
    """Read items for one part until an empty line; a rejected item is explained and asked again."""
    while len(plan.sections[key]) < core.MAX_ITEMS:
        line = _ask(app, "  > ")
        if line is None:
            raise _Stopped
        if not line.strip():
            break
        try:
            plan.sections[key] = core.add_items(plan.sections[key], [line], key)
        except UsageProblem as exc:
            app.screen.error(exc.message)


@plan_group.command("show")
@plan_options(formats=("text", "markdown", "json"), default="text")
def show_cmd(app: App, fmt: str) -> int:
    """Show your safety plan, ending with who to contact now.

    Parts and items are numbered; `crisiscli plan edit` uses those numbers. JSON output is
    the plan object in the usual envelope and can be read back with `plan new --from-file`.
    """
    plan = _load(app)
    if fmt == "json":
        app.screen.data(render.envelope("plan show", plan.to_dict(), None, warnings=plan.notices))
    elif fmt == "markdown":
        app.screen.data(render_plan.render_markdown(plan) + "\n\n---\n\n" + _footer(app, plan))
    else:
        app.screen.data(render_plan.render_text(plan, app.screen.width) + "\n\n" + _footer(app, plan))
    return 0


@plan_group.command("export")
@plan_options(formats=("markdown", "text"), default="markdown")
def export_cmd(app: App, fmt: str) -> int:
    """Print a copy of your plan to keep, print or share, if you choose.

    Redirect it to a file, for example `crisiscli plan export > my-plan.md`. The copy ends
    with who to contact now, like every screen.
    """
    plan = _load(app)
    if fmt == "text":
        body = render_plan.render_text(plan, app.screen.width, hints=False) + "\n\n" + _footer(app, plan)
    else:
        body = render_plan.render_markdown(plan) + "\n\n---\n\n" + _footer(app, plan)
    app.screen.data(body)
    app.screen.talk(EXPORT_NOTE)
    return 0


@plan_group.command("edit")
@click.argument("section")
@click.option("--add", "adds", multiple=True, metavar="TEXT", help="Add an item at the end (repeatable).")
@click.option(
    "--remove",
    "removes",
    multiple=True,
    type=int,
    metavar="N",
    help="Remove item N, as numbered by `plan show` (repeatable).",
)
@click.option("--move", nargs=2, type=int, metavar="N M", default=None, help="Move item N to position M.")
@plan_options()
def edit_cmd(
    app: App, section: str, adds: tuple[str, ...], removes: tuple[int, ...], move: tuple[int, int] | None
) -> int:
    """Change one part of your plan: add, remove or reorder items.

    SECTION is the part's number (1-7, as in `plan show`) or its name (warning_signs,
    coping_alone, distractions, people_to_ask, professionals, safer_surroundings,
    reasons_for_living). With no option, on a terminal, it opens $EDITOR with one item per
    line (or asks for new items when no editor is set). Use one of --add, --remove or --move
    at a time.
    """
    key = core.resolve_section(section)
    number = core.SECTION_KEYS.index(key) + 1
    kinds = sum(bool(x) for x in (adds, removes, move))
    if kinds > 1:
        raise UsageProblem("use one of --add, --remove or --move at a time")
    now = core.timestamp(app.env)
    started: list[bool] = []
    if kinds:

        def change(current: core.Plan | None) -> core.Plan | None:
            # runs under the plan lock on the plan as it is on disk now, so two edits at once both land
            plan = current if current is not None else _start_plan(app, now, started)
            items = plan.sections[key]
            if adds:
                new = core.add_items(items, adds, key)
            elif removes:
                new = core.remove_items(items, removes, key)
            else:
                assert move is not None
                new = core.move_item(items, move[0], move[1], key)
            if new == items:
                return None
            plan.sections[key] = new
            plan.updated = now
            return plan

        plan, path = core.update_plan(app.env, change, _waiting(app))
    else:
        if not _interactive():
            raise UsageProblem(
                f"nothing to change: say what to do, for example `crisiscli plan edit {number} "
                "--add TEXT`, `--remove N` or `--move N M` (this is not a terminal, so "
                "crisiscli cannot open an editor or ask)"
            )
        # read without the lock: the person may take minutes; the save below checks for changes
        loaded = core.load_plan(app.env)
        plan = loaded if loaded is not None else _start_plan(app, now, started)
        editor = os.environ.get("EDITOR") or os.environ.get("VISUAL")
        if editor and sys.stdout.isatty():
            plan, path = _edit_in_editor(app, editor, key, plan, started=bool(started), now=now)
        else:
            core.check_can_save(app.env)
            plan, path = _add_interactively(app, key, plan, started=bool(started), now=now)
    if plan is not None:
        for notice in plan.notices:
            app.screen.talk(notice)
    if path is None or plan is None:
        app.screen.talk("No changes; your plan is as it was.")
        return 0
    if started:
        app.screen.talk(f"Started a new safety plan at {path}.")
    count = len(plan.sections[key])
    app.screen.talk(
        f"Saved part {number}, {core.section(key).title}: {count} item{'s' if count != 1 else ''}. "
        "See it with `crisiscli plan show`."
    )
    return 0


def _start_plan(app: App, now: str, started: list[bool]) -> core.Plan:
    """A new plan for `plan edit` when there is none yet, part 5 pre-filled; noted in `started`."""
    plan = core.Plan(created=now, updated=now)
    _prefill(app, plan, _choose_country(app, None, None))
    started.append(True)
    return plan


def _edit_in_editor(
    app: App, editor: str, key: str, plan: core.Plan, started: bool, now: str
) -> tuple[core.Plan | None, str | None]:
    """Open $EDITOR on a private file with the part's items (core.start_edit), read it back and
    save it, merging with changes another run made to other parts meanwhile. Whatever goes wrong
    after the editor closes, what the person wrote is kept aside, never dropped or garbled; the
    editor's file is removed afterwards unless it is the only copy left."""
    import shlex
    import subprocess

    before = list(plan.sections[key])
    tmp = core.start_edit(app.env, before)
    saved = False
    try:
        try:
            status = subprocess.call([*shlex.split(editor), tmp])
        except (OSError, ValueError) as exc:
            raise UsageProblem(
                f"could not start your editor (EDITOR={editor[:80]!r}: "
                f"{getattr(exc, 'strerror', None) or exc}); use --add, --remove or --move "
                "instead"
            ) from None
        new = core.finish_edit(app.env, tmp, key, status, before)
        try:
            result = core.update_plan(
                app.env, core.replace_part(key, before, new, plan if started else None, now), _waiting(app)
            )
        except CrisisError as exc:
            raise core.keep_edit_aside(app.env, exc, source=tmp) from None
        saved = True
        return result
    finally:
        _drop_editor_file(app, tmp, before, saved)


def _drop_editor_file(app: App, tmp: str, before: list[str], saved: bool) -> None:
    """Remove the editor's file, unless it holds words that are in no other place: an edit
    interrupted (Ctrl-C while waiting for the lock) or one whose copy could not be kept aside.
    Then it is kept (moved aside if possible) and the person is told where."""
    try:
        data = read_upto(tmp, core.MAX_FILE_BYTES + 1)
    except OSError:
        return  # already moved aside, or the editor removed it
    if not saved and data != core.editor_text(before).encode("utf-8"):
        try:
            tmp = core.keep_unsaved(app.env, source=tmp)
        except OSError:
            pass
        app.screen.error(f"What you wrote in the editor was not saved into your plan; it is kept at {tmp}.")
        return
    try:
        os.unlink(tmp)
    except OSError:
        pass


def _add_interactively(
    app: App, key: str, plan: core.Plan, started: bool, now: str
) -> tuple[core.Plan | None, str | None]:
    """No editor set: show the part, ask for new items one per line, then add them to the plan as
    it is on disk by then (adding merges with whatever another run saved meanwhile). If they
    cannot be saved, they are kept aside in a file of their own."""
    number = core.SECTION_KEYS.index(key) + 1
    part = core.section(key)
    app.screen.err_block(f"{number}. {part.title}")
    for i, item in enumerate(plan.sections[key], 1):
        app.screen.err_block(f"   {i}) {render.safe_text(item)}")
    _say(app, part.prompt, always=True)
    _say(
        app,
        "Type new items, one per line; an empty line finishes. (To remove or reorder, use "
        f"`crisiscli plan edit {number} --remove N` or `--move N M`, or set EDITOR.)",
        always=True,
    )
    before = list(plan.sections[key])
    try:
        _ask_items(app, key, plan)
    except _Stopped:
        pass
    added = plan.sections[key][len(before) :]
    plan.sections[key] = before
    if not added:
        return plan, None

    def change(current: core.Plan | None) -> core.Plan:
        if current is None and not started:
            raise core.PlanChanged(
                "your safety plan was deleted by another crisiscli while you were "
                "typing, so your new items were not saved"
            )
        base = current if current is not None else plan
        base.sections[key] = core.add_items(base.sections[key], added, key)
        base.updated = now
        return base

    try:
        return core.update_plan(app.env, change, _waiting(app))
    except CrisisError as exc:
        raise core.keep_edit_aside(app.env, exc, data=core.editor_text(added).encode("utf-8")) from None


@plan_group.command("delete")
@click.option(
    "--yes", "-y", is_flag=True, help="Delete without asking (needed when not on a terminal); also deletes kept copies."
)
@plan_options()
def delete_cmd(app: App, yes: bool) -> int:
    """Delete your safety plan from this computer.

    Also deletes the temporary copies an interrupted edit may have left. Copies kept aside
    (an earlier plan that could not be read, an edit that could not be saved) are listed,
    and deleted too if you say so: on a terminal it asks; anywhere else --yes means yes
    to both.
    """
    path = core.plan_path(app.env)
    has_plan = os.path.lexists(path)
    temporary = core.temporary_copies(app.env)
    kept = core.kept_aside(app.env) + core.kept_unsaved(app.env)
    if not (has_plan or temporary or kept):
        app.screen.talk(f"There is no safety plan at {path}; nothing to delete.")
        return 0
    if not yes and not _interactive():
        raise UsageProblem(
            "deleting your safety plan needs a yes: run `crisiscli plan delete --yes` "
            "(this is not a terminal, so crisiscli cannot ask)"
        )
    if has_plan or temporary:
        what = (
            "your safety plan" if has_plan else "the temporary copies of your safety plan left by an interrupted edit"
        )
        where = path if has_plan else os.path.dirname(path)
        if not yes and not _confirm(app, f"Delete {what} at {where}? This cannot be undone."):
            _say(app, "Kept your plan.")
            return 0
    kept_too = False
    if kept:
        listing = "\n".join(f"  {render.safe_text(k)}" for k in kept)
        app.screen.err_block(
            f"Copies kept aside earlier (a plan that could not be read, or an edit that could not be saved):\n{listing}"
        )
        these = "these copies" if len(kept) > 1 else "this copy"
        kept_too = yes or _confirm(app, f"Delete {these}{' too' if has_plan or temporary else ''}?")
    removed = core.delete_plan(app.env, kept_too=kept_too)
    if has_plan:
        _say(app, "Deleted your safety plan. You can make a new one any time with `crisiscli plan new`.")
    extra = [r for r in removed if r != path]
    if extra:
        _say(
            app,
            f"Deleted {len(extra)} other file{'s' if len(extra) != 1 else ''} with words from your "
            "plan: " + ", ".join(extra),
        )
    left = [k for k in kept if k not in removed]
    if left:
        _say(
            app,
            "Kept, not deleted: " + ", ".join(left) + ". Delete them later with `crisiscli plan delete`, or by hand.",
        )
    if not app.screen.quiet:
        app.screen.err_block("\n" + _footer(app))
    return 0


@plan_group.command("path")
@plan_options(formats=("text", "json"), default="text")
def path_cmd(app: App, fmt: str) -> int:
    """Print where your plan is kept (whether or not it exists yet)."""
    path = core.plan_path(app.env)
    exists = core.plan_exists(app.env)
    if fmt == "json":
        app.screen.data(render.envelope("plan path", {"path": path, "exists": exists}, None))
    else:
        app.screen.data(render.safe_text(path))
        if not exists:
            app.screen.talk("(There is no plan there yet; `crisiscli plan new` makes one.)")
    return 0
